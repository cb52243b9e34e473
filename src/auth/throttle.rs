//! Login throttling, counted in the database:
//! - per account: after `LOGIN_MAX_FAILURES` failed logins for one email
//!   within `LOGIN_FAILURE_WINDOW`, every attempt for that email gets 429
//!   until the oldest failure leaves the window, whether the account exists
//!   or not (so the answer reveals nothing);
//! - per client: at most `CLIENT_AUTH_POSTS_PER_MINUTE` POSTs to /login and
//!   /register from one IP address per minute.

use crate::{errors::AppError, repo::rate_limit, startup::AppState};

fn email_bucket(email: &str) -> String {
    format!("email:{}", email.trim().to_lowercase())
}

/// Counts this request against its client and refuses it above the limit.
pub async fn check_client(app: &AppState, ip: &str) -> Result<(), AppError> {
    let bucket = format!("client:{ip}");
    let now = app.clock.now();
    let (hits, oldest) = rate_limit::count_since(&app.pool, &bucket, now - 60).await?;
    if hits >= i64::from(app.settings.client_auth_posts_per_minute) {
        let retry_after = oldest.map_or(60, |t| t + 60 - now).max(1);
        return Err(AppError::TooManyRequests { retry_after });
    }
    rate_limit::forget(&app.pool, &bucket, now - 60).await?;
    rate_limit::record(&app.pool, &bucket, now).await?;
    Ok(())
}

/// Refuses a login for an email that failed too often recently.
pub async fn check_email(app: &AppState, email: &str) -> Result<(), AppError> {
    let window = app.settings.login_failure_window.as_secs() as i64;
    let now = app.clock.now();
    let (failures, oldest) =
        rate_limit::count_since(&app.pool, &email_bucket(email), now - window).await?;
    if failures >= i64::from(app.settings.login_max_failures) {
        let retry_after = oldest.map_or(window, |t| t + window - now).max(1);
        return Err(AppError::TooManyRequests { retry_after });
    }
    Ok(())
}

pub async fn record_failure(app: &AppState, email: &str) -> Result<(), AppError> {
    let (bucket, now) = (email_bucket(email), app.clock.now());
    let window = app.settings.login_failure_window.as_secs() as i64;
    rate_limit::forget(&app.pool, &bucket, now - window).await?;
    rate_limit::record(&app.pool, &bucket, now).await?;
    Ok(())
}

/// A successful login starts the count again.
pub async fn clear_failures(app: &AppState, email: &str) -> Result<(), AppError> {
    rate_limit::forget(&app.pool, &email_bucket(email), i64::MAX).await?;
    Ok(())
}
