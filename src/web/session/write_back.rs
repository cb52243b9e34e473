//! The write-back as a table: at the end of a request, what to store and
//! which cookies to send, decided by one pure function, [`decide`], from
//! what the request brought, what it did to the session, and the store.
//! [`web::session::middleware`] only carries the decision out. [`CASES`] is the
//! table, one row per case; the unit tests check each row, and
//! docs/SESSIONS.md shows the same table, rendered from these rows
//! ([`table`]; `tests/api/tour.rs` holds the tour to it).
//!
//! Two rules shape it:
//!
//! - **Never replace what you did not find valid.** A response removes
//!   the session cookie only when this request ended the session itself
//!   (sign-out, account deleted). A page view that carries a cookie that
//!   leads to nothing (stale), a guest state a sign-in has replaced
//!   (superseded) or a login that ended sends no removal and no
//!   replacement of it: such a request may be late, crossing the answer
//!   that gave the browser its new cookie, and the browser keeps the last
//!   cookie it is sent. It is a guest page, plus the signed `csrf` cookie
//!   for its forms. The one page view that stores something of its own,
//!   opening a mailed link, is an action like a form's, and gets a
//!   session of its own. On a server-side store a live cookie is sent
//!   again only when its lifetime moves: its key never changes.
//! - **Keep nothing for nobody.** A server-side store keeps no state that
//!   holds nothing ([`SessionState::is_blank`]): a visitor who only looks
//!   gets the `csrf` cookie, not an entry.
//!
//! [`web::session::middleware`]: crate::web::session::middleware
//! [`SessionState::is_blank`]: crate::domain::session::SessionState::is_blank

use std::fmt;

/// Where the state is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Store {
    /// In the cookie itself: writing the state is writing the cookie.
    Cookie,
    /// On the server (the database, Redis): the cookie carries a key.
    Server,
}

/// What the session cookie of the request led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Brought {
    /// No session cookie.
    Nothing,
    /// A cookie that leads to nothing: no key opens it, it holds no state
    /// this release reads, or its entry is gone (deleted at a sign-in or
    /// sign-out, expired).
    Stale,
    /// A guest state that a sign-in has replaced (the cookie store, where
    /// the state is still in the cookie: the sign-in's note in
    /// `guest_merges` says so).
    Superseded,
    /// A login whose row ended (signed out elsewhere, timed out, the
    /// account deleted): the request went on as a guest.
    EndedLogin,
    /// A live state; [`resealed`]: under a previous key, to be sealed again.
    ///
    /// [`resealed`]: Brought::Found::resealed
    Found { resealed: bool },
}

#[cfg(test)]
impl Brought {
    /// Whether the cookie led to a state the request could trust.
    fn valid(self) -> bool {
        matches!(self, Brought::Found { .. })
    }
}

/// The signed `csrf` cookie of a visitor without a stored session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Csrf {
    Nothing,
    /// Signed under the current key.
    Valid,
    /// Signed under a previous key: to be signed again.
    OldKey,
    /// One no key signed.
    Invalid,
}

/// What the request did to the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Did {
    /// Nothing (most page views).
    Nothing,
    /// Changed the state, same id (a cart line, a message, "last seen").
    Changed,
    /// Gave it a new id (sign-in, registration, password change).
    Renewed,
    /// Ended it (sign-out, account deleted).
    Ended,
}

/// Everything the decision depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) store: Store,
    /// A POST (a form); otherwise a page view (GET, HEAD).
    pub(crate) form: bool,
    pub(crate) brought: Brought,
    pub(crate) csrf: Csrf,
    pub(crate) did: Did,
    /// The state the request ends with holds something worth keeping (not
    /// [`SessionState::is_blank`]): for a cookie not found valid, something
    /// the request put there itself.
    ///
    /// [`SessionState::is_blank`]: crate::domain::session::SessionState::is_blank
    pub(crate) keeps_something: bool,
    /// The state's lifetime moved ("last seen" noted, at most once a
    /// minute): a server-side store's cookie is sent again then, with its
    /// `Max-Age` afresh, and only then (its key did not change).
    pub(crate) rolls: bool,
}

