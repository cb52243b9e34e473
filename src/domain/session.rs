//! The session state: a plain value that says everything a session holds,
//! and the only module that knows how it is kept (as JSON: [`to_json`]). Use
//! cases read it and say how the request changes it; one adapter in
//! [`web::session`] reads it at the start of a request and writes it back at
//! the end, once, and only when it changed. That adapter is the
//! only code that knows where the state is kept (`SESSION_STORE`): sealed
//! in the cookie itself, or on the server (the shop's database, Redis) with
//! only an opaque key in the cookie.
//!
//! What no store can do on its own is end a login everywhere at once: a
//! copy of the cookie works as long as the state it names does. So a
//! logged-in state also names a row of the `logins` table, which
//! [`services::auth::check_session`] consults on every request. docs/SESSIONS.md has
//! the whole picture, store by store.
//!
//! Adding a field: give it `#[serde(default)]` (and, if it is often empty,
//! `skip_serializing_if`), so that a state written before the field
//! existed still reads; a release that does not know the field ignores it.
//! Nobody is signed out by a new field. A test keeps a state in the format
//! of an earlier release (`tests/api/sessions.rs`).
//!
//! [`to_json`]: crate::domain::session::SessionState::to_json
//! [`web::session`]: crate::web::session
//! [`services::auth::check_session`]: crate::services::auth::check_session

use std::{collections::HashMap, fmt};

use serde::{Deserialize, Serialize};

use crate::{
    domain::config::Settings,
    domain::ids::{self, ProductId, SessionId, UserId},
    domain::prefs::Preferences,
};

/// The key under which releases before this one kept the state, as JSON
/// in a map of strings (actix-session's format): still read, never written.
const EARLIER_STATE_KEY: &str = "state";

/// How often "last seen" is noted, in seconds: at most once a minute, so
/// that most page views write nothing (neither the state nor its row).
pub(crate) const TOUCH_EVERY: i64 = 60;

/// One cart line of a guest: a product id and a quantity, nothing else.
/// Names and prices always come from the database. Kept as a pair,
/// `[product_id, quantity]`, as it always was: a cart in a state (or a
/// merge note, `guest_merges`) written before still reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "(ProductId, u32)", into = "(ProductId, u32)")]
pub struct GuestCartLine {
    pub product_id: ProductId,
    pub quantity: u32,
}

impl From<(ProductId, u32)> for GuestCartLine {
    fn from((product_id, quantity): (ProductId, u32)) -> GuestCartLine {
        GuestCartLine {
            product_id,
            quantity,
        }
    }
}

impl From<GuestCartLine> for (ProductId, u32) {
    fn from(line: GuestCartLine) -> (ProductId, u32) {
        (line.product_id, line.quantity)
    }
}

/// The colour of a flash banner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FlashLevel {
    Success,
    Info,
    Error,
}

impl fmt::Display for FlashLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FlashLevel::Success => "success",
            FlashLevel::Info => "info",
            FlashLevel::Error => "error",
        })
    }
}

/// One message for the next page, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Flash {
    pub(crate) level: FlashLevel,
    pub(crate) text: String,
}

impl Flash {
    pub(crate) fn new(level: FlashLevel, text: impl Into<String>) -> Flash {
        Flash {
            level,
            text: text.into(),
        }
    }
}

/// Which page may use a mailed link the session holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LinkPage {
    /// `/password/reset`: choosing a new password.
    PasswordReset,
    /// `/verify-email`: proving an email address.
    EmailAddress,
}

/// A mailed link, held by the session from its first view to the form
/// that uses it. The link's first GET moves it here and redirects to the
/// same page without its token, so the token leaves the address bar (and
/// the history, and a shared screen) and never rides in a `Referer` (as
/// Django's password reset view does). The session keeps the link's
/// digest, as the database does ([`services::auth::links`]), never the token: a copy of
/// a server-side store opens no account either.
///
/// [`services::auth::links`]: crate::services::auth::links
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HeldLink {
    page: LinkPage,
    digest: String,
}

impl HeldLink {
    /// The link whose token has this digest, for `page`.
    pub(crate) fn new(page: LinkPage, digest: &str) -> HeldLink {
        HeldLink {
            page,
            digest: digest.to_string(),
        }
    }

    /// The digest the link is looked up by.
    pub(crate) fn digest(&self) -> &str {
        &self.digest
    }

