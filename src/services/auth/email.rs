//! The account's email address: proven by a mailed link at registration,
//! sent again on request, and changed only once the new address has
//! proven itself (the old one is told).
//!
//! The account works at once without a proven address (browsing, cart,
//! checkout: the HTTP contract does not change); the pages ask for the
//! proof with a banner.

use crate::{
    data::db::{self, Conn},
    data::error::{AppError, Result},
    data::repo::{events::EventKind, tokens::Purpose, users},
    domain::client::ClientInfo,
    domain::ids::UserId,
    domain::validate::{self, FieldErrors},
    services::auth::{
        check_password,
        links::{self, LinkDigest},
        record, LoggedIn,
    },
    services::mail::{greeting, Letter, PastTheLimit, Queued},
    services::password::HashPermit,
    services::state::AppState,
};

/// Queues the link that proves `email` is `user_id`'s, inside the caller's
/// transaction (registration's, "send it again", or a change's). Nobody
/// has proved the address yet, so the mail names nothing anyone typed.
pub(super) async fn queue_proof(
    conn: &mut Conn,
    app: &AppState,
    user_id: UserId,
    email: &str,
    change: bool,
    past: PastTheLimit,
) -> Result<Queued> {
    let now = app.clock.now();
    let lifetime = app.settings.email_verification_timeout;
    let purpose = match change {
        false => Purpose::VerifyEmail,
        true => Purpose::ChangeEmail,
    };
    let token = links::issue(conn, purpose, user_id, email, lifetime, now).await?;
    let link = app.mail.link(&format!("/verify-email/{token}"));
    let valid_for = links::valid_for(lifetime);
    let letter = match change {
        false => Letter::verify_email(link, &valid_for),
        true => Letter::confirm_new_email(link, &valid_for),
    };
    app.mail.queue(conn, email, &letter, past, now).await
}

/// "Send the link again", for an address not yet proven; throttled per
/// address ([`Mailer::queue`]). False when it is proven already (nothing
/// sent).
///
/// [`Mailer::queue`]: crate::services::mail::Mailer::queue
pub(crate) async fn send_proof_again(app: &AppState, me: &LoggedIn) -> Result<bool> {
    let user = &me.user;
    if user.email_verified_at.is_some() {
        return Ok(false);
    }
    let mut tx = app.db.begin_write().await?;
    let past = PastTheLimit::Refuse;
    queue_proof(&mut tx, app, user.id, &user.email, false, past).await?;
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(true)
}

/// What a live address link is about (its confirmation page says it).
pub(crate) struct EmailLink {
    pub(crate) email: String,
    /// A new address for the account, rather than its own one proven.
    pub(crate) change: bool,
}

/// The live address link `link`.
pub(crate) async fn email_link(app: &AppState, link: &LinkDigest) -> Result<EmailLink> {
    let found = links::live(app, link, EMAIL_LINKS).await?;
    Ok(EmailLink {
        change: found.purpose == Purpose::ChangeEmail,
        email: found.email,
    })
}

/// The links `/verify-email/{token}` takes.
const EMAIL_LINKS: &[Purpose] = &[Purpose::VerifyEmail, Purpose::ChangeEmail];

