//! The second factor: TOTP from an authenticator app, with ten single-use
//! recovery codes, and the sign-in's second step.
//!
//! - **Setting it up** ([`new_setup`], [`enable`]): a new secret waits in
//!   the session, sealed, until a code from the app proves that the app
//!   has it; only then is it stored (sealed again, [`domain::sealed`]) and
//!   the recovery codes made (stored as digests, shown once).
//! - **Signing in** ([`complete_sign_in`]): a right password for an account
//!   with a second factor only opens a [`SecondStep`] in the session. The
//!   code completes it, in one transaction with everything a sign-in does
//!   ([`login`]'s `sign_in`): the same password still the account's, the
//!   code's step used once, the new `logins` row, the cart merged.
//! - **"Don't ask again on this browser"**: a browser that completed the
//!   step may skip it for [`REMEMBER_BROWSER_FOR`], by a token in a signed
//!   cookie of its own (not the session's: a sign-out keeps it) whose digest
//!   the account keeps. A password change or reset, turning the second
//!   factor off, and "sign out everywhere" forget every such browser
//!   ([`data::repo::two_factor::forget_browsers`], in their transactions).
//! - **Counting**: every code typed counts against the account's throttle
//!   in the database ([`throttle::count_code`]), a count that a right
//!   password does not reset, only a completed sign-in. The session's own
//!   count of wrong codes ends a step after [`MAX_WRONG_CODES`]; a replayed
//!   older cookie could reset that one, never the database's.
//!
//! [`domain::sealed`]: crate::domain::sealed
//! [`SecondStep`]: crate::domain::session::SecondStep
//! [`login`]: crate::services::auth::login
//! [`throttle::count_code`]: crate::services::auth::throttle::count_code
//! [`data::repo::two_factor::forget_browsers`]: crate::data::repo::two_factor::forget_browsers

use crate::{
    data::db::Tx,
    data::error::Result,
    data::repo::{
        events::EventKind,
        two_factor::{self, RememberedBrowser},
        users,
    },
    domain::client::ClientInfo,
    domain::ids::{self, UserId},
    domain::session::{SessionState, MAX_WRONG_CODES},
    domain::totp::{self, RecoveryCode, TotpSecret},
    domain::validate::FieldErrors,
    services::auth::{check_password, login::sign_in, record, throttle, LoggedIn, Proven},
    services::cart::Merged,
    services::mail::{greeting, Letter, PastTheLimit},
    services::state::AppState,
};

/// The name the authenticator app shows beside the code.
const ISSUER: &str = "Cookie Jar";

/// How long "don't ask again on this browser" lasts: 30 days.
pub(crate) const REMEMBER_BROWSER_FOR: i64 = 30 * 86_400;

/// An account's second factor, for its security page.
pub(crate) struct Status {
    pub(crate) enabled_at: i64,
    /// Unused recovery codes.
    pub(crate) codes_left: i64,
}

/// The account's second factor, if it has one.
pub(crate) async fn status(app: &AppState, user_id: UserId) -> Result<Option<Status>> {
    let Some(totp) = two_factor::find(&app.db.pool, user_id).await? else {
        return Ok(None);
    };
    let codes_left = two_factor::codes_left(&app.db.pool, user_id).await?;
    Ok(Some(Status {
        enabled_at: totp.enabled_at,
        codes_left,
    }))
}

/// A new secret for `user_id`, sealed for the session to hold until it
/// is proven ([`SessionState::totp_setup`]).
pub(crate) fn new_setup(app: &AppState, user_id: UserId) -> String {
    let secret = TotpSecret::generate();
    app.sealer.seal(secret.as_bytes(), &owner(user_id))
}

/// The secret a session holds for `user_id`'s setup, and what the page
/// shows of it: the text to type and the `otpauth://` URI the QR code
/// carries. `None` when the session's value does not open (sealed for
/// another account, or under a key since dropped).
pub(crate) fn setup_shown(app: &AppState, me: &LoggedIn, sealed: &str) -> Option<(String, String)> {
    let secret = open_secret(app, me.user.id, sealed)?;
    let uri = secret.uri(ISSUER, &me.user.email);
    Some((secret.base32(), uri))
}

/// Why two-step sign-in was not turned on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NotEnabled {
    /// The code was not the one the app shows now for this secret.
    WrongCode,
    /// It is on already (a form sent twice, or an old setup sent again):
    /// nothing changed. A new device: turn it off, then on.
    AlreadyOn,
}

