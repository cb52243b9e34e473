//! Who is on the other end of a request: IP address and user agent, for
//! throttling, the sessions list and the security event log. Plain values;
//! the extractor that fills them from a request is in [`web::extract`].
//!
//! [`web::extract`]: crate::web::extract

use std::net::IpAddr;

/// The client as the server sees it.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub(crate) ip: String,
    pub(crate) user_agent: String,
}

/// Longest user agent kept (the rest is noise, and rows stay small).
const USER_AGENT_MAX: usize = 300;

impl ClientInfo {
    pub fn new(ip: String, user_agent: &str) -> Self {
        ClientInfo {
            ip,
            user_agent: user_agent.chars().take(USER_AGENT_MAX).collect(),
        }
    }
}

/// The socket's peer address, unless that peer is the configured trusted
/// proxy: then the last address the proxy appended to `X-Forwarded-For`.
/// A client cannot spoof its address by sending that header itself.
pub(crate) fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted_proxy: Option<IpAddr>,
) -> String {
    if peer.is_some() && peer == trusted_proxy {
        let forwarded = forwarded_for
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
        if let Some(ip) = forwarded {
            return ip.to_string();
        }
    }
    peer.map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

/// "Firefox on Linux", from a user-agent string; good enough for a list of
/// one's own sessions, not for analytics.
pub(crate) fn describe_user_agent(ua: &str) -> String {
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
        let peer = Some("10.0.0.1".parse().unwrap());
        let forwarded = Some("203.0.113.9, 198.51.100.7");
        assert_eq!(client_ip(peer, forwarded, None), "10.0.0.1");
        assert_eq!(
            client_ip(peer, forwarded, Some("10.0.0.2".parse().unwrap())),
            "10.0.0.1"
        );
        assert_eq!(
            client_ip(peer, forwarded, Some("10.0.0.1".parse().unwrap())),
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
