//! Housekeeping off the request path: a task started with the application
//! that, every `HOUSEKEEPING_INTERVAL`, deletes what no request can need
//! any more: rows of sessions that ended more than a day ago, session
//! states the database store kept past their expiry, the notes of the
//! guest states that signed in (`guest_merges`) older than a guest
//! cookie's lifetime (a guest cookie lives that long from its last write,
//! and no state a sign-in replaced is written again, so every copy of it
//! has expired by then), throttle counters
//! whose window has long passed, mail sent (or refused) more than a week
//! ago, account links that expired more than a day ago, browsers no
//! longer remembered for two-step sign-in, and the answered passkey
//! challenges past their time. Several instances may each run it; the
//! deletes are idempotent.

use std::time::Duration;

use actix_web::web;

use crate::{
    data::db,
    data::error::Result,
    data::repo::{cart, logins, outbox, passkeys, rate_limit, session_store, tokens, two_factor},
    services::auth::throttle,
    services::state::AppState,
};

/// What one round deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    logins: u64,
    /// Expired states of the database session store.
    stored_states: u64,
    merges: u64,
    counters: u64,
    mails: u64,
    tokens: u64,
    /// Browsers whose "don't ask again" ran out.
    remembered_browsers: u64,
    /// Passkey challenges past their time.
    spent_challenges: u64,
}

/// One round, now.
pub async fn sweep(app: &AppState) -> Result<Swept> {
    let now = app.clock.now();
    let idle = app.settings.session_idle_timeout.get();
    let guest_lifetime = app.settings.session_remember_me_timeout.get();
    Ok(Swept {
        logins: logins::prune(&app.db.pool, now - 86_400, idle).await?,
        stored_states: session_store::prune(&app.db.pool, now).await?,
        merges: cart::prune_merges(&app.db.pool, now - guest_lifetime).await?,
        counters: rate_limit::prune(&app.db.pool, throttle::oldest_needed(app, now)).await?,
        mails: outbox::prune(&app.db.pool, now - 7 * 86_400).await?,
        tokens: tokens::prune(&app.db.pool, now - 86_400).await?,
        remembered_browsers: two_factor::prune_browsers(&app.db.pool, now).await?,
        spent_challenges: passkeys::prune_challenges(&app.db.pool, now).await?,
    })
}

/// Watches the SQLite file the pool has open, twice a second. A file
/// deleted or replaced under the running shop would go on taking writes
/// through the connections that have it open, into a file nobody will see
/// again: once two looks in a row find it gone or another file (so at most
/// about a second of writes goes there), the pool is closed, and every
/// request answers the clear 503 of [`AppError::DatabaseUnavailable`] (and
/// `/readyz` 503) until the shop is restarted on the restored file. Not
/// an exit: restarted on a missing file, the shop would make a new, empty
/// one. `None` for PostgreSQL.
///
/// [`AppError::DatabaseUnavailable`]: crate::data::error::AppError::DatabaseUnavailable
pub(crate) fn watch_sqlite_file(app: web::Data<AppState>) -> Option<tokio::task::JoinHandle<()>> {
    let path = app.db.file()?.to_path_buf();
    let opened = db::file_identity(&path);
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_millis(500));
        let mut misses = 0;
        loop {
            ticks.tick().await;
            misses = if db::file_identity(&path) == opened {
                0
            } else {
                misses + 1
            };
            if misses == 2 {
                tracing::error!(
                    file = %path.display(),
                    "the database file was deleted or replaced: every request is refused (503) until a restart"
                );
                app.db.pool.close().await;
                return;
            }
        }
    }))
}

/// Runs [`sweep`] every `every`, from now until the task is aborted. A failed
/// round (the database is down) is logged and tried again next time.
pub(crate) fn spawn(app: web::Data<AppState>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match sweep(&app).await {
                Ok(swept) if swept != Swept::default() => tracing::info!(?swept, "housekeeping"),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "housekeeping failed; will retry"),
            }
        }
    })
}
