//! Who is on the other end: IP address and user agent, for throttling, the
//! sessions list and the security event log.

use std::{
    future::{ready, Ready},
    net::IpAddr,
};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::{errors::AppError, startup::AppState};

#[derive(Clone, Debug)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

/// The socket's peer address, unless that peer is the configured trusted
/// proxy: then the last address the proxy appended to `X-Forwarded-For`.
/// A client cannot spoof its address by sending that header itself.
pub fn client_ip(req: &HttpRequest, trusted_proxy: Option<IpAddr>) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    if peer.is_some() && peer == trusted_proxy {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
        if let Some(ip) = forwarded {
            return ip.to_string();
        }
    }
    peer.map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

impl FromRequest for ClientInfo {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trusted = req
            .app_data::<web::Data<AppState>>()
            .and_then(|s| s.settings.trusted_proxy);
        let user_agent = req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(300)
            .collect();
        ready(Ok(ClientInfo {
            ip: client_ip(req, trusted),
            user_agent,
        }))
    }
}

/// "Firefox on Linux", from a user-agent string; good enough for a list of
/// one's own sessions, not for analytics.
pub fn describe_user_agent(ua: &str) -> String {
    if ua.is_empty() {
        return "Unknown browser".into();
    }
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("reqwest", "reqwest"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map_or("Unknown browser", |(_, name)| name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{client_ip, describe_user_agent};

    #[test]
    fn forwarded_for_is_believed_only_from_the_trusted_proxy() {
        let req = actix_web::test::TestRequest::default()
            .peer_addr("10.0.0.1:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "203.0.113.9, 198.51.100.7"))
            .to_http_request();
        assert_eq!(client_ip(&req, None), "10.0.0.1");
        assert_eq!(
            client_ip(&req, Some("10.0.0.2".parse().unwrap())),
            "10.0.0.1"
        );
        assert_eq!(
            client_ip(&req, Some("10.0.0.1".parse().unwrap())),
            "198.51.100.7",
            "the address the proxy itself appended"
        );
    }

    #[test]
    fn names_common_browsers() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe_user_agent(firefox), "Firefox on Linux");
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                      (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe_user_agent(chrome), "Chrome on Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) \
                      AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(safari), "Safari on iOS");
    }
}
