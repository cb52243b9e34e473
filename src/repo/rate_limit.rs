//! Hits counted for login throttling, in the database so that every
//! instance behind a load balancer sees the same counts.

use crate::db::Pool;

pub async fn record(pool: &Pool, bucket: &str, at: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO rate_limit_hits (bucket, at) VALUES ($1, $2)")
        .bind(bucket)
        .bind(at)
        .execute(pool)
        .await?;
    Ok(())
}

/// How many hits the bucket has since `since`, and when the oldest was.
pub async fn count_since(
    pool: &Pool,
    bucket: &str,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    sqlx::query_as("SELECT COUNT(*), MIN(at) FROM rate_limit_hits WHERE bucket = $1 AND at >= $2")
        .bind(bucket)
        .bind(since)
        .fetch_one(pool)
        .await
}

/// Forgets a bucket's hits before `before` (all of them with `i64::MAX`).
pub async fn forget(pool: &Pool, bucket: &str, before: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM rate_limit_hits WHERE bucket = $1 AND at < $2")
        .bind(bucket)
        .bind(before)
        .execute(pool)
        .await?;
    Ok(())
}
