//! Throttling counters, in the database so that every instance behind a
//! load balancer sees the same counts.

use crate::data::db::Db;

/// [`hit`]'s statement: `$1` the bucket, `$2` now, `$3` the start of the
/// oldest window still current.
pub(crate) const HIT: &str =
    "INSERT INTO rate_limits (bucket, window_start, attempts) VALUES ($1, $2, 1)
         ON CONFLICT (bucket) DO UPDATE SET
           attempts = CASE WHEN rate_limits.window_start <= $3 THEN 1
                           ELSE rate_limits.attempts + 1 END,
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2
                               ELSE rate_limits.window_start END
         RETURNING attempts, window_start";

/// Counts one attempt in `bucket` and returns (attempts in the current
/// window including this one, when that window started). A window older
/// than `window` seconds starts afresh. One atomic statement: parallel
/// requests each get their own, distinct count.
pub(crate) async fn hit(
    db: impl Db<'_>,
    bucket: &str,
    now: i64,
    window: i64,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(HIT)
        .bind(bucket)
        .bind(now)
        .bind(now - window)
        .fetch_one(db)
        .await
}

/// [`forget`]'s statement.
pub(crate) const FORGET: &str = "DELETE FROM rate_limits WHERE bucket = $1";

/// Forgets a bucket (a successful login starts the count again).
pub(crate) async fn forget(db: impl Db<'_>, bucket: &str) -> sqlx::Result<()> {
    sqlx::query(FORGET).bind(bucket).execute(db).await?;
    Ok(())
}

/// [`prune`]'s statement.
pub(crate) const PRUNE: &str = "DELETE FROM rate_limits WHERE window_start < $1";

/// Drops counters whose window started before `before`, so the table holds
/// only recent buckets however many emails an attacker sprays.
pub(crate) async fn prune(db: impl Db<'_>, before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(PRUNE).bind(before).execute(db).await?;
    Ok(done.rows_affected())
}
