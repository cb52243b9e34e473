//! Who is asking, and the moments a session changes hands.
//!
//! - [`check_session`]: a cookie that says "user 42, session S" is believed
//!   only while the `logins` row S exists, is not revoked, is younger
//!   than its absolute timeout and was seen within the idle timeout.
//!   Otherwise the visitor is a guest again, and the page says why.
//! - [`login`]: registration, login and logout.
//! - [`account`]: password change, account deletion, signing out other
//!   sessions, confirming the password again (sudo mode).
//! - [`recovery`]: "forgot your password?"; [`email`]: proving, and
//!   changing, the email address; both by the mailed links of [`links`].
//! - [`passkeys`]: adding passkeys, and signing in with one.
//! - [`two_factor`]: the second factor (TOTP and recovery codes), and the
//!   sign-in's second step.
//! - [`check_password`]: the one place a password is compared, counted
//!   against the throttle ([`throttle`]) wherever it is typed.
//!
//! Each use case is one call and one transaction, and the cookie changes
//! only after the transaction commits: if anything fails, the visitor is
//! exactly who they were, with their cart and preferences.
//!
//! [`check_session`]: crate::services::auth::check_session
//! [`login`]: crate::services::auth::login
//! [`account`]: crate::services::auth::account
//! [`recovery`]: crate::services::auth::recovery
//! [`email`]: crate::services::auth::email
//! [`links`]: crate::services::auth::links
//! [`two_factor`]: crate::services::auth::two_factor
//! [`passkeys`]: crate::services::auth::passkeys
//! [`check_password`]: crate::services::auth::check_password
//! [`throttle`]: crate::services::auth::throttle

pub(crate) mod account;
pub(crate) mod email;
pub(crate) mod links;
pub mod login;
pub(crate) mod passkeys;
pub(crate) mod recovery;
pub(crate) mod throttle;
pub(crate) mod two_factor;

use crate::{
    data::db::{Conn, Tx},
    data::error::{AppError, Result},
    data::repo::{
        events::{self, EventKind},
        logins::{self, CartLine},
        users::{self, User},
    },
    domain::client::ClientInfo,
    domain::ids::{self, SessionId, UserId},
    domain::session::{Flash, FlashLevel, RenewedFor, SecondStep, SessionState, TOUCH_EVERY},
    domain::validate,
    services::password::HashPermit,
    services::state::AppState,
};

/// A logged-in user, as verified against the `logins` table.
#[derive(Clone, Debug)]
pub(crate) struct LoggedIn {
    pub(crate) user: User,
    session_id: SessionId,
    /// The session's public name (the sessions page marks this one by it).
    pub(crate) handle: String,
    /// The user's cart, read with the session row.
    pub(crate) cart: Vec<CartLine>,
    /// When the server last saw this session (written at most once a minute).
    pub(crate) last_seen_at: i64,
    /// The absolute deadline of this login.
    pub(crate) expires_at: i64,
    pub(crate) remember_me: bool,
}

impl LoggedIn {
    /// Units in the cart (the nav's badge).
    pub(crate) fn cart_count(&self) -> i64 {
        self.cart.iter().map(|line| line.quantity).sum()
    }
}

/// A write that only keeps the books of a session (its last-seen time, a
/// revocation the row's deadlines already imply) and failed because the
/// database cannot be written: logged, not the visitor's problem. Any
/// other failure is.
fn bookkeeping_failed(err: AppError) -> Result<()> {
    match err {
        AppError::DatabaseUnavailable(cause) => {
            tracing::warn!(error = %format!("{cause:#}"), "session bookkeeping not written");
            Ok(())
        }
        other => Err(other),
    }
}

/// What the check of a session found.
pub(crate) enum Checked {
    /// A guest: there is nothing to check.
    Guest,
    /// A live login, as its row says.
    Live(LoggedIn),
    /// A login that ended (revoked, timed out, its account or row gone):
    /// the request goes on as this fresh guest (a new id, so nothing of
    /// the login's state is of use), and the page says why ([`notice`]).
    ///
    /// [`notice`]: Checked::Ended::notice
    Ended {
        guest: Box<SessionState>,
        notice: Option<Flash>,
    },
}

