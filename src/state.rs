//! `AppState`: what every service and handler may need, built once at
//! start-up and shared by all workers. It sits below the services so that
//! they can take it without knowing how the application is put together.

use crate::{clock::Clock, config::Settings, db, password::Hasher};

pub struct AppState {
    /// The pool (`app.db.pool`) and the backend behind it.
    pub db: db::Database,
    pub settings: Settings,
    pub clock: Clock,
    pub hasher: Hasher,
}

impl AppState {
    /// The state for `settings`: the database, migrated, and the hasher,
    /// warmed up.
    pub async fn open(settings: Settings, clock: Clock) -> anyhow::Result<AppState> {
        let db = db::connect(&settings.database_url).await?;
        let hasher = Hasher::new();
        hasher
            .warm_up()
            .await
            .map_err(|e| anyhow::anyhow!("cannot warm the hasher up: {e}"))?;
        Ok(AppState {
            db,
            settings,
            clock,
            hasher,
        })
    }
}
