//! The three places a session's state can be kept, behind one type:
//! actix-session's `CookieSessionStore` (the state is the cookie), the
//! shop's own `DatabaseSessionStore`, and actix-session's
//! `RedisSessionStore`. All three implement actix-session's `SessionStore`
//! (load, save, update, update_ttl, delete: `database.rs` explains each);
//! this type adds what the shop needs around them: a bounded wait, errors
//! told apart (the store is away, or a stored state no longer reads), a
//! readiness check and, for the inspector, an entry's remaining lifetime.

use std::{future::Future, time::Duration};

use actix_session::storage::{
    CookieSessionStore, LoadError, RedisSessionStore, SaveError, SessionKey, SessionStore,
    UpdateError,
};
use actix_web::cookie::time::Duration as Ttl;
use anyhow::Context;
use deadpool_redis::{redis, Pool as RedisPool, Runtime};

use super::database::{DatabaseSessionStore, EntryGone};
use crate::{
    clock::Clock,
    config::{SessionStoreKind, Settings},
    db::{self, Pool},
    error::AppError,
    session::SessionState,
};

/// How long a request waits for the store before it answers 503: a store
/// on the same network answers in a millisecond; one that does not answer
/// in two seconds is away.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

pub enum Store {
    Cookie(CookieSessionStore),
    Database {
        store: DatabaseSessionStore,
        pool: Pool,
    },
    Redis(Redis),
}

pub struct Redis {
    store: RedisSessionStore,
    /// The store's pool of connections, also for what a `SessionStore`
    /// does not offer: `PING`, `TTL`.
    pool: RedisPool,
    prefix: String,
}

/// Connections to Redis at most (as many as the database pool).
const REDIS_CONNECTIONS: usize = 16;

