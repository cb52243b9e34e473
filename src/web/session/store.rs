//! The three places a session's state can be kept, behind one type. The
//! cookie store keeps it in the cookie itself ([`web::session`] seals it);
//! the two server-side stores, the shop's own database (`database.rs`) and
//! Redis (`redis.rs`), keep it under a random key that the cookie carries,
//! and offer the same five operations:
//!
//! - [`load`]: the state under a key, with its JSON exactly as stored;
//! - [`save`]: a new entry, under a new key;
//! - [`update`]: **compare-and-set**: the entry gets the new state only if
//!   it still holds what this request read; otherwise the answer says
//!   what it holds now (another request of the same session saved
//!   meanwhile: the adapter applies its change to that and tries again),
//!   or that it is gone (a sign-in or sign-out deleted it: it stays
//!   deleted);
//! - [`delete`], and [`delete_if`], the same comparison before deleting;
//! - each entry lives as long as its time to live.
//!
//! The stored value is the state's JSON itself ([`SessionState::to_json`]):
//! `redis-cli GET` shows it as it is. Every call is bounded in time: a
//! store that does not answer within [`STORE_TIMEOUT`] is away (503).
//!
//! [`web::session`]: crate::web::session
//! [`load`]: ServerStore::load
//! [`save`]: ServerStore::save
//! [`update`]: ServerStore::update
//! [`delete`]: ServerStore::delete
//! [`delete_if`]: ServerStore::delete_if

use std::{future::Future, time::Duration};

use anyhow::Context;
use deadpool_redis::Runtime;

pub(super) use super::entry::StoreKey;
use super::{database::DatabaseStore, entry::Compared, redis::RedisStore};
use crate::{
    data::db::Pool,
    data::error::AppError,
    domain::clock::Clock,
    domain::config::{SessionStoreKind, Settings},
    domain::session::SessionState,
};

/// How long a request waits for the store before it answers 503: a store
/// on the same network answers in a millisecond; one that does not answer
/// in two seconds is away.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections to Redis at most: twice the database pool's 8, as a page
/// may hold one while it waits for the database.
const REDIS_CONNECTIONS: usize = 16;

pub enum Store {
    /// The state is the cookie.
    Cookie,
    /// The state is on the server; the cookie carries its key.
    Server(ServerStore),
}

pub enum ServerStore {
    Database(DatabaseStore),
    Redis(RedisStore),
}

/// A state as a server-side store holds it: the state, and its JSON
/// exactly as stored (what [`update`] compares).
///
/// [`update`]: ServerStore::update
#[derive(Clone, Debug)]
pub struct Stored {
    pub state: SessionState,
    json: String,
}

impl Stored {
    /// The stored JSON, read; `None` when this release cannot read it (the
    /// visitor then starts afresh, as without a cookie).
    fn read(json: String) -> Option<Stored> {
        let state = SessionState::from_json(&json)?;
        Some(Stored { state, json })
    }
}

/// What a compare-and-set found.
#[derive(Debug)]
pub enum Swap {
    /// Done: the entry held what was expected.
    Done,
    /// Another request saved meanwhile: the entry holds this now.
    Changed(Box<Stored>),
    /// The entry is gone (deleted at a sign-in or sign-out, or expired).
    Gone,
}

impl Store {
    /// The store `SESSION_STORE` names. Redis must answer now: like the
    /// database, a store that is away at start stops the start.
    pub async fn connect(settings: &Settings, pool: &Pool, clock: &Clock) -> anyhow::Result<Store> {
        Ok(match settings.session_store {
            SessionStoreKind::Cookie => Store::Cookie,
            SessionStoreKind::Database => Store::Server(ServerStore::Database(DatabaseStore::new(
                pool.clone(),
                clock.clone(),
            ))),
            SessionStoreKind::Redis => {
                let cannot = || format!("cannot reach Redis at {}", settings.redis_url);
                // A connection is checked (`PING`) each time it is taken
                // from the pool, and made anew when it broke: while Redis
                // is away a request fails at once (connection refused) or
                // within the timeouts, and the first request after it is
                // back connects again.
                let pool = deadpool_redis::Config::from_url(settings.redis_url.expose())
                    .builder()
                    .with_context(cannot)?
                    .max_size(REDIS_CONNECTIONS)
                    .wait_timeout(Some(STORE_TIMEOUT))
                    .create_timeout(Some(STORE_TIMEOUT))
                    .recycle_timeout(Some(STORE_TIMEOUT))
                    .runtime(Runtime::Tokio1)
                    .build()
                    .with_context(cannot)?;
                let redis = RedisStore::new(pool, settings.redis_key_prefix.clone());
                // Like the database, a store that is away at start stops it.
                redis
                    .ping()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:#}"))
                    .with_context(cannot)?;
                Store::Server(ServerStore::Redis(redis))
            }
        })
    }

