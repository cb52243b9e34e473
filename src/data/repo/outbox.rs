//! The outbox: mail waiting to be sent, and what became of it.

use sqlx::FromRow;

use crate::{data::db::Db, domain::ids};

/// A mail as it is queued: already rendered.
pub struct NewMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
}

/// A mail a worker has claimed, to send now.
#[derive(Clone, Debug, FromRow)]
pub struct Claimed {
    pub id: i64,
    pub(crate) recipient: String,
    pub(crate) subject: String,
    pub(crate) text_body: String,
    pub(crate) html_body: String,
    /// Attempts so far, this one included.
    pub(crate) attempts: i64,
    /// The end of this claim's lease: the worker's later update of the row
    /// names it, so a worker whose lease ran out (and whose mail another
    /// worker claimed since) changes nothing.
    pub claimed_until: i64,
}

/// A mail as `/dev/mail` lists and shows it.
#[derive(Clone, Debug, FromRow)]
pub(crate) struct Listed {
    pub(crate) id: i64,
    pub(crate) recipient: String,
    pub(crate) subject: String,
    pub(crate) text_body: String,
    pub(crate) html_body: String,
    pub(crate) created_at: i64,
    pub(crate) attempts: i64,
    pub(crate) sent_at: Option<i64>,
    pub(crate) failed_at: Option<i64>,
    pub(crate) last_error: Option<String>,
}

/// [`queue`]'s statement.
pub(crate) const QUEUE: &str =
    "INSERT INTO outbox (id, recipient, subject, text_body, html_body, created_at, due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)";

/// Queues a mail, due now. Run it in the transaction of the change that
/// causes the mail: both commit, or neither.
pub async fn queue(db: impl Db<'_>, mail: &NewMail<'_>, now: i64) -> sqlx::Result<i64> {
    let id = ids::row_id();
    sqlx::query(QUEUE)
        .bind(id)
        .bind(mail.recipient)
        .bind(mail.subject)
        .bind(mail.text_body)
        .bind(mail.html_body)
        .bind(now)
        .execute(db)
        .await?;
    Ok(id)
}

/// [`claim`]'s statement: `$1` now, `$2` the end of the lease.
pub(crate) const CLAIM: &str = "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1
          WHERE id = (SELECT id FROM outbox
                       WHERE sent_at IS NULL AND failed_at IS NULL AND due_at <= $1
                         AND (claimed_until IS NULL OR claimed_until <= $1)
                       ORDER BY due_at LIMIT 1)
            AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $1)
          RETURNING id, recipient, subject, text_body, html_body, attempts, claimed_until";

/// Claims the mail that has waited longest among those due and not
/// claimed by a live lease, until `now + lease`; `None` when there is
/// none. One statement: of two workers that race for a mail, one gets it
/// (PostgreSQL re-checks the `WHERE` of the second after the first
/// commits; SQLite runs one write at a time).
pub async fn claim(db: impl Db<'_>, now: i64, lease: i64) -> sqlx::Result<Option<Claimed>> {
    sqlx::query_as(CLAIM)
        .bind(now)
        .bind(now + lease)
        .fetch_optional(db)
        .await
}

/// [`sent`]'s statement: `$1` the mail, `$2` the lease, `$3` now.
pub(crate) const SENT: &str =
    "UPDATE outbox SET sent_at = $3, claimed_until = NULL, text_body = '', html_body = '',
                last_error = NULL
          WHERE id = $1 AND claimed_until = $2";

/// The mail went out under the claim `lease`: it is noted as sent and its
/// bodies are erased (they hold live links). False when the claim had run
/// out and the row is another worker's now.
pub async fn sent(db: impl Db<'_>, id: i64, lease: i64, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(SENT)
        .bind(id)
        .bind(lease)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`retry_at`]'s statement: `$1` the mail, `$2` the lease, `$3` when,
/// `$4` the error.
pub(crate) const RETRY_AT: &str =
    "UPDATE outbox SET due_at = $3, claimed_until = NULL, last_error = $4
          WHERE id = $1 AND claimed_until = $2";

/// The attempt under the claim `lease` failed for now: try again at
/// `due_at`.
pub(crate) async fn retry_at(
    db: impl Db<'_>,
    id: i64,
    lease: i64,
    due_at: i64,
    error: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(RETRY_AT)
        .bind(id)
        .bind(lease)
        .bind(due_at)
        .bind(error)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`failed`]'s statement: `$1` the mail, `$2` the lease, `$3` now, `$4`
/// the error.
pub(crate) const FAILED: &str =
    "UPDATE outbox SET failed_at = $3, claimed_until = NULL, last_error = $4,
                text_body = '', html_body = ''
          WHERE id = $1 AND claimed_until = $2";

/// The server refused the mail for good (a 5xx answer, an address it cannot
/// take): no more attempts. Its bodies are erased like a sent mail's.
pub(crate) async fn failed(
    db: impl Db<'_>,
    id: i64,
    lease: i64,
    now: i64,
    error: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(FAILED)
        .bind(id)
        .bind(lease)
        .bind(now)
        .bind(error)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`recent`]'s statement.
pub(crate) const RECENT: &str =
    "SELECT id, recipient, subject, text_body, html_body, created_at, attempts, sent_at,
                failed_at, last_error
           FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1";

/// The newest `limit` mails, newest first (`/dev/mail`).
pub(crate) async fn recent(db: impl Db<'_>, limit: i64) -> sqlx::Result<Vec<Listed>> {
    sqlx::query_as(RECENT).bind(limit).fetch_all(db).await
}

/// [`find`]'s statement.
pub(crate) const FIND: &str =
    "SELECT id, recipient, subject, text_body, html_body, created_at, attempts, sent_at,
                failed_at, last_error
           FROM outbox WHERE id = $1";

pub(crate) async fn find(db: impl Db<'_>, id: i64) -> sqlx::Result<Option<Listed>> {
    sqlx::query_as(FIND).bind(id).fetch_optional(db).await
}

/// [`prune`]'s statement.
pub(crate) const PRUNE: &str = "DELETE FROM outbox WHERE (sent_at IS NOT NULL AND sent_at < $1)
                               OR (failed_at IS NOT NULL AND failed_at < $1)";

/// Deletes mails sent or refused before `before` (housekeeping). Mail still
/// waiting is never deleted.
pub(crate) async fn prune(db: impl Db<'_>, before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(PRUNE).bind(before).execute(db).await?;
    Ok(done.rows_affected())
}
