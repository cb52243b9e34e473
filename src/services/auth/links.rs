//! The single-use links the shop mails (a password reset, an address to
//! confirm): 256 random bits in the link, only their digest in the
//! database (`account_tokens`), so a copy of the table, or a backup,
//! opens no account. A link is one row: used once ([`tokens::use_once`], one
//! statement, so two tabs cannot both use it), dead after its time, and
//! gone with its account.
//!
//! **The rule**: a link is bound to the account as it was when the link
//! was sent. Every event that changes who can act as the account ends
//! every link it did not send itself, in its own transaction, through one
//! function, [`retire_every_link`]. Otherwise a link asked for by someone
//! who once knew the password (a new address for the account, say) would
//! outlive the reset that threw them out.

use crate::{
    data::db::Conn,
    data::error::{AppError, Result},
    data::repo::tokens::{self, Found, NewToken, Purpose},
    domain::clock::Seconds,
    domain::ids::{self, UserId},
    domain::present,
    domain::session::HeldLink,
    services::state::AppState,
};

/// What a token looks like: 32 bytes in unpadded base64url.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A link as the shop looks it up: the digest of its token. The token is
/// in the mail and, for one redirect, in the address bar; the database and
/// the session ([`domain::session::HeldLink`]) keep only this.
///
/// [`domain::session::HeldLink`]: crate::domain::session::HeldLink
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkDigest(String);

impl LinkDigest {
    /// The link whose token is in an address: 404 for one that cannot be
    /// a token of ours (nothing is looked up).
    pub(crate) fn of_token(token: &str) -> Result<LinkDigest> {
        match well_formed(token) {
            true => Ok(LinkDigest(ids::digest(token))),
            false => Err(AppError::NotFound),
        }
    }

    /// The link a session holds.
    pub(crate) fn held(link: &HeldLink) -> LinkDigest {
        LinkDigest(link.digest().to_string())
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Issues a new link for `purpose` to `email`, valid for `lifetime`; the
/// user's older unused links of that purpose stop working. Returns the
/// token, for the mail only.
pub(super) async fn issue(
    conn: &mut Conn,
    purpose: Purpose,
    user_id: UserId,
    email: &str,
    lifetime: Seconds,
    now: i64,
) -> Result<String> {
    tokens::retire_older(&mut *conn, user_id, purpose, now).await?;
    let token = ids::token256();
    let row = NewToken {
        digest: &ids::digest(&token),
        purpose,
        user_id,
        email,
        created_at: now,
        expires_at: now + lifetime.get(),
    };
    tokens::insert(&mut *conn, &row).await?;
    Ok(token)
}

/// Ends every outstanding link of the account (a reset, an address to
/// prove, a new address), inside the caller's transaction. Called by each
/// event that changes who can act as the account, and by nothing else:
///
/// - a password reset ([`recovery::reset_password`]) and a password change
///   ([`account::change_password`]): whoever knew the old password may have
///   asked for a link;
/// - a change of address, when it is asked for ([`email::request_change`]:
///   only the link it sends then stays) and when it is confirmed
///   ([`email::confirm_email`]);
/// - the deletion of the account ([`account::delete_account`]; the rows then
///   go with it);
/// - "sign out everywhere" ([`account::revoke_others`]).
///
/// A link retired here answers 410 ("no longer works") and changes
/// nothing; `tests/api/links.rs` runs every event against every purpose.
///
/// [`recovery::reset_password`]: crate::services::auth::recovery::reset_password
/// [`account::change_password`]: crate::services::auth::account::change_password
/// [`email::request_change`]: crate::services::auth::email::request_change
/// [`email::confirm_email`]: crate::services::auth::email::confirm_email
/// [`account::delete_account`]: crate::services::auth::account::delete_account
/// [`account::revoke_others`]: crate::services::auth::account::revoke_others
pub(crate) async fn retire_every_link(conn: &mut Conn, user_id: UserId, now: i64) -> Result<()> {
    tokens::retire_every(conn, user_id, now).await?;
    Ok(())
}

/// The live link `link` for one of `purposes`, or the page that says why
/// it does not work: 404 for one the shop never made (forged, mistyped, or
/// its account deleted), 410 for one used or out of time.
pub(super) async fn live(app: &AppState, link: &LinkDigest, purposes: &[Purpose]) -> Result<Found> {
    let found = tokens::find(&app.db.pool, link.as_str()).await?;
    let found = found
        .filter(|found| purposes.contains(&found.purpose))
        .ok_or(AppError::NotFound)?;
    let again = match found.purpose {
        Purpose::ResetPassword => {
            "Ask for a new one on the sign-in page (\"Forgot your password?\")."
        }
        Purpose::VerifyEmail => "Sign in and ask for a new one from the banner.",
        Purpose::ChangeEmail => "Sign in and ask for the new address again on your profile.",
    };
    if found.used_at.is_some() {
        return Err(AppError::Gone(format!(
            "This link was used already: each works once. {again}"
        )));
    }
    if found.retired_at.is_some() {
        return Err(AppError::Gone(format!(
            "This link no longer works: a newer one was sent since, or the account changed. \
             {again}"
        )));
    }
    if found.expires_at <= app.clock.now() {
        return Err(AppError::Gone(format!(
            "This link has run out of time. {again}"
        )));
    }
    Ok(found)
}

/// Uses the link inside the caller's transaction: a link used (or
/// retired) meanwhile, by another tab or a second click, is refused like a
/// used one.
pub(super) async fn use_once(
    conn: &mut Conn,
    link: &LinkDigest,
    purpose: Purpose,
    now: i64,
) -> Result<()> {
    match tokens::use_once(conn, link.as_str(), purpose, now).await? {
        true => Ok(()),
        false => Err(AppError::Gone(
            "This link was used already: each works once.".into(),
        )),
    }
}

/// "30 minutes", for the mail.
pub(super) fn valid_for(lifetime: Seconds) -> String {
    present::period(lifetime.get())
}
