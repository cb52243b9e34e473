//! What a logged-in user does to their account's security: change the
//! password, delete the account, sign other sessions out. Each is one call
//! and one transaction; the cookie changes only after it commits.

use crate::{
    data::error::Result,
    data::repo::{events::EventKind, logins, two_factor, users},
    domain::client::ClientInfo,
    domain::session::{RenewedFor, SessionState},
    domain::validate::FieldErrors,
    services::auth::{check_password, links, login::open_session, record, LoggedIn},
    services::state::AppState,
};

/// What the password form sends.
pub(crate) struct PasswordChange<'a> {
    pub(crate) current: &'a str,
    pub(crate) new: &'a str,
    pub(crate) confirm: &'a str,
}

/// A password changed: this browser's new session state, and how many other
/// sessions were signed out.
pub(crate) struct PasswordChanged {
    pub(crate) state: SessionState,
    pub(crate) others: u64,
}

/// Changes the password of the login whose session is `current`. Every
/// other session of the user ends; this browser gets a new session (new
/// id, new cookie) with the login's deadline. Returns it, or the form's
/// mistakes (then nothing changed).
pub(crate) async fn change_password(
    app: &AppState,
    current: &SessionState,
    client: &ClientInfo,
    me: &LoggedIn,
    form: PasswordChange<'_>,
) -> Result<Result<PasswordChanged, FieldErrors>> {
    let user = &me.user;
    // One place at the hashing threads for both hashes (the current
    // password's check, the new one's hash).
    let permit = app.hasher.reserve()?;
    let check = check_password(
        app,
        &permit,
        client,
        &user.email,
        form.current,
        EventKind::PasswordChangeFailed,
    );
    let wrong_password = || {
        let wrong = "That is not your current password.";
        Ok(Err(FieldErrors::from([("current_password", wrong.into())])))
    };
    let Some(proven) = check.await? else {
        return wrong_password();
    };
    let mistake = if let Err(e) = permit
        .check_strength(form.new, &[&user.email, &user.display_name])
        .await?
    {
        Some(("new_password", e))
    } else if form.new == form.current {
        let same = "Choose a password different from the current one.";
        Some(("new_password", same.into()))
    } else if form.new != form.confirm {
        let differ = "The two passwords do not match.";
        Some(("new_password_confirm", differ.into()))
    } else {
        None
    };
    if let Some(mistake) = mistake {
        return Ok(Err(FieldErrors::from([mistake])));
    }

    let hash = permit.hash(form.new.to_string()).await?;
    let now = app.clock.now();
    let new = SessionState::logged_in(user.id, me.remember_me, me.expires_at, now);
    let mut tx = app.db.begin_write().await?;
    // A reset (or a change in another browser) that committed meanwhile:
    // the password typed here is no longer the password.
    if !proven.still_holds(app, &mut tx).await? {
        return wrong_password();
    }
    users::set_password_hash(&mut *tx, user.id, &hash).await?;
    // A link asked for before (a reset, a new address) must not undo this,
    // nor a browser remembered for the second step skip it.
    links::retire_every_link(&mut tx, user.id, now).await?;
    two_factor::forget_browsers(&mut *tx, user.id).await?;
    let others = logins::revoke_others(&mut *tx, user.id, &me.session_id, now).await?;
    logins::revoke(&mut *tx, &me.session_id, now).await?;
    open_session(&mut tx, app, client, user.id, &new, me.expires_at).await?;
    record(&mut tx, user.id, EventKind::PasswordChanged, client, now).await?;
    tx.commit().await?;
    Ok(Ok(PasswordChanged {
        state: current.renewed_as(new, RenewedFor::PasswordChange),
        others,
    }))
}

/// Deletes the account once its password is confirmed: sessions, cart and
/// security events go with it, orders stay without the link to the person.
/// The caller then ends the browser's session.
pub(crate) async fn delete_account(
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
        EventKind::AccountDeletionFailed,
    );
    let wrong = || {
        let wrong = "That is not your password; the account was not deleted.";
        Ok(Err(FieldErrors::from([("delete_password", wrong.into())])))
    };
    let Some(proven) = check.await? else {
        return wrong();
    };
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    if !proven.still_holds(app, &mut tx).await? {
        return wrong();
    }
    // The rule of every credential event; the rows then go with the user
    // row, like the sessions, the cart and the events (ON DELETE CASCADE).
    links::retire_every_link(&mut tx, user.id, now).await?;
    users::delete(&mut *tx, user.id).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// "Confirm your password" (sudo mode): a right password returns the time
/// to note in the session state ([`password_confirmed_at`]); a wrong one is
/// counted like any other ([`check_password`]) and returns `None`.
///
/// [`password_confirmed_at`]: crate::domain::session::SessionState::password_confirmed_at
pub(crate) async fn confirm_password(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
    password: &str,
) -> Result<Option<i64>> {
    let permit = app.hasher.reserve()?;
    let check = check_password(
        app,
        &permit,
        client,
        &me.user.email,
        password,
        EventKind::PasswordConfirmFailed,
    );
    if check.await?.is_none() {
        return Ok(None);
    }
    Ok(Some(app.clock.now()))
}

/// Signs out the user's session with this public handle; false when the
/// handle names none of their live sessions.
pub(crate) async fn revoke_session(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
    handle: &str,
) -> Result<bool> {
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    let revoked = logins::revoke_by_handle(&mut *tx, me.user.id, handle, now).await?;
    if revoked {
        record(&mut tx, me.user.id, EventKind::SessionRevoked, client, now).await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

/// "Sign out everywhere else": every other session of the user ends, and
/// every link mailed to the account ([`links::retire_every_link`]), and
/// every browser remembered for the second step; returns how many
/// sessions.
pub(crate) async fn revoke_others(
    app: &AppState,
    client: &ClientInfo,
    me: &LoggedIn,
) -> Result<u64> {
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    // The account first, then its logins and links, as every credential
    // change does (no deadlock with a reset on PostgreSQL).
    app.db.lock_user(&mut tx, me.user.id).await?;
    let count = logins::revoke_others(&mut *tx, me.user.id, &me.session_id, now).await?;
    links::retire_every_link(&mut tx, me.user.id, now).await?;
    two_factor::forget_browsers(&mut *tx, me.user.id).await?;
    if count > 0 {
        record(&mut tx, me.user.id, EventKind::SessionRevoked, client, now).await?;
    }
    tx.commit().await?;
    Ok(count)
}