    pub(crate) fn kind(&self) -> SessionStoreKind {
        match self {
            Store::Cookie => SessionStoreKind::Cookie,
            Store::Server(ServerStore::Database(_)) => SessionStoreKind::Database,
            Store::Server(ServerStore::Redis(_)) => SessionStoreKind::Redis,
        }
    }

    /// The server-side store, if this is one.
    pub fn server(&self) -> Option<&ServerStore> {
        match self {
            Store::Cookie => None,
            Store::Server(server) => Some(server),
        }
    }

    /// Whether the store answers (`/readyz`, `cookie-jar check-config`).
    pub(crate) async fn ping(&self) -> Result<(), AppError> {
        match self {
            Store::Cookie => Ok(()),
            Store::Server(ServerStore::Database(db)) => bounded(db.ping()).await,
            Store::Server(ServerStore::Redis(redis)) => bounded(redis.ping()).await,
        }
    }
}

impl ServerStore {
    /// The state kept under `key`, if there is one this release reads.
    pub async fn load(&self, key: &StoreKey) -> Result<Option<Stored>, AppError> {
        let json = match self {
            ServerStore::Database(db) => bounded(db.load(key)).await?,
            ServerStore::Redis(redis) => bounded(redis.load(key)).await?,
        };
        Ok(json.and_then(Stored::read))
    }

    /// Keeps a new state for `ttl` seconds; returns its key.
    pub async fn save(&self, state: &SessionState, ttl: i64) -> Result<StoreKey, AppError> {
        let json = state.to_json();
        // 256 random bits do not collide; a taken key would be refused
        // (not overwritten) and is simply drawn again.
        loop {
            let key = StoreKey::random();
            let saved = match self {
                ServerStore::Database(db) => bounded(db.insert(&key, &json, ttl)).await?,
                ServerStore::Redis(redis) => bounded(redis.insert(&key, &json, ttl)).await?,
            };
            if saved {
                return Ok(key);
            }
        }
    }

    /// Compare-and-set: `state` replaces `expected` under `key`, for
    /// `ttl` seconds, if the entry still holds `expected`.
    pub async fn update(
        &self,
        key: &StoreKey,
        expected: &Stored,
        state: &SessionState,
        ttl: i64,
    ) -> Result<Swap, AppError> {
        let json = state.to_json();
        let found = match self {
            ServerStore::Database(db) => {
                bounded(db.update(key, &expected.json, &json, ttl)).await?
            }
            ServerStore::Redis(redis) => {
                bounded(redis.update(key, &expected.json, &json, ttl)).await?
            }
        };
        Ok(swap(found))
    }

    /// Deletes the entry under `key` if it still holds `expected`.
    pub async fn delete_if(&self, key: &StoreKey, expected: &Stored) -> Result<Swap, AppError> {
        let found = match self {
            ServerStore::Database(db) => bounded(db.delete_if(key, &expected.json)).await?,
            ServerStore::Redis(redis) => bounded(redis.delete_if(key, &expected.json)).await?,
        };
        Ok(swap(found))
    }

    /// Forgets the state under `key`, whatever it holds.
    pub async fn delete(&self, key: &StoreKey) -> Result<(), AppError> {
        match self {
            ServerStore::Database(db) => bounded(db.delete(key)).await,
            ServerStore::Redis(redis) => bounded(redis.delete(key)).await,
        }
    }

    /// Seconds until the entry under `key` expires, as the store itself
    /// says (`None`: no entry).
    pub(crate) async fn remaining(
        &self,
        key: &StoreKey,
        now: i64,
    ) -> Result<Option<i64>, AppError> {
        match self {
            ServerStore::Database(db) => {
                let expiry = bounded(db.expiry(key)).await?;
                Ok(expiry.map(|at| at - now))
            }
            ServerStore::Redis(redis) => bounded(redis.remaining(key)).await,
        }
    }
}

/// A comparison as the adapter reads it (a state this release cannot
/// read is as good as gone).
fn swap(found: Compared) -> Swap {
    match found {
        Compared::AsExpected => Swap::Done,
        Compared::Holds(json) => {
            Stored::read(json).map_or(Swap::Gone, |s| Swap::Changed(Box::new(s)))
        }
        Compared::Gone => Swap::Gone,
    }
}

/// `work`, given at most [`STORE_TIMEOUT`]; its error, or the wait running
/// out, is the store being away (a database error keeps its own
/// classification: [`AppError::from`]).
async fn bounded<T>(work: impl Future<Output = anyhow::Result<T>>) -> Result<T, AppError> {
    match tokio::time::timeout(STORE_TIMEOUT, work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(cause)) if cause.downcast_ref::<sqlx::Error>().is_some() => {
            Err(AppError::from(cause))
        }
        Ok(Err(cause)) => Err(AppError::SessionStoreUnavailable(cause)),
        Err(_) => Err(AppError::SessionStoreUnavailable(anyhow::anyhow!(
            "the session store did not answer within {} s",
            STORE_TIMEOUT.as_secs()
        ))),
    }
}