    /// A short name of the link, for its form: a form shown for one link
    /// is never sent for another one opened since.
    pub(crate) fn fingerprint(&self) -> String {
        ids::digest(&self.digest)[..10].to_string()
    }
}

impl fmt::Debug for HeldLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HeldLink({:?}, {})", self.page, self.fingerprint())
    }
}

/// A sign-in halfway: the password was right, the account has a second
/// factor, and the code is still to come (`/login/two-factor`). It is not a
/// login: the state has no `user_id`, so every login-only page sends the
/// browser to sign in, and nothing a sign-in does (the `logins` row, the
/// cart merge, "last seen") has happened. It ends at [`until`], after
/// [`MAX_WRONG_CODES`] wrong codes, or when the password it proved is no
/// longer the account's; completing it renews the session id, as a
/// sign-in does.
///
/// [`until`]: SecondStep::until
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SecondStep {
    pub(crate) user_id: UserId,
    /// "Keep me signed in", as chosen at the password step.
    pub(crate) remember_me: bool,
    /// Where to go once signed in (a local path).
    pub(crate) next: String,
    /// A digest of the password hash that was proven: a reset or a
    /// password change since ends the step ([`services::auth::Proven`]).
    ///
    /// [`services::auth::Proven`]: crate::services::auth::Proven
    pub(crate) proof: String,
    /// `TWO_FACTOR_TIMEOUT` after the password step.
    pub(crate) until: i64,
    /// Wrong codes typed so far.
    #[serde(default)]
    pub(crate) wrong_codes: u32,
}

/// What a passkey ceremony is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CeremonyPurpose {
    /// Adding a passkey to the signed-in account (the security page).
    AddPasskey,
    /// Signing in with a passkey (`/login`).
    SignIn,
    /// Sudo mode's "confirm it is you", with one of the account's passkeys
    /// instead of the password (`/confirm-password`).
    Confirm,
}

/// A passkey ceremony between its two requests: the browser was given a
/// challenge to sign, and this is what checks its answer (webauthn-rs's
/// state of the ceremony, as JSON: the challenge itself, never a secret of
/// the account). The answer takes it out of the session, right or wrong:
/// a challenge is used once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PasskeyCeremony {
    pub(crate) purpose: CeremonyPurpose,
    pub(crate) state: String,
    /// After this, the answer is refused (the browser's own timeout is the
    /// same).
    pub(crate) until: i64,
}

/// Wrong codes after which a second step ends (the password is asked again).
pub(crate) const MAX_WRONG_CODES: u32 = 5;

impl SecondStep {
    /// Whether the step may still be completed at `now`.
    pub(crate) fn is_open(&self, now: i64) -> bool {
        now < self.until && self.wrong_codes < MAX_WRONG_CODES
    }
}

/// Why a session id was replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenewedFor {
    SignIn,
    PasswordChange,
    /// The login's server-side row was revoked (signed out elsewhere, a
    /// password change elsewhere, the account deleted).
    LoginRevoked,
    /// The login reached its idle or absolute timeout.
    LoginTimedOut,
}

impl RenewedFor {
    /// What the session inspector says about it.
    pub fn explanation(self) -> &'static str {
        match self {
            RenewedFor::SignIn => "renewed at sign-in: a cookie copied before it is now worthless",
            RenewedFor::PasswordChange => {
                "renewed when the password changed: every other session was ended"
            }
            RenewedFor::LoginRevoked => {
                "replaced by a guest session: the login it belonged to was signed out"
            }
            RenewedFor::LoginTimedOut => {
                "replaced by a guest session: the login it belonged to timed out"
            }
        }
    }
}

/// The last time this browser's session id was replaced, for the inspector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    pub(crate) at: i64,
    pub why: RenewedFor,
    /// The old id's fingerprint ([`SessionId::fingerprint`]), never the id.
    pub(crate) previous: String,
}

