//! A session store in the shop's own database (`SESSION_STORE=database`),
//! SQLite or PostgreSQL, over the table `session_store`
//! ([`data::repo::session_store`]). This is the place to learn what a store must
//! do; connect-pg-simple is the same idea for express-session.
//!
//! A store keeps, under a key it makes up, a session's state (its JSON)
//! until the state's time to live runs out. The browser holds only the
//! key, sealed in the session cookie ([`web::session`]). Here the row keeps
//! a digest of the key, never the key itself: whoever reads the table
//! cannot present any of its sessions. Expired rows are never read
//! ([`load`] asks for live ones) and are deleted by housekeeping
//! ([`services::housekeeping::sweep`]).
//!
//! A change is a compare-and-set ([`update`], [`delete_if`]): one statement
//! whose `WHERE` names the state this request read, so that two requests
//! of one session that both change it cannot lose either change
//! ([`web::session`] applies the loser's change again to the winner's state).
//!
//! [`data::repo::session_store`]: crate::data::repo::session_store
//! [`web::session`]: crate::web::session
//! [`load`]: DatabaseStore::load
//! [`services::housekeeping::sweep`]: crate::services::housekeeping::sweep
//! [`update`]: DatabaseStore::update
//! [`delete_if`]: DatabaseStore::delete_if

use super::entry::{Compared, StoreKey};
use crate::{
    data::db::{self, Pool},
    data::repo::session_store,
    domain::clock::Clock,
    domain::ids,
};

pub struct DatabaseStore {
    pool: Pool,
    /// The shop's clock (which the tests move), for expiry.
    clock: Clock,
}

/// What the table keeps instead of the key.
fn digest(key: &StoreKey) -> String {
    ids::digest(key.expose())
}

impl DatabaseStore {
    pub(crate) fn new(pool: Pool, clock: Clock) -> Self {
        DatabaseStore { pool, clock }
    }

    fn expires_at(&self, ttl: i64) -> i64 {
        self.clock.now() + ttl
    }

    pub(super) async fn ping(&self) -> anyhow::Result<()> {
        Ok(db::ping(&self.pool).await?)
    }

    /// The JSON kept under `key`, if it is there and has not expired.
    pub(super) async fn load(&self, key: &StoreKey) -> anyhow::Result<Option<String>> {
        let now = self.clock.now();
        Ok(session_store::load(&self.pool, &digest(key), now).await?)
    }

    /// A new entry; false if the key is taken (it is then drawn again).
    pub(super) async fn insert(
        &self,
        key: &StoreKey,
        json: &str,
        ttl: i64,
    ) -> anyhow::Result<bool> {
        let expires_at = self.expires_at(ttl);
        match session_store::insert(&self.pool, &digest(key), json, expires_at).await {
            Ok(()) => Ok(true),
            Err(e) if db::Failure::violates_unique(&e, "session_store", "key_digest") => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// `json` in place of `expected`, if the live entry still holds it.
    pub(super) async fn update(
        &self,
        key: &StoreKey,
        expected: &str,
        json: &str,
        ttl: i64,
    ) -> anyhow::Result<Compared> {
        let (digest, now) = (digest(key), self.clock.now());
        let expires_at = self.expires_at(ttl);
        if session_store::update_if(&self.pool, &digest, expected, json, expires_at, now).await? {
            return Ok(Compared::AsExpected);
        }
        self.compared_with(&digest, now).await
    }

    /// Deletes the entry if it still holds `expected`.
    pub(super) async fn delete_if(
        &self,
        key: &StoreKey,
        expected: &str,
    ) -> anyhow::Result<Compared> {
        let (digest, now) = (digest(key), self.clock.now());
        if session_store::delete_if(&self.pool, &digest, expected).await? {
            return Ok(Compared::AsExpected);
        }
        self.compared_with(&digest, now).await
    }

    /// What the entry holds, after a comparison that failed.
    async fn compared_with(&self, digest: &str, now: i64) -> anyhow::Result<Compared> {
        Ok(match session_store::load(&self.pool, digest, now).await? {
            Some(json) => Compared::Holds(json),
            None => Compared::Gone,
        })
    }

    /// Forgets the session: at sign-out (destroy) and when a sign-in
    /// replaces it (renewal), so a copy of the old cookie finds nothing.
    pub(super) async fn delete(&self, key: &StoreKey) -> anyhow::Result<()> {
        Ok(session_store::delete(&self.pool, &digest(key)).await?)
    }

    /// When the entry under `key` expires, if there is one.
    pub(super) async fn expiry(&self, key: &StoreKey) -> anyhow::Result<Option<i64>> {
        Ok(session_store::expiry(&self.pool, &digest(key)).await?)
    }
}
