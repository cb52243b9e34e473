//! "Forgot your password?": a mailed, single-use link that lets the owner
//! of the address choose a new password.
//!
//! - Asking answers the same whether or not an account has the address
//!   (the handler also makes both answers take the same time), and is
//!   throttled per client and per address ([`services::mail::count_mail_to`], counted
//!   alike for an address no account has).
//! - The link is a token of [`links`] (only its digest stored), valid for
//!   `PASSWORD_RESET_TIMEOUT`.
//! - Using it, in one transaction: the new password, every session of the
//!   account revoked (whoever knew the old password may be signed in
//!   somewhere: a reset must throw them out), every other link of the
//!   account retired ([`links::retire_every_link`]: a new address asked for
//!   by that someone included), the address noted as proven (the link
//!   reached it), a security event, and a notice to the address. A login
//!   of another account in the browser that finishes the reset ends too:
//!   that browser is now the one who reset this account's password.
//!
//! [`services::mail::count_mail_to`]: crate::services::mail::count_mail_to

use crate::{
    data::error::{AppError, Result},
    data::repo::{
        events::EventKind,
        logins,
        tokens::Purpose,
        two_factor,
        users::{self, User},
    },
    domain::client::ClientInfo,
    domain::validate::{self, FieldErrors},
    services::auth::{
        links::{self, LinkDigest},
        record, throttle, LoggedIn,
    },
    services::mail::{self, greeting, Letter, PastTheLimit},
    services::state::AppState,
};

/// Asks for a reset link to `email`. `Ok(Err(_))`: the address is not
/// one an account could have (the form says so); `Ok(Ok(()))` otherwise,
/// whether a mail was queued or not.
pub(crate) async fn request_reset(
    app: &AppState,
    client: &ClientInfo,
    email: &str,
) -> Result<Result<(), FieldErrors>> {
    throttle::count_client(app, &client.ip).await?;
    let email = validate::normalize_email(email);
    if !validate::could_be_registered(&email) {
        let shape = "Enter an email address like name@example.com.";
        return Ok(Err(FieldErrors::from([("email", shape.to_string())])));
    }
    let now = app.clock.now();
    let Some(user) = users::by_email(&app.db.pool, &email).await? else {
        // Counted as if a mail went, so the limit tells nobody which
        // addresses have an account.
        mail::count_mail_to(&app.db.pool, &email, PastTheLimit::Refuse, now).await?;
        return Ok(Ok(()));
    };
    let lifetime = app.settings.password_reset_timeout;
    let mut tx = app.db.begin_write().await?;
    let token = links::issue(
        &mut tx,
        Purpose::ResetPassword,
        user.id,
        &email,
        lifetime,
        now,
    )
    .await?;
    let link = app.mail.link(&format!("/password/reset/{token}"));
    let valid_for = links::valid_for(lifetime);
    let letter = Letter::reset_password(greeting(&user), link, &valid_for);
    let past = PastTheLimit::Refuse;
    app.mail.queue(&mut tx, &email, &letter, past, now).await?;
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(Ok(()))
}

/// The account a live reset link is for (the form shows its address). A
/// link mailed to an address the account no longer has opens nothing:
/// whoever holds the old mailbox is not the owner any more.
pub(crate) async fn reset_link(app: &AppState, link: &LinkDigest) -> Result<User> {
    let found = links::live(app, link, &[Purpose::ResetPassword]).await?;
    let user = users::by_id(&app.db.pool, found.user_id).await?;
    let user = user.ok_or(AppError::NotFound)?;
    if user.email != found.email {
        return Err(AppError::Gone(
            "This link was sent to an address the account no longer has.".into(),
        ));
    }
    Ok(user)
}

/// What the new-password form sends.
pub(crate) struct NewPassword<'a> {
    pub(crate) password: &'a str,
    pub(crate) confirm: &'a str,
}

/// A password reset done.
pub(crate) struct ResetDone {
    /// The account's address, to sign in with.
    pub(crate) email: String,
    /// The address of another account this browser was signed in to, whose
    /// login ended with the reset.
    pub(crate) ended_here: Option<String>,
}

/// Sets the new password through `link`, in the browser
/// `signed_in_here` is the login of (if any); returns what was done, or
/// the form's mistakes (nothing changed, the link still works).
pub(crate) async fn reset_password(
    app: &AppState,
    client: &ClientInfo,
    link: &LinkDigest,
    form: NewPassword<'_>,
    signed_in_here: Option<&LoggedIn>,
) -> Result<Result<ResetDone, FieldErrors>> {
    let user = reset_link(app, link).await?;
    let permit = app.hasher.reserve()?;
    let mistake = match permit
        .check_strength(form.password, &[&user.email, &user.display_name])
        .await?
    {
        Err(e) => Some(("password", e)),
        Ok(()) if form.password != form.confirm => {
            Some(("password_confirm", "The two passwords do not match.".into()))
        }
        Ok(()) => None,
    };
    if let Some(mistake) = mistake {
        return Ok(Err(FieldErrors::from([mistake])));
    }
    let hash = permit.hash(form.password.to_string()).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    // The account first, then its links, in every credential change: two
    // of them at once wait for each other instead of deadlocking on
    // PostgreSQL.
    app.db.lock_user(&mut tx, user.id).await?;
    links::use_once(&mut tx, link, Purpose::ResetPassword, now).await?;
    users::set_password_hash(&mut *tx, user.id, &hash).await?;
    logins::revoke_all(&mut *tx, user.id, now).await?;
    links::retire_every_link(&mut tx, user.id, now).await?;
    // The second factor stays on; no browser skips it on the old terms.
    two_factor::forget_browsers(&mut *tx, user.id).await?;
    users::mark_verified(&mut *tx, user.id, &user.email, now).await?;
    record(&mut tx, user.id, EventKind::PasswordReset, client, now).await?;
    let ended_here = match signed_in_here {
        Some(other) if other.user.id != user.id => {
            logins::revoke(&mut *tx, &other.session_id, now).await?;
            record(&mut tx, other.user.id, EventKind::LoggedOut, client, now).await?;
            Some(other.user.email.clone())
        }
        _ => None,
    };
    // The link reached the address: it is proven now, so it may be greeted.
    let notice = Letter::password_was_reset(Some(&user.display_name), now);
    let past = PastTheLimit::Send;
    app.mail
        .queue(&mut tx, &user.email, &notice, past, now)
        .await?;
    tx.commit().await?;
    app.mail.wake_worker();
    // The throttle of failed sign-ins starts again for the new password.
    throttle::forget(app, &user.email).await?;
    Ok(Ok(ResetDone {
        email: user.email,
        ended_here,
    }))
}