impl Store {
    /// The store `SESSION_STORE` names. Redis must answer now: like the
    /// database, a store that is away at start stops the start.
    pub async fn connect(settings: &Settings, pool: &Pool, clock: &Clock) -> anyhow::Result<Store> {
        Ok(match settings.session_store {
            SessionStoreKind::Cookie => Store::Cookie(CookieSessionStore::default()),
            SessionStoreKind::Database => Store::Database {
                store: DatabaseSessionStore::new(pool.clone(), clock.clone()),
                pool: pool.clone(),
            },
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
                let keys = settings.redis_key_prefix.clone();
                let store = RedisSessionStore::builder_pooled(pool.clone())
                    .cache_keygen(move |key| format!("{keys}{key}"))
                    .build()
                    .await
                    .with_context(cannot)?;
                let redis = Store::Redis(Redis {
                    store,
                    pool,
                    prefix: settings.redis_key_prefix.clone(),
                });
                // Like the database, a store that is away at start stops it.
                redis
                    .ping()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:#}"))
                    .with_context(cannot)?;
                redis
            }
        })
    }

    pub fn kind(&self) -> SessionStoreKind {
        match self {
            Store::Cookie(_) => SessionStoreKind::Cookie,
            Store::Database { .. } => SessionStoreKind::Database,
            Store::Redis(_) => SessionStoreKind::Redis,
        }
    }

    /// Whether the state lives on the server (and the cookie carries only
    /// a key).
    pub fn is_server_side(&self) -> bool {
        !matches!(self, Store::Cookie(_))
    }

    /// Whether the store answers (`/readyz`, `cookie-jar check-config`).
    pub async fn ping(&self) -> Result<(), AppError> {
        match self {
            Store::Cookie(_) => Ok(()),
            Store::Database { pool, .. } => bounded(db::ping(pool)).await,
            Store::Redis(redis) => {
                let ping = redis::cmd("PING");
                bounded(redis.command::<String>(&ping)).await.map(drop)
            }
        }
    }

    /// The state kept under `key`; `None` when there is none, or none this
    /// version can read.
    pub async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, AppError> {
        let loaded = match self {
            Store::Cookie(store) => store.load(key).await,
            Store::Database { store, .. } => bounded_raw(store.load(key)).await?,
            Store::Redis(redis) => bounded_raw(redis.store.load(key)).await?,
        };
        match loaded {
            Ok(map) => Ok(map.as_ref().and_then(SessionState::from_store)),
            Err(LoadError::Deserialization(_)) => Ok(None),
            Err(LoadError::Other(cause)) => Err(self.unavailable(cause)),
        }
    }

    /// Keeps a new state for `ttl`; returns its key.
    pub async fn save(&self, state: &SessionState, ttl: Ttl) -> Result<SessionKey, AppError> {
        let map = state.to_store();
        let saved = match self {
            Store::Cookie(store) => store.save(map, &ttl).await,
            Store::Database { store, .. } => bounded_raw(store.save(map, &ttl)).await?,
            Store::Redis(redis) => bounded_raw(redis.store.save(map, &ttl)).await?,
        };
        saved.map_err(|e| match e {
            SaveError::Serialization(e) => AppError::Internal(e),
            SaveError::Other(e) => self.unavailable(e),
        })
    }

    /// Replaces the state kept under `key`; returns the key it is kept
    /// under now (the cookie store's key is the state itself; a server
    /// store's stays), or `None` when a server store's entry went meanwhile
    /// (another request signed in or out and deleted it): a deleted session
    /// is never brought back.
    pub async fn update(
        &self,
        key: SessionKey,
        state: &SessionState,
        ttl: Ttl,
    ) -> Result<Option<SessionKey>, AppError> {
        let map = state.to_store();
        let updated = match self {
            Store::Cookie(store) => store.update(key, map, &ttl).await,
            Store::Database { store, .. } => bounded_raw(store.update(key, map, &ttl)).await?,
            // actix-session's update would save a missing entry afresh;
            // `SET … XX` sets only one that is there.
            Store::Redis(redis) => {
                let name = format!("{}{}", redis.prefix, key.as_ref());
                let json = serde_json::to_string(&map)?;
                let mut set = redis::cmd("SET");
                set.arg(name)
                    .arg(json)
                    .arg("XX")
                    .arg("EX")
                    .arg(ttl.whole_seconds());
                let done = bounded(redis.command::<Option<String>>(&set)).await?;
                return Ok(done.map(|_| key));
            }
        };
        match updated {
            Ok(key) => Ok(Some(key)),
            Err(UpdateError::Other(e)) if e.is::<EntryGone>() => Ok(None),
            Err(UpdateError::Serialization(e)) => Err(AppError::Internal(e)),
            Err(UpdateError::Other(e)) => Err(self.unavailable(e)),
        }
    }

    /// Forgets the state kept under `key`.
    pub async fn delete(&self, key: &SessionKey) -> Result<(), AppError> {
        let deleted = match self {
            Store::Cookie(store) => store.delete(key).await,
            Store::Database { store, .. } => bounded_raw(store.delete(key)).await?,
            Store::Redis(redis) => bounded_raw(redis.store.delete(key)).await?,
        };
        deleted.map_err(|e| self.unavailable(e))
    }

    /// Seconds until the entry under `key` expires, as the store itself
    /// says (`None`: no entry; always, for the cookie store).
    pub async fn remaining(&self, key: &SessionKey, now: i64) -> Result<Option<i64>, AppError> {
        match self {
            Store::Cookie(_) => Ok(None),
            Store::Database { store, .. } => {
                let expiry = bounded_raw(store.expiry(key)).await?;
                Ok(expiry.map_err(AppError::from)?.map(|at| at - now))
            }
            Store::Redis(redis) => {
                let name = format!("{}{}", redis.prefix, key.as_ref());
                let ttl = bounded(redis.command::<i64>(redis::cmd("TTL").arg(name))).await?;
                // -2: no such key; -1: a key without expiry (not one of ours).
                Ok((ttl >= 0).then_some(ttl))
            }
        }
    }

    /// A failure of the store as the visitor meets it: the database's own
    /// errors are told apart as everywhere else (`AppError::from`); any
    /// failure of Redis means it is away.
    fn unavailable(&self, cause: anyhow::Error) -> AppError {
        match self {
            Store::Redis(_) => AppError::SessionStoreUnavailable(cause),
            _ => AppError::from(cause),
        }
    }
}

impl Redis {
    /// One command on a connection of the pool.
    async fn command<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> anyhow::Result<T> {
        let mut conn = self.pool.get().await?;
        Ok(cmd.query_async(&mut conn).await?)
    }
}

/// `work`, given at most `STORE_TIMEOUT`; its error, or the wait running
/// out, is the store being away.
async fn bounded<T, E>(work: impl Future<Output = Result<T, E>>) -> Result<T, AppError>
where
    E: Into<anyhow::Error>,
{
    match bounded_raw(work).await? {
        Ok(value) => Ok(value),
        Err(e) => {
            let cause: anyhow::Error = e.into();
            // A database error keeps its own classification.
            if cause.downcast_ref::<sqlx::Error>().is_some() {
                Err(AppError::from(cause))
            } else {
                Err(AppError::SessionStoreUnavailable(cause))
            }
        }
    }
}

/// `work`, given at most `STORE_TIMEOUT`.
async fn bounded_raw<T>(work: impl Future<Output = T>) -> Result<T, AppError> {
    tokio::time::timeout(STORE_TIMEOUT, work)
        .await
        .map_err(|_| {
            AppError::SessionStoreUnavailable(anyhow::anyhow!(
                "the session store did not answer within {} s",
                STORE_TIMEOUT.as_secs()
            ))
        })
}
