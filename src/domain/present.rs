//! How numbers are written for people: money, times, lengths of time.
//! Pages ([`web::page`]'s filters) and mail ([`services::mail::letters`]) share them.
//!
//! [`web::page`]: crate::web::page
//! [`services::mail::letters`]: crate::services::mail::letters

use time::{macros::format_description, OffsetDateTime};

/// 1234 cents -> "€12.34".
pub(crate) fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    format!("{sign}€{}.{:02}", cents / 100, cents % 100)
}

/// Unix seconds -> "2026-11-26 18:31 UTC".
pub(crate) fn datetime(at: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| "-".into())
}

/// A duration in seconds -> "29 min", "11 h 58 min", "2 d 3 h".
pub(crate) fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// A setting's length of time in the largest whole unit: "30 days",
/// "12 hours", "30 minutes", "90 seconds".
pub(crate) fn period(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match seconds {
        s if s > 0 && s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s > 0 && s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s > 0 && s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}
