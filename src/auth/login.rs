//! Logging in and out: the moments the session changes hands.

use crate::{
    cart,
    client::ClientInfo,
    errors::Result,
    ids,
    repo::{
        events::{self, EventKind},
        sessions::{self, NewSession},
        users,
    },
    session::AppSession,
    startup::AppState,
};

/// Starts a logged-in session for `user_id` in this browser.
///
/// The cookie is renewed (new session id, new CSRF token) and a `sessions`
/// row records it. What the guest had in the old session is carried over:
/// preferences they changed become the account's, and their cart is merged
/// into the account's cart. Returns a note about the merge for the user.
pub async fn log_in(
    app: &AppState,
    session: &AppSession,
    client: &ClientInfo,
    user_id: i64,
    remember_me: bool,
) -> Result<Option<String>> {
    let guest = session.state();
    let now = app.clock.now();
    if guest.user_id.is_some() {
        // Logging in over an existing login: that session ends here.
        sessions::revoke(&app.pool, &guest.id, now).await?;
    }
    // Housekeeping: rows of sessions that ended a day ago are of no use.
    sessions::prune(&app.pool, now - 86_400).await?;
    let lifetime = if remember_me {
        app.settings.session_remember_me_timeout
    } else {
        app.settings.session_absolute_timeout
    };
    let expires_at = now + lifetime.as_secs() as i64;
    open_session(app, session, client, user_id, expires_at, remember_me).await?;
    if !guest.prefs.is_empty() {
        let account = users::preferences(&app.pool, user_id).await?;
        users::set_preferences(&app.pool, user_id, &guest.prefs.over(account)).await?;
    }
    let note = cart::merge_guest_cart(app, user_id, &guest.cart).await?;
    events::record(&app.pool, user_id, EventKind::LoggedIn, client, now).await?;
    Ok(note)
}

/// Gives this browser a new session id and cookie, keeping the login's
/// expiry, and retires the old row (after a password change).
pub async fn renew(
    app: &AppState,
    session: &AppSession,
    client: &ClientInfo,
    user_id: i64,
    old_session_id: &str,
) -> Result<()> {
    let now = app.clock.now();
    let old = sessions::with_user(&app.pool, old_session_id, user_id).await?;
    let (expires_at, remember_me) =
        old.map_or((now, false), |s| (s.expires_at, s.remember_me == 1));
    sessions::revoke(&app.pool, old_session_id, now).await?;
    open_session(app, session, client, user_id, expires_at, remember_me).await
}

/// Renews the cookie for `user_id` and records the new session row.
async fn open_session(
    app: &AppState,
    session: &AppSession,
    client: &ClientInfo,
    user_id: i64,
    expires_at: i64,
    remember_me: bool,
) -> Result<()> {
    let session_id = session.start_login(user_id, remember_me);
    sessions::insert(
        &app.pool,
        &NewSession {
            id: &session_id,
            handle: &ids::token128(),
            user_id,
            created_at: app.clock.now(),
            expires_at,
            remember_me,
            user_agent: &client.user_agent,
            ip: &client.ip,
        },
    )
    .await?;
    Ok(())
}

/// Ends the session: the row is revoked, so a copy of the cookie is worth
/// nothing, and the cookie itself is removed.
pub async fn log_out(
    app: &AppState,
    session: &AppSession,
    client: &ClientInfo,
    user_id: i64,
    session_id: &str,
) -> Result<()> {
    let now = app.clock.now();
    sessions::revoke(&app.pool, session_id, now).await?;
    events::record(&app.pool, user_id, EventKind::LoggedOut, client, now).await?;
    session.purge();
    Ok(())
}
