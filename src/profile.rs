//! What a visitor keeps about themselves. Preferences are for everyone: a
//! guest's choices live in the session cookie and move into the account at
//! login (`auth::login`); an account's live in the `users` table.

use crate::{
    db, error::Result, prefs::Preferences, repo::users, session::AppSession, state::AppState,
};

/// Saves what was chosen; a preference not chosen keeps its value.
pub async fn save_preferences(
    app: &AppState,
    session: &AppSession,
    user_id: Option<i64>,
    chosen: Preferences,
) -> Result<()> {
    match user_id {
        Some(user_id) => {
            let mut tx = db::begin_write(&app.pool).await?;
            db::lock_user(&mut tx, user_id).await?;
            users::choose_preferences(&mut tx, user_id, chosen).await?;
            tx.commit().await?;
        }
        // Only what the guest actually sent (the nav's toggle sends just
        // the theme), so that login carries over only real choices.
        None => session.update(|s| s.prefs = s.prefs.merged(chosen)),
    }
    Ok(())
}