/// What happens to the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StoreWrite {
    Nothing,
    /// A new entry for the state the request ends with.
    Save,
    /// The entry the cookie named gets the request's change, compared and
    /// set: applied again to a newer state another request saved
    /// meanwhile; nothing, if the entry is gone by then.
    Update,
    /// A new entry for the new state; the old one deleted (a renewal).
    Replace,
    /// The entry the cookie named deleted.
    Delete,
}

/// What the response says of one cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CookieWrite {
    /// Not a word: the browser keeps what it has.
    Keep,
    /// Set (a new value, or the same one with a fresh lifetime).
    Set,
    /// Removed (`Max-Age=0`).
    Remove,
}

/// The decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WriteBack {
    /// Always [`Nothing`] for the cookie store: its "store" is the cookie.
    ///
    /// [`Nothing`]: StoreWrite::Nothing
    pub(crate) store: StoreWrite,
    pub(crate) session_cookie: CookieWrite,
    pub(crate) csrf_cookie: CookieWrite,
}

/// What to store and which cookies to send.
pub(crate) fn decide(r: &Request) -> WriteBack {
    use CookieWrite::{Keep, Remove, Set};
    let server = r.store == Store::Server;
    // A state the cookie named is on the server: a live one, or the dead
    // state of a login that ended.
    let entry = server && matches!(r.brought, Brought::Found { .. } | Brought::EndedLogin);
    let csrf_sent = r.csrf != Csrf::Nothing;
    let drop_csrf = if csrf_sent { Remove } else { Keep };
    // The forms of a page whose session is not stored need the signed
    // cookie: sent unless a valid one under the current key came.
    let csrf_for_forms = if r.form || r.csrf == Csrf::Valid {
        Keep
    } else {
        Set
    };
    let only = |store, session_cookie, csrf_cookie| WriteBack {
        store: if server { store } else { StoreWrite::Nothing },
        session_cookie,
        csrf_cookie,
    };
    match (r.did, r.brought) {
        // The request ended the session: the one case of a removal.
        (Did::Ended, brought) => only(
            if entry {
                StoreWrite::Delete
            } else {
                StoreWrite::Nothing
            },
            if brought == Brought::Nothing {
                Keep
            } else {
                Remove
            },
            drop_csrf,
        ),
        // A new id is an action of this request (sign-in, password
        // change): the new state replaces whatever the cookie named.
        (Did::Renewed, _) => only(
            if entry {
                StoreWrite::Replace
            } else {
                StoreWrite::Save
            },
            Set,
            drop_csrf,
        ),
        // A live state, changed: written back (on a server store, deleted
        // instead when nothing is left, and the forms keep their token in
        // the csrf cookie; the cookie itself is left alone).
        (Did::Changed, Brought::Found { .. }) if server && !r.keeps_something => {
            only(StoreWrite::Delete, Keep, Set)
        }
        (Did::Changed, Brought::Found { resealed }) if server => only(
            StoreWrite::Update,
            if r.rolls || resealed { Set } else { Keep },
            Keep,
        ),
        (Did::Changed, Brought::Found { .. }) => only(StoreWrite::Update, Set, Keep),
        // A live state, unchanged: only a cookie under a previous key is
        // sealed again.
        (Did::Nothing, Brought::Found { resealed }) => {
            only(StoreWrite::Nothing, if resealed { Set } else { Keep }, Keep)
        }
        // No cookie at all, and the state now holds something (a first
        // add to the cart), or a first page view on the cookie store,
        // whose cookie is its only storage: a new session.
        (_, Brought::Nothing)
            if r.keeps_something || (!server && !r.form && r.did != Did::Renewed) =>
        {
            only(StoreWrite::Save, Set, drop_csrf)
        }
        // A cookie that led to nothing, or to a login that ended, and the
        // request stored something of its own (a form that added to the
        // cart; a mailed link opened, the one page view that does: its
        // click is an action as much as a form's): a new session; the dead
        // state of the ended login goes. (A superseded guest state is never
        // written again: only a late request, or a copy, still carries it.)
        (_, Brought::Stale | Brought::EndedLogin) if r.keeps_something => only(
            if entry {
                StoreWrite::Replace
            } else {
                StoreWrite::Save
            },
            Set,
            drop_csrf,
        ),
        // Nothing worth keeping, and no valid state: a guest page. Its
        // cookie is neither removed nor replaced; the dead state of an
        // ended login goes; its forms get the csrf cookie. A form (a
        // cross-site one, refused) answers with no cookie at all.
        (_, _) => only(
            if entry {
                StoreWrite::Delete
            } else {
                StoreWrite::Nothing
            },
            Keep,
            csrf_for_forms,
        ),
    }
}

