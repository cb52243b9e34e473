//! What a visitor keeps about themselves. Preferences are for everyone: a
//! guest's choices live in the session state and move into the account at
//! login ([`services::auth::login`]); an account's live in the `users` table. An
//! account's display name is changed here too.
//!
//! [`services::auth::login`]: crate::services::auth::login

use crate::{
    data::error::Result, data::repo::users, domain::ids::UserId, domain::prefs::Preferences,
    domain::validate, services::state::AppState,
};

/// Saves what was chosen; a preference not chosen keeps its value. For an
/// account (`user_id`), in the database; for a guest, whose preferences so
/// far are `guest`, the preferences the session keeps from now on are
/// returned.
pub(crate) async fn save_preferences(
    app: &AppState,
    user_id: Option<UserId>,
    chosen: Preferences,
) -> Result<Option<Preferences>> {
    match user_id {
        Some(user_id) => {
            let mut tx = app.db.begin_write().await?;
            app.db.lock_user(&mut tx, user_id).await?;
            users::choose_preferences(&mut tx, user_id, chosen).await?;
            tx.commit().await?;
            Ok(None)
        }
        // A guest's go into the session, merged into what it holds: only
        // what the guest actually sent (the nav's toggle sends just the
        // theme), so that login carries over only real choices.
        None => Ok(Some(chosen)),
    }
}

/// Gives the account `user_id` the display name `typed`, once it passes
/// the rules ([`domain::validate::display_name`]: trimmed, not empty, not too long,
/// no control characters); otherwise returns the message for the form.
///
/// [`domain::validate::display_name`]: crate::domain::validate::display_name
pub(crate) async fn rename(
    app: &AppState,
    user_id: UserId,
    typed: &str,
) -> Result<std::result::Result<(), String>> {
    let name = match validate::display_name(typed) {
        Ok(name) => name,
        Err(message) => return Ok(Err(message)),
    };
    users::set_display_name(&app.db.pool, user_id, &name).await?;
    Ok(Ok(()))
}