/// Everything a session holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    /// New at every login. Names the `logins` row of a login. A state
    /// with another id than the one a request began with is a renewal: the
    /// old state is gone for good ([`web::session`]).
    ///
    /// [`web::session`]: crate::web::session
    pub id: SessionId,
    pub(crate) created_at: i64,
    pub(crate) last_seen_at: i64,
    /// Synchronizer token for every form; new at every login.
    pub(crate) csrf_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) user_id: Option<UserId>,
    /// "Keep me signed in": the only case where a login's cookie outlives
    /// the browser.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) remember_me: bool,
    /// A login's absolute deadline (its `logins` row's `expires_at`), so
    /// a store can forget the state when the login ends. Absent in states
    /// written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) deadline: Option<i64>,
    /// Preferences a guest chose; an account keeps its own in the database.
    #[serde(default, skip_serializing_if = "Preferences::is_empty")]
    pub prefs: Preferences,
    /// A guest's cart; an account's cart lives in the database.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cart: Vec<GuestCartLine>,
    /// When this login last typed its password (signing in, "confirm your
    /// password", a change of address), or used one of the account's
    /// passkeys to confirm it: the riskiest changes need it within
    /// `REAUTH_WINDOW` (sudo mode). A timestamp in the session, nothing
    /// more: a copy of an old cookie carries an old one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password_confirmed_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) flash: Option<Flash>,
    /// The mailed links opened in this browser (one per page), until
    /// their form is used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) held_links: Vec<HeldLink>,
    /// When and why the id last changed in this browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed: Option<Renewal>,
    /// A sign-in waiting for its second factor (a guest's state only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) second_step: Option<SecondStep>,
    /// A TOTP secret being set up, sealed ([`domain::sealed`]): it waits
    /// here, not in the database, until a code from the app proves it.
    ///
    /// [`domain::sealed`]: crate::domain::sealed
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) totp_setup: Option<String>,
    /// A passkey ceremony waiting for the browser's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) passkey_ceremony: Option<PasskeyCeremony>,
}

impl SessionState {
    /// A new anonymous session.
    pub fn fresh(now: i64) -> Self {
        Self::fresh_with_token(now, ids::token256())
    }

    /// A new anonymous session whose forms carry `csrf_token` (the token a
    /// visitor without a stored session already has, [`web::session`]).
    ///
    /// [`web::session`]: crate::web::session
    pub(crate) fn fresh_with_token(now: i64, csrf_token: String) -> Self {
        SessionState {
            id: SessionId::random(),
            created_at: now,
            last_seen_at: now,
            csrf_token,
            user_id: None,
            remember_me: false,
            deadline: None,
            prefs: Preferences::default(),
            cart: Vec::new(),
            password_confirmed_at: None,
            flash: None,
            held_links: Vec::new(),
            renewed: None,
            second_step: None,
            totp_setup: None,
            passkey_ceremony: None,
        }
    }

    /// A new session for a login ending at `deadline` at the latest: a new
    /// id and a new CSRF token, so that nothing known about the session
    /// before is of use after. The password was just typed.
    pub(crate) fn logged_in(user_id: UserId, remember_me: bool, deadline: i64, now: i64) -> Self {
        SessionState {
            user_id: Some(user_id),
            remember_me,
            deadline: Some(deadline),
            password_confirmed_at: Some(now),
            ..SessionState::fresh(now)
        }
    }

    /// Whether the password was typed within `window` seconds of `now`
    /// (sudo mode); until when, if so.
    pub(crate) fn sudo_until(&self, now: i64, window: i64) -> Option<i64> {
        let until = self.password_confirmed_at? + window;
        (now < until).then_some(until)
    }

    /// `next` as the successor of this state (login, password change, a
    /// login that ended): it remembers when and why, and this id's
    /// fingerprint. Its id differs, so the old state is deleted.
    pub(crate) fn renewed_as(&self, mut next: SessionState, why: RenewedFor) -> SessionState {
        next.renewed = Some(Renewal {
            at: next.created_at,
            why,
            previous: self.id.fingerprint(),
        });
        next
    }

    /// A fresh guest session in place of a login whose server row is gone
    /// or ended, with `flash` saying why.
    pub(crate) fn reset_to_guest(&self, now: i64, flash: Option<Flash>, why: RenewedFor) -> Self {
        let guest = SessionState {
            flash,
            ..SessionState::fresh(now)
        };
        self.renewed_as(guest, why)
    }

    /// Notes activity at most once a minute, so most requests change
    /// nothing.
    pub(crate) fn touch(&mut self, now: i64) {
        if now - self.last_seen_at >= TOUCH_EVERY {
            self.last_seen_at = now;
        }
    }

    /// The mailed link held for `page`, if any.
    pub(crate) fn held_link(&self, page: LinkPage) -> Option<&HeldLink> {
        self.held_links.iter().find(|held| held.page == page)
    }