/// Turns TOTP on once `code` proves that the app holds the secret the
/// session set up: stores it, makes a new set of recovery codes and
/// returns them (they are shown once), notes the event and tells the
/// address. A wrong code changes nothing.
pub(crate) async fn enable(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
    sealed: &str,
    code: &str,
) -> Result<Result<Vec<RecoveryCode>, NotEnabled>> {
    let user = &me.user;
    let now = app.clock.now();
    let Some(secret) = open_secret(app, user.id, sealed) else {
        return Ok(Err(NotEnabled::WrongCode));
    };
    let Some(step) = secret.matching_step(code, now, 0) else {
        return Ok(Err(NotEnabled::WrongCode));
    };
    let stored = app.sealer.seal(secret.as_bytes(), &owner(user.id));
    let mut tx = app.db.begin_write().await?;
    app.db.lock_user(&mut tx, user.id).await?;
    if !two_factor::enable(&mut *tx, user.id, &stored, step, now).await? {
        return Ok(Err(NotEnabled::AlreadyOn));
    }
    let codes = new_codes(&mut tx, user.id, now).await?;
    record(&mut tx, user.id, EventKind::TwoFactorEnabled, client, now).await?;
    let letter = Letter::two_factor_on(greeting(user));
    // A notice of what was done to the account: sent past the hourly limit.
    app.mail
        .queue(&mut tx, &user.email, &letter, PastTheLimit::Send, now)
        .await?;
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(Ok(codes))
}

/// Turns the second factor off, once the password typed this moment is
/// right: the secret and the recovery codes go, the event is noted and
/// the address told.
pub(crate) async fn disable(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
    password: &str,
) -> Result<Result<(), FieldErrors>> {
    let user = &me.user;
    let permit = app.hasher.reserve()?;
    let check = check_password(
        app,
        &permit,
        client,
        &user.email,
        password,
        EventKind::PasswordConfirmFailed,
    );
    let wrong = || {
        let wrong = "That is not your password; two-step sign-in is still on.";
        Ok(Err(FieldErrors::from([("password", wrong.into())])))
    };
    let Some(proven) = check.await? else {
        return wrong();
    };
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    if !proven.still_holds(app, &mut tx).await? {
        return wrong();
    }
    if two_factor::disable(&mut *tx, user.id).await? {
        two_factor::drop_codes(&mut *tx, user.id).await?;
        two_factor::forget_browsers(&mut *tx, user.id).await?;
        record(&mut tx, user.id, EventKind::TwoFactorDisabled, client, now).await?;
        let letter = Letter::two_factor_off(greeting(user));
        app.mail
            .queue(&mut tx, &user.email, &letter, PastTheLimit::Send, now)
            .await?;
    }
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(Ok(()))
}

/// A new set of recovery codes in place of the old one, which stops
/// working. `None` when the account has no second factor.
pub(crate) async fn renew_codes(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
) -> Result<Option<Vec<RecoveryCode>>> {
    let user_id = me.user.id;
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    app.db.lock_user(&mut tx, user_id).await?;
    if two_factor::find(&mut *tx, user_id).await?.is_none() {
        return Ok(None);
    }
    let codes = new_codes(&mut tx, user_id, now).await?;
    record(
        &mut tx,
        user_id,
        EventKind::RecoveryCodesRenewed,
        client,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(codes))
}

/// What came of a second step.
pub(crate) enum SecondStepOutcome {
    /// Signed in: the new session state (new id, new CSRF token), what came
    /// of the guest cart, where to go, and whether a recovery code did it.
    SignedIn {
        state: Box<SessionState>,
        merged: Option<Merged>,
        next: String,
        by_recovery_code: bool,
        /// The token of this browser's "don't ask again" cookie, when it
        /// asked to be remembered.
        remembered: Option<String>,
    },
    /// A wrong (or used) code: this many tries are left.
    Wrong { tries_left: u32 },
    /// No step to complete: none was begun here, it timed out or used up
    /// its tries, or its password is no longer the account's (a reset).
    /// The password is asked again.
    NoStep,
}

