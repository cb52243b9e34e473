//! A session store in the shop's own database (`SESSION_STORE=database`),
//! SQLite or PostgreSQL: actix-session's `SessionStore` trait over the
//! table `session_store` (`repo::session_store`). This is the place to
//! learn what a store must do; connect-pg-simple is the same idea for
//! express-session.
//!
//! A store keeps, under a key it makes up, a session's state (actix-session
//! hands it over as a map of strings) until the state's time to live runs
//! out. The browser holds only the key, sealed in the session cookie
//! (`web::session`). Here the row keeps a digest of the key, never the key
//! itself: whoever reads the table cannot present any of its sessions.
//! Expired rows are never read (`load` asks for live ones) and are deleted
//! by housekeeping (`housekeeping::sweep`).

use std::collections::HashMap;

use actix_session::storage::{
    generate_session_key, LoadError, SaveError, SessionKey, SessionStore, UpdateError,
};
use actix_web::cookie::time::Duration;

use crate::{clock::Clock, db::Pool, ids, repo::session_store};

/// An update found no entry to update: the session was deleted (or expired)
/// after this request read it.
#[derive(Debug)]
pub struct EntryGone;

impl std::fmt::Display for EntryGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the session's entry is gone")
    }
}

impl std::error::Error for EntryGone {}

pub struct DatabaseSessionStore {
    pool: Pool,
    /// The shop's clock (which the tests move), for expiry.
    clock: Clock,
}

impl DatabaseSessionStore {
    pub fn new(pool: Pool, clock: Clock) -> Self {
        DatabaseSessionStore { pool, clock }
    }

    fn expires_at(&self, ttl: &Duration) -> i64 {
        self.clock.now() + ttl.whole_seconds()
    }

    /// When the entry under `key` expires, if there is one.
    pub async fn expiry(&self, key: &SessionKey) -> anyhow::Result<Option<i64>> {
        Ok(session_store::expiry(&self.pool, &digest(key)).await?)
    }
}

/// What the table keeps instead of the key.
fn digest(key: &SessionKey) -> String {
    ids::digest(key.as_ref())
}

type State = HashMap<String, String>;

impl SessionStore for DatabaseSessionStore {
    /// The state kept under `session_key`, or `None` when there is none (a
    /// key never issued, expired, or deleted at sign-in or sign-out): the
    /// visitor then starts afresh. A state that no longer reads is an error
    /// of its own kind (`Deserialization`), which the adapter also treats
    /// as no state.
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let now = self.clock.now();
        let stored = session_store::load(&self.pool, &digest(session_key), now)
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        stored
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    /// Keeps a new session's state for `ttl` and returns the key it is kept
    /// under: 64 random alphanumerics (actix-session's generator, about 380
    /// bits), which the cookie will carry. Called when a visitor's state is
    /// first worth keeping, and at every renewal (sign-in).
    async fn save(&self, session_state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let json = serde_json::to_string(&session_state)
            .map_err(|e| SaveError::Serialization(e.into()))?;
        let key = generate_session_key();
        session_store::insert(&self.pool, &digest(&key), &json, self.expires_at(ttl))
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        Ok(key)
    }

    /// Replaces the state kept under `session_key`, and its time to live.
    /// If the entry went meanwhile (another request signed in or out and
    /// deleted it, or it expired since this request read it), the state is
    /// *not* saved again: a deleted session stays deleted, and the update
    /// fails with `EntryGone`, which the adapter takes as "this session is
    /// no more". (actix-session's Redis store saves it afresh under a new
    /// key instead, which would bring back a guest state that a sign-in had
    /// just replaced; the adapter updates Redis its own way for that.)
    async fn update(
        &self,
        session_key: SessionKey,
        session_state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json = serde_json::to_string(&session_state)
            .map_err(|e| UpdateError::Serialization(e.into()))?;
        let now = self.clock.now();
        let digest = digest(&session_key);
        let expires_at = self.expires_at(ttl);
        match session_store::update(&self.pool, &digest, &json, expires_at, now).await {
            Ok(true) => Ok(session_key),
            Ok(false) => Err(UpdateError::Other(EntryGone.into())),
            Err(e) => Err(UpdateError::Other(e.into())),
        }
    }

    /// Gives the entry a new time to live without changing its state
    /// (actix-session's middleware calls it on every request when told to
    /// extend lifetimes that way; this shop's adapter rewrites the state
    /// instead, when "last seen" is noted).
    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        session_store::set_expiry(&self.pool, &digest(session_key), self.expires_at(ttl)).await?;
        Ok(())
    }

    /// Forgets the session: at sign-out (destroy) and when a sign-in
    /// replaces it (renewal), so a copy of the old cookie finds nothing.
    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        session_store::delete(&self.pool, &digest(session_key)).await?;
        Ok(())
    }
}