/// One row of the table: a case in words, and a request that is that case.
struct Case {
    request: &'static str,
    it: &'static str,
    example: Request,
}

const fn case(request: &'static str, it: &'static str, example: Request) -> Case {
    Case {
        request,
        it,
        example,
    }
}

const fn req(store: Store, form: bool, brought: Brought, did: Did, keeps: bool) -> Request {
    Request {
        store,
        form,
        brought,
        csrf: Csrf::Nothing,
        did,
        keeps_something: keeps,
        rolls: false,
    }
}

const LIVE: Brought = Brought::Found { resealed: false };

/// The table: every rule of [`decide`], once per store where they differ.
const CASES: [Case; 21] = [
    case(
        "a page view, no cookie",
        "nothing",
        req(Store::Cookie, false, Brought::Nothing, Did::Nothing, false),
    ),
    case(
        "a page view, no cookie",
        "nothing",
        req(Store::Server, false, Brought::Nothing, Did::Nothing, false),
    ),
    case(
        "a form, no cookie (a cross-site one, refused)",
        "nothing",
        req(Store::Cookie, true, Brought::Nothing, Did::Nothing, false),
    ),
    case(
        "a form, no session cookie, the csrf cookie",
        "a first cart line",
        Request {
            csrf: Csrf::Valid,
            ..req(Store::Server, true, Brought::Nothing, Did::Changed, true)
        },
    ),
    case(
        "a page view, a live cookie",
        "nothing",
        req(Store::Server, false, LIVE, Did::Nothing, true),
    ),
    case(
        "a page view, a live cookie under a previous key",
        "nothing",
        req(
            Store::Server,
            false,
            Brought::Found { resealed: true },
            Did::Nothing,
            true,
        ),
    ),
    case(
        "any request, a live cookie",
        "a change (a line, a message shown, \"last seen\")",
        req(Store::Cookie, true, LIVE, Did::Changed, true),
    ),
    case(
        "any request, a live cookie",
        "a change (a line, a message shown)",
        req(Store::Server, true, LIVE, Did::Changed, true),
    ),
    case(
        "any request, a live cookie",
        "a change and \"last seen\" noted (once a minute)",
        Request {
            rolls: true,
            ..req(Store::Server, false, LIVE, Did::Changed, true)
        },
    ),
    case(
        "any request, a live cookie",
        "a change that leaves nothing (its last message shown)",
        req(Store::Server, false, LIVE, Did::Changed, false),
    ),
    case(
        "sign-in, registration, password change",
        "a new id",
        req(Store::Cookie, true, LIVE, Did::Renewed, true),
    ),
    case(
        "sign-in, registration, password change",
        "a new id",
        req(Store::Server, true, LIVE, Did::Renewed, true),
    ),
    case(
        "sign-out, account deletion",
        "ended",
        req(Store::Cookie, true, LIVE, Did::Ended, false),
    ),
    case(
        "sign-out, account deletion",
        "ended",
        req(Store::Server, true, LIVE, Did::Ended, false),
    ),
    case(
        "a page view, a stale cookie (its entry gone: a late request after a sign-in)",
        "nothing, or a message shown",
        req(Store::Server, false, Brought::Stale, Did::Changed, false),
    ),
    case(
        "a page view, a cookie no key opens",
        "nothing",
        req(Store::Cookie, false, Brought::Stale, Did::Nothing, false),
    ),
    case(
        "a page view, a guest cookie a sign-in replaced (a late request)",
        "a message shown, \"last seen\"",
        req(
            Store::Cookie,
            false,
            Brought::Superseded,
            Did::Changed,
            true,
        ),
    ),
    case(
        "a page view, the cookie of a login that ended (revoked, timed out)",
        "a guest page",
        req(
            Store::Cookie,
            false,
            Brought::EndedLogin,
            Did::Nothing,
            false,
        ),
    ),
    case(
        "a page view, the cookie of a login that ended (revoked, timed out)",
        "a guest page",
        req(
            Store::Server,
            false,
            Brought::EndedLogin,
            Did::Nothing,
            false,
        ),
    ),
    case(
        "a form, a stale cookie or an ended login's",
        "stores something (a cart line)",
        req(Store::Server, true, Brought::EndedLogin, Did::Changed, true),
    ),
    case(
        "a page view, a stale cookie or an ended login's",
        "holds a mailed link",
        req(Store::Cookie, false, Brought::Stale, Did::Changed, true),
    ),
];

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Store::Cookie => "cookie",
            Store::Server => "database, redis",
        })
    }
}