/// Uses the address link `link`. A proof of the account's own address
/// notes it as proven; a new address becomes the account's sign-in
/// address, every other link mailed to the account is retired
/// ([`links::retire_every_link`]), and the old address is told.
pub(crate) async fn confirm_email(
    app: &AppState,
    client: &ClientInfo,
    link: &LinkDigest,
) -> Result<EmailLink> {
    let found = links::live(app, link, EMAIL_LINKS).await?;
    let change = found.purpose == Purpose::ChangeEmail;
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    // The account first, then its links, as every credential change does.
    app.db.lock_user(&mut tx, found.user_id).await?;
    links::use_once(&mut tx, link, found.purpose, now).await?;
    let user = users::by_id(&mut *tx, found.user_id).await?;
    let user = user.ok_or(AppError::NotFound)?;
    if change {
        if let Err(e) = users::set_email(&mut *tx, user.id, &found.email, now).await {
            if db::Failure::violates_unique(&e, "users", "email") {
                return Err(AppError::Conflict(format!(
                    "Another account signed up with {} after you asked for it, so your \
                     address stays {}.",
                    found.email, user.email
                )));
            }
            return Err(e.into());
        }
        // Every link mailed before is void: the address links, and the reset
        // links that went to the old address.
        links::retire_every_link(&mut tx, user.id, now).await?;
        record(&mut tx, user.id, EventKind::EmailChanged, client, now).await?;
        // The new address is named only to an owner whose address is
        // proven: else it is text the requester chose, going to a stranger.
        let name = greeting(&user);
        let new = name.is_some().then_some(found.email.as_str());
        let notice = Letter::email_changed(name, new);
        // The old address is told what was done; a proven owner always.
        let past = match name {
            Some(_) => PastTheLimit::Send,
            None => PastTheLimit::LeaveOut,
        };
        app.mail
            .queue(&mut tx, &user.email, &notice, past, now)
            .await?;
    } else if !users::mark_verified(&mut *tx, user.id, &found.email, now).await? {
        // The account's address changed since this link was sent.
        return Err(AppError::Gone(format!(
            "{} is no longer the address of this account, so there is nothing to confirm.",
            found.email
        )));
    } else {
        record(&mut tx, user.id, EventKind::EmailVerified, client, now).await?;
    }
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(EmailLink {
        email: found.email,
        change,
    })
}

/// What the change-of-address form sends.
pub(crate) struct EmailChange<'a> {
    pub(crate) new_email: &'a str,
    pub(crate) password: &'a str,
}

/// Asks to sign in with a new address from now on: the current password
/// is checked, every link mailed before is retired
/// ([`links::retire_every_link`]), the new address gets a link, and the
/// current one is told at once (with how to stop it: a reset); nothing
/// else changes until the link is used. Returns the new address, or the
/// form's mistakes.
pub(crate) async fn request_change(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
    form: EmailChange<'_>,
) -> Result<Result<String, FieldErrors>> {
    let user = &me.user;
    let new = validate::normalize_email(form.new_email);
    let permit: HashPermit = app.hasher.reserve()?;
    let check = check_password(
        app,
        &permit,
        client,
        &user.email,
        form.password,
        EventKind::EmailChangeFailed,
    );
    let wrong_password = || {
        let wrong = "That is not your password.";
        Ok(Err(FieldErrors::from([("email_password", wrong.into())])))
    };
    let Some(proven) = check.await? else {
        return wrong_password();
    };
    let mistake = if let Err(e) = validate::email(&new) {
        Some(("new_email", e))
    } else if new == user.email {
        Some(("new_email", "That is your address already.".to_string()))
    } else if users::by_email(&app.db.pool, &new).await?.is_some() {
        Some(("new_email", "Another account has this address.".to_string()))
    } else {
        None
    };
    if let Some(mistake) = mistake {
        return Ok(Err(FieldErrors::from([mistake])));
    }
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    // A reset that committed while the password was being checked: no link
    // may be sent in the name of the password it replaced.
    if !proven.still_holds(app, &mut tx).await? {
        return wrong_password();
    }
    links::retire_every_link(&mut tx, user.id, now).await?;
    let past = PastTheLimit::Refuse;
    queue_proof(&mut tx, app, user.id, &new, true, past).await?;
    let forgot = app.mail.link("/password/forgot");
    let notice = Letter::email_change_asked(forgot);
    app.mail
        .queue(&mut tx, &user.email, &notice, past, now)
        .await?;
    record(
        &mut tx,
        user.id,
        EventKind::EmailChangeRequested,
        client,
        now,
    )
    .await?;
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(Ok(new))
}