    /// Holds `link`, in place of the one held for its page.
    pub(crate) fn hold_link(&mut self, link: HeldLink) {
        self.let_go_of_link(link.page, None);
        self.held_links.push(link);
    }

    /// Lets go of the link held for `page`: whatever it is, or only the
    /// one with `digest`.
    pub(crate) fn let_go_of_link(&mut self, page: LinkPage, digest: Option<&str>) {
        self.held_links
            .retain(|held| held.page != page || digest.is_some_and(|d| d != held.digest));
    }

    /// Units in a guest's cart.
    pub fn guest_cart_count(&self) -> i64 {
        self.cart.iter().map(|line| i64::from(line.quantity)).sum()
    }

    /// Nothing a server need keep: no login, cart, preference, message,
    /// held link, renewal, second step or passkey ceremony, only an id, the times and a CSRF token. A server-side store
    /// keeps no entry for such a state (express-session's
    /// `saveUninitialized: false`).
    pub(crate) fn is_blank(&self) -> bool {
        self.user_id.is_none()
            && self.cart.is_empty()
            && self.prefs.is_empty()
            && self.flash.is_none()
            && self.held_links.is_empty()
            && self.renewed.is_none()
            && self.second_step.is_none()
            && self.passkey_ceremony.is_none()
    }

    /// Whether this state differs from `before` only in bookkeeping: when it
    /// was last seen, what the login's row says of it (its deadline, "keep
    /// me signed in"), a message taken for the page. A store that cannot
    /// take such a change just now (a read-only database) loses nothing the
    /// visitor did (the message shows once more).
    pub(crate) fn only_bookkeeping_since(&self, before: &SessionState) -> bool {
        let same_books = SessionState {
            last_seen_at: before.last_seen_at,
            deadline: before.deadline,
            remember_me: before.remember_me,
            flash: self.flash.clone().or_else(|| before.flash.clone()),
            ..self.clone()
        };
        same_books == *before
    }

    /// Whether the cookie should outlive the browser: a guest's does (their
    /// cart waits for them), a login's only with "keep me signed in".
    pub(crate) fn cookie_outlives_browser(&self) -> bool {
        self.user_id.is_none() || self.remember_me
    }

    /// When a store may forget this state (Unix seconds): a guest's 30 days
    /// (`SESSION_REMEMBER_ME_TIMEOUT`) after it was last seen; a login's
    /// when it ends, at its idle timeout (from "last seen") or its absolute
    /// deadline, whichever comes first ("keep me signed in": the deadline
    /// only). The `logins` row decides whether a login is live; this only
    /// says when its state is of no more use.
    pub(crate) fn expires_at(&self, settings: &Settings) -> i64 {
        let idle = settings.session_idle_timeout.get();
        let remember = settings.session_remember_me_timeout.get();
        if self.user_id.is_none() {
            return self.last_seen_at + remember;
        }
        let deadline = self.deadline.unwrap_or(self.created_at + remember);
        if self.remember_me {
            deadline
        } else {
            deadline.min(self.last_seen_at + idle)
        }
    }

