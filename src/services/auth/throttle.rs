//! Login throttling, counted in the database so that every instance sees
//! the same counts:
//! - per account: at most `LOGIN_MAX_FAILURES` password attempts for one
//!   email in a window of `LOGIN_FAILURE_WINDOW` seconds that did not end
//!   in a right password; beyond that every attempt gets 429 until the
//!   window passes, whether the account exists or not (so the answer
//!   reveals nothing);
//! - per account, at the second step of a sign-in: at most
//!   `LOGIN_MAX_FAILURES` codes in the same window, a count of its own
//!   that only a completed sign-in resets;
//! - per client: at most `CLIENT_AUTH_POSTS_PER_MINUTE` POSTs to /login,
//!   /register and /password/forgot from one IP address per minute, and at
//!   most `NEW_SESSIONS_PER_CLIENT_PER_MINUTE` new entries in a server-side
//!   session store.
//!
//! (The limit of mails per address is the mail module's own,
//! [`services::mail::count_mail_to`]: every mail counts, wherever it comes from.)
//!
//! An attempt is counted *before* the password is checked, in one atomic
//! statement, so a burst of parallel guesses cannot slip past the limit.
//! Hand-written rather than a rate-limiting crate: the counts must be
//! shared by every instance and survive restarts, and the few lines here
//! are the lesson. Old counters are deleted by [`housekeeping`].
//!
//! [`services::mail::count_mail_to`]: crate::services::mail::count_mail_to
//! [`housekeeping`]: crate::services::housekeeping

use crate::{
    data::db::Tx, data::error::AppError, data::repo::rate_limit, domain::ids::UserId,
    domain::validate, services::state::AppState,
};

/// Counter key of an email's password attempts.
fn email_bucket(email: &str) -> String {
    format!("email:{}", validate::email_for_counting(email))
}

async fn count(app: &AppState, bucket: &str, window: i64, limit: u32) -> Result<(), AppError> {
    let now = app.clock.now();
    let (attempts, window_start) = rate_limit::hit(&app.db.pool, bucket, now, window).await?;
    if attempts > i64::from(limit) {
        let retry_after = (window_start + window - now).max(1);
        return Err(AppError::TooManyRequests { retry_after });
    }
    Ok(())
}

/// Counts a POST to `/login`, `/register` or `/password/forgot` from this
/// client (its IPv6 network, as [`count_new_session`] does, so a client
/// cannot step past the limit by taking another address of its /64);
/// refuses it above `CLIENT_AUTH_POSTS_PER_MINUTE`.
pub(crate) async fn count_client(app: &AppState, ip: &str) -> Result<(), AppError> {
    let limit = app.settings.client_auth_posts_per_minute;
    count(app, &format!("client:{}", network_of(ip)), 60, limit).await
}

/// Counts a new entry a server-side session store keeps for this client
/// ([`web::session`]); refuses it above `NEW_SESSIONS_PER_CLIENT_PER_MINUTE`,
/// so a client that ignores the cookies it is given (a bot replaying one
/// `csrf` cookie) cannot grow the store without bound.
///
/// [`web::session`]: crate::web::session
pub(crate) async fn count_new_session(app: &AppState, ip: &str) -> Result<(), AppError> {
    let limit = app.settings.new_sessions_per_client_per_minute;
    count(app, &format!("session:{}", network_of(ip)), 60, limit).await
}

/// The client a count is for: an IPv4 address, or an IPv6 address's /64
/// (one subscriber's network: a client may take any address in it).
fn network_of(ip: &str) -> String {
    match ip.parse::<std::net::Ipv6Addr>() {
        Ok(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => ip.to_string(),
    }
}

/// Counts a password attempt for `email`; refuses it when the email has
/// used up its attempts in this window.
pub(crate) async fn count_attempt(app: &AppState, email: &str) -> Result<(), AppError> {
    let window = app.settings.login_failure_window.get();
    let limit = app.settings.login_max_failures;
    count(app, &email_bucket(email), window, limit).await
}

/// Counts a code typed at the second step of `user_id`'s sign-in; refuses
/// it when the account has used up its codes in this window (the same
/// `LOGIN_MAX_FAILURES` and `LOGIN_FAILURE_WINDOW` as passwords). Its own
/// count, which a right password does not reset: only a completed sign-in
/// does ([`forget_codes`]). So someone who knows the password gets no more
/// guesses at the code by typing the password again.
pub(crate) async fn count_code(app: &AppState, user_id: UserId) -> Result<(), AppError> {
    let window = app.settings.login_failure_window.get();
    let limit = app.settings.login_max_failures;
    count(app, &code_bucket(user_id), window, limit).await
}

/// The second step was completed: the account's count of codes starts
/// again, in the sign-in's transaction.
pub(crate) async fn forget_codes(tx: &mut Tx, user_id: UserId) -> Result<(), AppError> {
    rate_limit::forget(&mut **tx, &code_bucket(user_id)).await?;
    Ok(())
}

/// Counter key of an account's second-step codes.
fn code_bucket(user_id: UserId) -> String {
    format!("second-step:{user_id}")
}

/// The password was right: the email's count starts again.
pub(crate) async fn forget(app: &AppState, email: &str) -> Result<(), AppError> {
    rate_limit::forget(&app.db.pool, &email_bucket(email)).await?;
    Ok(())
}

/// The oldest window start a counter may still need: the longest window
/// (the account one, or the client's minute) back from `now`, and at least
/// a day, so a counter is never deleted while it still counts.
pub(crate) fn oldest_needed(app: &AppState, now: i64) -> i64 {
    let window = app.settings.login_failure_window.get();
    now - window.max(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_by_its_network() {
        assert_eq!(network_of("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(network_of("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(network_of("203.0.113.7"), "203.0.113.7");
        assert_eq!(network_of("::ffff:203.0.113.7"), "::ffff:203.0.113.7");
    }
}
