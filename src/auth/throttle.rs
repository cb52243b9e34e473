//! Login throttling, counted in the database:
//! - per account: at most `LOGIN_MAX_FAILURES` attempts for one email in a
//!   window of `LOGIN_FAILURE_WINDOW` seconds that did not end in a
//!   successful login; beyond that every attempt gets 429 until the window
//!   passes, whether the account exists or not (so the answer reveals
//!   nothing);
//! - per client: at most `CLIENT_AUTH_POSTS_PER_MINUTE` POSTs to /login and
//!   /register from one IP address per minute.
//!
//! An attempt is counted *before* the password is checked, in one atomic
//! statement, so a burst of parallel guesses cannot slip past the limit;
//! a successful login then clears the count.

use crate::{errors::AppError, repo::rate_limit, startup::AppState};

/// Counter key of an email: bounded so a huge typed value is not stored,
/// and without control characters (PostgreSQL refuses NUL in text).
fn email_bucket(email: &str) -> String {
    let email: String = email
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(254)
        .collect();
    format!("email:{email}")
}

async fn count(app: &AppState, bucket: &str, window: i64, limit: u32) -> Result<(), AppError> {
    let now = app.clock.now();
    // Forget counters no window can still need (the longest is a day).
    rate_limit::prune(&app.pool, now - 86_400.max(window)).await?;
    let (attempts, window_start) = rate_limit::hit(&app.pool, bucket, now, window).await?;
    if attempts > i64::from(limit) {
        let retry_after = (window_start + window - now).max(1);
        return Err(AppError::TooManyRequests { retry_after });
    }
    Ok(())
}

/// Counts this request against its client and refuses it above the limit.
pub async fn check_client(app: &AppState, ip: &str) -> Result<(), AppError> {
    let limit = app.settings.client_auth_posts_per_minute;
    count(app, &format!("client:{ip}"), 60, limit).await
}

/// Counts a password attempt for `email`; refuses it when the email has
/// used up its attempts in this window.
pub async fn attempt(app: &AppState, email: &str) -> Result<(), AppError> {
    let window = app.settings.login_failure_window.as_secs() as i64;
    count(
        app,
        &email_bucket(email),
        window,
        app.settings.login_max_failures,
    )
    .await
}

/// The password was right: the email's count starts again.
pub async fn succeeded(app: &AppState, email: &str) -> Result<(), AppError> {
    rate_limit::forget(&app.pool, &email_bucket(email)).await?;
    Ok(())
}
