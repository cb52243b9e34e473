//! `AppState`: what every service and handler may need, built once at
//! start-up and shared by all workers. It sits below the services so that
//! they can take it without knowing how the application is put together.

use crate::{clock::Clock, config::Settings, db, password::Hasher};

pub struct AppState {
    pub pool: db::Pool,
    pub settings: Settings,
    pub clock: Clock,
    pub hasher: Hasher,
}