/// Completes the sign-in the session `guest` began with a password, with
/// `typed`: a code from the app, or a recovery code. With `remember`, this
/// browser may skip the step for [`REMEMBER_BROWSER_FOR`] from now on.
pub(crate) async fn complete_sign_in(
    app: &AppState,
    guest: &SessionState,
    client: &ClientInfo,
    typed: &str,
    remember: bool,
) -> Result<SecondStepOutcome> {
    let now = app.clock.now();
    let Some(step) = guest.second_step.as_ref().filter(|s| s.is_open(now)) else {
        return Ok(SecondStepOutcome::NoStep);
    };
    let user_id = step.user_id;
    let (Some(user), Some(totp)) = (
        users::by_id(&app.db.pool, user_id).await?,
        two_factor::find(&app.db.pool, user_id).await?,
    ) else {
        // The account, or its second factor, is gone since the password.
        return Ok(SecondStepOutcome::NoStep);
    };
    throttle::count_code(app, user_id).await?;
    let mut tx = app.db.begin_write().await?;
    // A reset or a password change since the password step ends it.
    if !Proven::of_second_step(step)
        .still_holds(app, &mut tx)
        .await?
    {
        return Ok(SecondStepOutcome::NoStep);
    }
    let by_recovery_code = !totp::is_totp_code(typed);
    let accepted = if by_recovery_code {
        match RecoveryCode::parse(typed) {
            Some(code) => two_factor::use_code(&mut *tx, user_id, &code.digest(), now).await?,
            None => false,
        }
    } else {
        let secret = open_secret(app, user_id, &totp.secret);
        let step = secret.and_then(|s| s.matching_step(typed, now, totp.last_step));
        match step {
            Some(step) => two_factor::use_step(&mut *tx, user_id, step).await?,
            None => false,
        }
    };
    if !accepted {
        // Nothing else was written: the failure alone is noted.
        record(&mut tx, user_id, EventKind::TwoFactorFailed, client, now).await?;
        tx.commit().await?;
        let tries_left = MAX_WRONG_CODES.saturating_sub(step.wrong_codes + 1);
        return Ok(SecondStepOutcome::Wrong { tries_left });
    }
    if by_recovery_code {
        record(&mut tx, user_id, EventKind::RecoveryCodeUsed, client, now).await?;
        let left = two_factor::codes_left(&mut *tx, user_id).await?;
        let letter = Letter::recovery_code_used(greeting(&user), left);
        app.mail
            .queue(&mut tx, &user.email, &letter, PastTheLimit::Send, now)
            .await?;
    }
    let remembered = match remember {
        true => Some(remember_browser(&mut tx, user_id, client, now).await?),
        false => None,
    };
    // The count of codes starts again with the sign-in, in its transaction.
    throttle::forget_codes(&mut tx, user_id).await?;
    let next = step.next.clone();
    let (state, merged) = sign_in(tx, app, guest, client, user_id, step.remember_me).await?;
    if by_recovery_code {
        app.mail.wake_worker();
    }
    Ok(SecondStepOutcome::SignedIn {
        state: Box::new(state),
        merged,
        next,
        by_recovery_code,
        remembered,
    })
}

/// Remembers this browser for `user_id`'s second step: a new token for its
/// cookie, of which the database keeps the digest.
async fn remember_browser(
    tx: &mut Tx,
    user_id: UserId,
    client: &ClientInfo,
    now: i64,
) -> Result<String> {
    let token = ids::token256();
    let browser = two_factor::NewRememberedBrowser {
        digest: &ids::digest(&token),
        user_id,
        created_at: now,
        expires_at: now + REMEMBER_BROWSER_FOR,
        user_agent: &client.user_agent,
        ip: &client.ip,
    };
    two_factor::remember_browser(&mut **tx, &browser).await?;
    Ok(token)
}

/// The account's remembered browsers, for its security page.
pub(crate) async fn remembered_browsers(
    app: &AppState,
    user_id: UserId,
) -> Result<Vec<RememberedBrowser>> {
    let now = app.clock.now();
    Ok(two_factor::remembered_browsers(&app.db.pool, user_id, now).await?)
}

/// Whether `token` (a browser's "don't ask again" cookie) names a browser
/// the account remembers now.
pub(crate) async fn remembers(app: &AppState, user_id: UserId, token: &str) -> Result<bool> {
    let (digest, now) = (ids::digest(token), app.clock.now());
    Ok(two_factor::is_remembered(&app.db.pool, &digest, user_id, now).await?)
}

/// Forgets every browser the account remembered: each asks for the code
/// again. Returns how many there were.
pub(crate) async fn forget_browsers(app: &AppState, user_id: UserId) -> Result<u64> {
    Ok(two_factor::forget_browsers(&app.db.pool, user_id).await?)
}

/// Seals again, under the current key, every secret an old key sealed
/// (at start, after `SESSION_SECRET` rotated): once every instance has
/// started with the new key, the old one can be dropped from
/// `SESSION_SECRET_PREVIOUS` without anyone losing their second factor.
/// Returns how many were sealed again.
pub(crate) async fn reseal_secrets(app: &AppState) -> Result<u64> {
    let mut resealed = 0;
    for row in two_factor::all_secrets(&app.db.pool).await? {
        let owner = owner(row.user_id);
        let Some(opened) = app.sealer.open(&row.secret, &owner) else {
            tracing::warn!(user = %row.user_id, "a TOTP secret no key opens: its key was dropped");
            continue;
        };
        if opened.stale {
            let fresh = app.sealer.seal(&opened.bytes, &owner);
            two_factor::reseal(&app.db.pool, row.user_id, &fresh, &row.secret).await?;
            resealed += 1;
        }
    }
    Ok(resealed)
}

/// A new set of recovery codes for `user_id`, in place of any old one.
async fn new_codes(tx: &mut Tx, user_id: UserId, now: i64) -> Result<Vec<RecoveryCode>> {
    two_factor::drop_codes(&mut **tx, user_id).await?;
    let codes = RecoveryCode::new_set();
    for code in &codes {
        two_factor::add_code(&mut **tx, user_id, &code.digest(), now).await?;
    }
    Ok(codes)
}

/// What a secret is sealed for: its account, so that a sealed value moved
/// to another account's row does not open.
fn owner(user_id: UserId) -> String {
    format!("totp:{user_id}")
}

fn open_secret(app: &AppState, user_id: UserId, sealed: &str) -> Option<TotpSecret> {
    let opened = app.sealer.open(sealed, &owner(user_id))?;
    TotpSecret::from_bytes(&opened.bytes)
}
