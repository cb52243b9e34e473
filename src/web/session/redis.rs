//! The session store in Redis (`SESSION_STORE=redis`): one key per
//! session, `REDIS_KEY_PREFIX` + the store key, whose value is the state's
//! JSON itself and whose time to live is the state's (`redis-cli GET`
//! shows the state as it is). Commands go through a pool of connections
//! (deadpool-redis), which checks each one before it lends it.
//!
//! A change is a compare-and-set, atomic because Redis runs a script
//! whole: the script sets (or deletes) the key only if it still holds the
//! JSON this request read, and otherwise answers what it holds now.

use deadpool_redis::{
    redis::{self, Script, Value},
    Pool,
};

use super::entry::{Compared, StoreKey};

/// `KEYS[1]` the entry; `ARGV[1]` the JSON this request read; `ARGV[2]` the
/// new JSON; `ARGV[3]` its time to live, in seconds.
const UPDATE_IF: &str = r"
local now = redis.call('GET', KEYS[1])
if not now then return false end
if now ~= ARGV[1] then return now end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
";

/// `KEYS[1]` the entry; `ARGV[1]` the JSON this request read.
const DELETE_IF: &str = r"
local now = redis.call('GET', KEYS[1])
if not now then return false end
if now ~= ARGV[1] then return now end
redis.call('DEL', KEYS[1])
return 1
";

pub struct RedisStore {
    pool: Pool,
    prefix: String,
    update_if: Script,
    delete_if: Script,
}

impl RedisStore {
    pub(super) fn new(pool: Pool, prefix: String) -> RedisStore {
        RedisStore {
            pool,
            prefix,
            update_if: Script::new(UPDATE_IF),
            delete_if: Script::new(DELETE_IF),
        }
    }

    /// The Redis key of a session.
    fn name(&self, key: &StoreKey) -> String {
        format!("{}{}", self.prefix, key.expose())
    }

    /// One command on a connection of the pool.
    async fn command<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> anyhow::Result<T> {
        let mut conn = self.pool.get().await?;
        Ok(cmd.query_async(&mut conn).await?)
    }

    pub(super) async fn ping(&self) -> anyhow::Result<()> {
        self.command::<String>(&redis::cmd("PING")).await.map(drop)
    }

    pub(super) async fn load(&self, key: &StoreKey) -> anyhow::Result<Option<String>> {
        self.command(redis::cmd("GET").arg(self.name(key))).await
    }

    /// A new entry (`SET … NX`: never over another); false if the key is
    /// taken.
    pub(super) async fn insert(
        &self,
        key: &StoreKey,
        json: &str,
        ttl: i64,
    ) -> anyhow::Result<bool> {
        let mut set = redis::cmd("SET");
        set.arg(self.name(key))
            .arg(json)
            .arg("NX")
            .arg("EX")
            .arg(ttl);
        let done: Option<String> = self.command(&set).await?;
        Ok(done.is_some())
    }

    pub(super) async fn update(
        &self,
        key: &StoreKey,
        expected: &str,
        json: &str,
        ttl: i64,
    ) -> anyhow::Result<Compared> {
        let mut conn = self.pool.get().await?;
        let mut call = self.update_if.key(self.name(key));
        call.arg(expected).arg(json).arg(ttl);
        compared(call.invoke_async(&mut conn).await?)
    }

    pub(super) async fn delete_if(
        &self,
        key: &StoreKey,
        expected: &str,
    ) -> anyhow::Result<Compared> {
        let mut conn = self.pool.get().await?;
        let mut call = self.delete_if.key(self.name(key));
        call.arg(expected);
        compared(call.invoke_async(&mut conn).await?)
    }

    pub(super) async fn delete(&self, key: &StoreKey) -> anyhow::Result<()> {
        self.command::<i64>(redis::cmd("DEL").arg(self.name(key)))
            .await
            .map(drop)
    }

    /// Seconds the entry has left (`TTL`): -2 is no such key, -1 a key
    /// without expiry (not one of ours).
    pub(super) async fn remaining(&self, key: &StoreKey) -> anyhow::Result<Option<i64>> {
        let ttl: i64 = self.command(redis::cmd("TTL").arg(self.name(key))).await?;
        Ok((ttl >= 0).then_some(ttl))
    }
}

/// A script's answer: 1 (done), the JSON the key holds now, or nothing.
fn compared(answer: Value) -> anyhow::Result<Compared> {
    Ok(match answer {
        Value::Int(1) => Compared::AsExpected,
        Value::Nil => Compared::Gone,
        Value::BulkString(bytes) => Compared::Holds(String::from_utf8(bytes)?),
        other => anyhow::bail!("an unexpected answer from Redis: {other:?}"),
    })
}