    /// The state as every store keeps it: its JSON.
    pub fn to_json(&self) -> String {
        // Serializing this struct cannot fail (strings, numbers, vectors).
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The state a store kept; `None` when it holds none this version can
    /// read (the visitor then starts afresh, as without a cookie). A state
    /// an earlier release kept, as JSON in a map under `"state"`, still
    /// reads.
    pub fn from_json(json: &str) -> Option<SessionState> {
        if let Ok(state) = serde_json::from_str(json) {
            return Some(state);
        }
        let earlier: HashMap<String, String> = serde_json::from_str(json).ok()?;
        serde_json::from_str(earlier.get(EARLIER_STATE_KEY)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips_through_its_json_and_an_earlier_format_still_reads() {
        let mut state =
            SessionState::logged_in(UserId::new(42), true, 2_000_000_000, 1_700_000_000);
        state.flash = Some(Flash::new(FlashLevel::Info, "hello"));
        state.cart.push((ProductId::new(7), 2).into());
        let json = state.to_json();
        assert!(json.starts_with("{\"id\":"), "{json}");
        // The ids are bare numbers, a guest's line a pair, as ever.
        assert!(json.contains(",\"user_id\":42,"), "{json}");
        assert!(json.contains(",\"cart\":[[7,2]],"), "{json}");
        assert_eq!(SessionState::from_json(&json), Some(state.clone()));
        let earlier = HashMap::from([(EARLIER_STATE_KEY.to_string(), json)]);
        let earlier = serde_json::to_string(&earlier).unwrap();
        assert_eq!(SessionState::from_json(&earlier), Some(state));
        assert_eq!(SessionState::from_json("[1, 2]"), None);
        assert_eq!(SessionState::from_json("{\"state\":\"[1]\"}"), None);
    }

    #[test]
    fn touching_notes_activity_at_most_once_a_minute() {
        let mut state = SessionState::fresh(1000);
        let before = state.clone();
        state.touch(1059);
        assert_eq!(state, before);
        state.touch(1060);
        assert_eq!(state.last_seen_at, 1060);
    }

    #[test]
    fn a_fresh_guest_is_blank_and_anything_it_holds_is_not() {
        let fresh = SessionState::fresh(0);
        assert!(fresh.is_blank());
        let mut with_cart = fresh.clone();
        with_cart.cart.push((ProductId::new(1), 2).into());
        assert!(!with_cart.is_blank());
        let mut with_flash = fresh.clone();
        with_flash.flash = Some(Flash::new(FlashLevel::Error, "Sold out."));
        assert!(!with_flash.is_blank());
        assert!(!SessionState::logged_in(UserId::new(1), false, 100, 0).is_blank());
        let mut holding = fresh.clone();
        holding.hold_link(HeldLink::new(LinkPage::PasswordReset, "d1"));
        assert!(!holding.is_blank());
    }

    #[test]
    fn one_link_is_held_per_page_and_only_the_one_named_is_let_go() {
        let mut state = SessionState::fresh(0);
        state.hold_link(HeldLink::new(LinkPage::EmailAddress, "a"));
        state.hold_link(HeldLink::new(LinkPage::PasswordReset, "b"));
        state.hold_link(HeldLink::new(LinkPage::PasswordReset, "c"));
        let digest = |page| state.held_link(page).map(|h| h.digest().to_string());
        assert_eq!(digest(LinkPage::EmailAddress).as_deref(), Some("a"));
        assert_eq!(digest(LinkPage::PasswordReset).as_deref(), Some("c"));
        state.let_go_of_link(LinkPage::PasswordReset, Some("b"));
        assert_eq!(state.held_links.len(), 2, "b is not the one held");
        state.let_go_of_link(LinkPage::PasswordReset, Some("c"));
        state.let_go_of_link(LinkPage::EmailAddress, None);
        assert!(state.held_links.is_empty());
    }

    #[test]
    fn sudo_mode_lasts_the_window_from_the_last_password_typed() {
        let mut state = SessionState::logged_in(UserId::new(7), false, 10_000, 1000);
        assert_eq!(state.sudo_until(1599, 600), Some(1600));
        assert_eq!(state.sudo_until(1600, 600), None);
        state.password_confirmed_at = Some(1500);
        assert_eq!(state.sudo_until(1600, 600), Some(2100));
        assert_eq!(SessionState::fresh(0).sudo_until(0, 600), None);
    }

    #[test]
    fn a_second_step_is_open_until_its_deadline_or_its_fifth_wrong_code_and_is_no_login() {
        let mut state = SessionState::fresh(1000);
        let step = SecondStep {
            user_id: UserId::new(7),
            remember_me: true,
            next: "/orders".into(),
            proof: "digest".into(),
            until: 1300,
            wrong_codes: 0,
        };
        assert!(step.is_open(1299));
        assert!(!step.is_open(1300));
        let tried = SecondStep {
            wrong_codes: MAX_WRONG_CODES,
            ..step.clone()
        };
        assert!(!tried.is_open(1000));
        state.second_step = Some(step);
        assert!(!state.is_blank(), "a server store keeps it");
        assert_eq!(state.user_id, None, "not a login");
        let json = state.to_json();
        assert_eq!(SessionState::from_json(&json), Some(state));
    }

    #[test]
    fn a_renewal_remembers_the_old_fingerprint_and_why() {
        let old = SessionState::fresh(0);
        let new = old.renewed_as(
            SessionState::logged_in(UserId::new(7), false, 100, 5),
            RenewedFor::SignIn,
        );
        assert_ne!(new.id, old.id);
        let renewal = new.renewed.unwrap();
        assert_eq!(
            (renewal.at, renewal.why, renewal.previous),
            (5, RenewedFor::SignIn, old.id.fingerprint())
        );
    }
}