/// Checks the session's login against its server-side row. Reads only,
/// but for the books of a live login ("last seen", at most once a
/// minute) and the revocation of one that timed out.
pub(crate) async fn check_session(app: &AppState, state: &SessionState) -> Result<Checked> {
    let now = app.clock.now();
    let Some(user_id) = state.user_id else {
        return Ok(Checked::Guest);
    };
    let session_id = state.id.clone();
    let Some(row) = logins::with_user(&app.db.pool, &session_id, user_id).await? else {
        // The account or the session row is gone (account deleted).
        return Ok(Checked::Ended {
            guest: Box::new(state.reset_to_guest(now, None, RenewedFor::LoginRevoked)),
            notice: None,
        });
    };
    let idle = app.settings.session_idle_timeout.get();
    // "Keep me signed in" has no idle timeout, only its longer absolute one.
    let why_not = if row.revoked {
        let text = "You were signed out of this browser. Sign in again to see your account.";
        Some((text, RenewedFor::LoginRevoked))
    } else if now >= row.expires_at {
        let text = "Your sign-in reached its maximum age. Please sign in again.";
        Some((text, RenewedFor::LoginTimedOut))
    } else if !row.remember_me && now - row.last_seen_at > idle {
        let text = "You were signed out after a period of inactivity. Please sign in again.";
        Some((text, RenewedFor::LoginTimedOut))
    } else {
        None
    };
    if let Some((text, why)) = why_not {
        // Ended either way: the row is noted as revoked once (a cookie
        // that comes back is checked again, and changes nothing), even if
        // the database cannot take it just now (it is read-only or away;
        // the row's own deadlines keep it ended).
        if !row.revoked {
            if let Err(err) = logins::revoke(&app.db.pool, &session_id, now).await {
                bookkeeping_failed(err.into())?;
            }
        }
        return Ok(Checked::Ended {
            guest: Box::new(state.reset_to_guest(now, None, why)),
            notice: Some(Flash::new(FlashLevel::Info, text)),
        });
    }
    let mut last_seen_at = row.last_seen_at;
    if now - last_seen_at >= TOUCH_EVERY {
        match logins::touch(&app.db.pool, &session_id, now).await {
            Ok(()) => last_seen_at = now,
            // A database that can be read but not written (read-only, a
            // standby) still shows this visitor their pages; the idle
            // deadline then runs from the last touch that was written.
            Err(err) => bookkeeping_failed(err.into())?,
        }
    }
    Ok(Checked::Live(LoggedIn {
        user: row.user,
        session_id,
        handle: row.handle,
        cart: row.cart,
        last_seen_at,
        expires_at: row.expires_at,
        remember_me: row.remember_me,
    }))
}

/// Checks `password` for the account with `email`, counting the attempt
/// against the email's throttle first. Login, password change and account
/// deletion all come here, so a guess costs the same wherever it is typed.
///
/// `Ok(Some(proven))`: right (the count starts again). `Ok(None)`: wrong,
/// or no such account; an unknown email is checked against a dummy hash,
/// so it takes as long, and a wrong password of a real account is noted as
/// `on_failure` in its security log. `Err(TooManyRequests)`: throttled.
/// The caller holds a place at the hashing threads ([`Hasher::reserve`]),
/// taken before it wrote anything.
///
/// [`Hasher::reserve`]: crate::services::password::Hasher::reserve
pub(crate) async fn check_password(
    app: &AppState,
    permit: &HashPermit,
    client: &ClientInfo,
    email: &str,
    password: &str,
    on_failure: EventKind,
) -> Result<Option<Proven>> {
    throttle::count_attempt(app, email).await?;
    // Something that no account could have is never sent to the database;
    // it still costs a hash below.
    let account = match validate::could_be_registered(email) {
        true => users::credentials(&app.db.pool, email).await?,
        false => None,
    };
    let (user_id, hash) = account.unzip();
    let right = permit.verify(password.to_string(), hash.clone()).await?;
    match (user_id, hash) {
        (Some(user_id), Some(hash)) if right => {
            throttle::forget(app, email).await?;
            let proof = ids::digest(&hash);
            Ok(Some(Proven { user_id, proof }))
        }
        (Some(user_id), _) => {
            let now = app.clock.now();
            events::record(
                &app.db.pool,
                user_id,
                on_failure,
                &client.ip,
                &client.user_agent,
                now,
            )
            .await?;
            Ok(None)
        }
        (None, _) => Ok(None),
    }
}

/// A password [`check_password`] found right: the account, and the hash it
/// matched. A hash takes milliseconds, and a reset or a password change
/// may commit meanwhile; a use case that acts on the password asks
/// [`Proven::still_holds`] inside its own transaction, so that a password
/// checked before a reset cannot act after it (sign in, change the
/// password or the address, delete the account).
pub(crate) struct Proven {
    pub(crate) user_id: UserId,
    /// A digest of the hash (what a half-done sign-in keeps in its
    /// session: [`SecondStep::proof`]).
    ///
    /// [`SecondStep::proof`]: crate::domain::session::SecondStep::proof
    proof: String,
}

impl Proven {
    /// The password a [`SecondStep`] proved, to check again at its end.
    ///
    /// [`SecondStep`]: crate::domain::session::SecondStep
    pub(crate) fn of_second_step(step: &SecondStep) -> Proven {
        Proven {
            user_id: step.user_id,
            proof: step.proof.clone(),
        }
    }

    /// What a session keeps of it: a digest of the hash, never the hash.
    pub(crate) fn proof(&self) -> &str {
        &self.proof
    }

    /// Locks the account for the rest of `tx` and says whether its password
    /// is still the one that was checked. When it is not, the use case
    /// writes nothing and answers as for a wrong password: it is one now.
    pub(crate) async fn still_holds(&self, app: &AppState, tx: &mut Tx) -> Result<bool> {
        app.db.lock_user(tx, self.user_id).await?;
        let now = users::password_hash(&mut **tx, self.user_id).await?;
        Ok(now.map(|hash| ids::digest(&hash)).as_deref() == Some(self.proof.as_str()))
    }
}

/// Notes an event of `client` in the user's security log.
async fn record(
    conn: &mut Conn,
    user_id: UserId,
    kind: EventKind,
    client: &ClientInfo,
    now: i64,
) -> Result<()> {
    events::record(conn, user_id, kind, &client.ip, &client.user_agent, now).await?;
    Ok(())
}