impl StoreWrite {
    fn describe(self, store: Store) -> &'static str {
        match (self, store) {
            (_, Store::Cookie) => "(the cookie is the store)",
            (StoreWrite::Nothing, _) => "nothing",
            (StoreWrite::Save, _) => "a new entry",
            (StoreWrite::Update, _) => "the entry updated (compare-and-set)",
            (StoreWrite::Replace, _) => "a new entry; the old one deleted",
            (StoreWrite::Delete, _) => "the entry deleted",
        }
    }
}

impl CookieWrite {
    fn describe(self, what: &'static str) -> String {
        match self {
            CookieWrite::Keep => "none".into(),
            CookieWrite::Set => format!("set: {what}"),
            CookieWrite::Remove => "removed".into(),
        }
    }
}

/// The table as docs/SESSIONS.md shows it, each decision rendered by
/// [`decide`] itself.
pub fn table() -> String {
    let mut out = String::from(
        "| the request | it did | store | the store | `session` cookie | `csrf` cookie |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for case in &CASES {
        let decided = decide(&case.example);
        let state = match case.example.store {
            Store::Cookie => "the state, sealed",
            Store::Server => "the key, sealed",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            case.request,
            case.it,
            case.example.store,
            decided.store.describe(case.example.store),
            decided.session_cookie.describe(state),
            decided.csrf_cookie.describe("the forms' token, signed"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use CookieWrite::{Keep, Remove, Set};
    use StoreWrite as S;

    fn wb(store: StoreWrite, session_cookie: CookieWrite, csrf_cookie: CookieWrite) -> WriteBack {
        WriteBack {
            store,
            session_cookie,
            csrf_cookie,
        }
    }

    /// One expected decision per row of [`CASES`], in its order.
    ///
    /// [`CASES`]: crate::web::session::write_back::CASES
    #[test]
    fn each_row_of_the_table_decides_as_it_says() {
        let expected = [
            wb(S::Nothing, Set, Keep),
            wb(S::Nothing, Keep, Set),
            wb(S::Nothing, Keep, Keep),
            wb(S::Save, Set, Remove),
            wb(S::Nothing, Keep, Keep),
            wb(S::Nothing, Set, Keep),
            wb(S::Nothing, Set, Keep),
            wb(S::Update, Keep, Keep),
            wb(S::Update, Set, Keep),
            wb(S::Delete, Keep, Set),
            wb(S::Nothing, Set, Keep),
            wb(S::Replace, Set, Keep),
            wb(S::Nothing, Remove, Keep),
            wb(S::Delete, Remove, Keep),
            wb(S::Nothing, Keep, Set),
            wb(S::Nothing, Keep, Set),
            wb(S::Nothing, Keep, Set),
            wb(S::Nothing, Keep, Set),
            wb(S::Delete, Keep, Set),
            wb(S::Replace, Set, Keep),
            wb(S::Nothing, Set, Keep),
        ];
        for (case, expected) in CASES.iter().zip(expected) {
            assert_eq!(
                decide(&case.example),
                expected,
                "{} / {} / {}",
                case.request,
                case.it,
                case.example.store
            );
        }
    }

    /// Every request there can be.
    fn every_request() -> Vec<Request> {
        let mut all = Vec::new();
        for store in [Store::Cookie, Store::Server] {
            for form in [false, true] {
                for brought in [
                    Brought::Nothing,
                    Brought::Stale,
                    Brought::Superseded,
                    Brought::EndedLogin,
                    Brought::Found { resealed: false },
                    Brought::Found { resealed: true },
                ] {
                    for csrf in [Csrf::Nothing, Csrf::Valid, Csrf::OldKey, Csrf::Invalid] {
                        for did in [Did::Nothing, Did::Changed, Did::Renewed, Did::Ended] {
                            for (keeps_something, rolls) in
                                [(false, false), (true, false), (true, true)]
                            {
                                all.push(Request {
                                    store,
                                    form,
                                    brought,
                                    csrf,
                                    did,
                                    keeps_something,
                                    rolls,
                                });
                            }
                        }
                    }
                }
            }
        }
        all
    }

    #[test]
    fn only_a_request_that_ended_the_session_removes_its_cookie() {
        for r in every_request() {
            let removes = decide(&r).session_cookie == Remove;
            assert_eq!(
                removes,
                r.did == Did::Ended && r.brought != Brought::Nothing,
                "{r:?}"
            );
        }
    }

    #[test]
    fn a_page_view_never_replaces_a_cookie_it_did_not_find_valid() {
        for r in every_request() {
            let action = matches!(r.did, Did::Renewed | Did::Ended);
            // Unless it stored something of its own (a mailed link opened).
            let dead = matches!(r.brought, Brought::Stale | Brought::EndedLogin);
            if !r.form && dead && !r.keeps_something && !action {
                assert_eq!(decide(&r).session_cookie, Keep, "{r:?}");
            }
            // A superseded guest state is never written again.
            if r.brought == Brought::Superseded && !action {
                assert_eq!(decide(&r).session_cookie, Keep, "{r:?}");
            }
        }
    }

    #[test]
    fn a_server_store_keeps_nothing_blank_and_the_cookie_store_touches_no_store() {
        for r in every_request() {
            let decided = decide(&r);
            if r.store == Store::Cookie {
                assert_eq!(decided.store, S::Nothing, "{r:?}");
            } else if matches!(decided.store, S::Save | S::Update | S::Replace) {
                assert!(r.keeps_something || r.did == Did::Renewed, "{r:?}");
            }
        }
    }

    #[test]
    fn a_form_without_a_stored_session_gets_no_csrf_cookie_and_a_page_view_one_when_needed() {
        for r in every_request() {
            let decided = decide(&r);
            if decided.csrf_cookie == Set {
                // A form only when it left a stored state with nothing.
                assert!(!r.form || r.brought.valid(), "{r:?}");
                assert!(r.csrf != Csrf::Valid || r.brought.valid(), "{r:?}");
                assert_ne!(decided.session_cookie, Set, "{r:?}");
            }
        }
    }

    #[test]
    fn the_table_has_one_line_per_case() {
        assert_eq!(table().lines().count(), CASES.len() + 2);
    }
}
