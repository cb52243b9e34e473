//! [`AppState`]: what every service and handler may need, built once at
//! start-up and shared by all workers. It sits below the services so that
//! they can take it without knowing how the application is put together.
//!
//! [`AppState`]: crate::services::state::AppState

use crate::{
    data::db, domain::clock::Clock, domain::config::Settings, domain::sealed::Sealer,
    services::mail::Mailer, services::password::Hasher,
};

pub struct AppState {
    /// The pool (`app.db.pool`) and the backend behind it.
    pub db: db::Database,
    pub settings: Settings,
    pub(crate) clock: Clock,
    pub(crate) hasher: Hasher,
    /// Where mail links point; wakes the outbox worker.
    pub(crate) mail: Mailer,
    /// Seals the secrets kept at rest (a TOTP secret) under keys derived
    /// from `SESSION_SECRET` and `SESSION_SECRET_PREVIOUS`.
    pub(crate) sealer: Sealer,
}

impl AppState {
    /// The state for `settings`: the database, migrated, and the hasher,
    /// warmed up. Mail links start with `PUBLIC_ORIGIN`, or else with
    /// `http://` and `listening_on` (the address the shop was bound to).
    pub(crate) async fn open(
        settings: Settings,
        clock: Clock,
        listening_on: &str,
    ) -> anyhow::Result<AppState> {
        let db = db::connect(&settings.database_url).await?;
        let hasher = Hasher::new();
        hasher
            .warm_up()
            .await
            .map_err(|e| anyhow::anyhow!("cannot warm the hasher up: {e}"))?;
        let origin = match &settings.public_origin {
            Some(origin) => origin.as_str().to_string(),
            None => format!("http://{listening_on}"),
        };
        let sealer = Sealer::new(&settings.session_secret, &settings.session_secret_previous);
        Ok(AppState {
            db,
            sealer,
            settings,
            clock,
            hasher,
            mail: Mailer::new(origin),
        })
    }
}
