//! The settings that are secrets, and the URLs that may carry one: each
//! hides itself when shown (`Debug`, `Display`, `check-config`), so the
//! settings can be logged whole. The driver gets the real value through
//! [`expose`], a name that stands out wherever it is called.
//!
//! [`expose`]: DatabaseUrl::expose

use std::fmt;

use base64::{engine::general_purpose::STANDARD, Engine};

/// A cookie key (`SESSION_SECRET`). Its `Debug` never prints the bytes.
#[derive(Clone)]
pub(crate) struct SessionSecret(pub(crate) [u8; 64]);

impl SessionSecret {
    /// A new random key.
    pub(crate) fn generate() -> Self {
        SessionSecret(crate::domain::ids::random_bytes())
    }

    /// As `SESSION_SECRET` takes it.
    pub(crate) fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// From `SESSION_SECRET`'s base64. The error says what is wrong, never
    /// what was given: it is a key.
    pub(crate) fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(text)
            .map_err(|_| "must be base64 (of 64 random bytes)".to_string())?;
        let key: [u8; 64] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("must decode to exactly 64 bytes, got {}", b.len()))?;
        Ok(SessionSecret(key))
    }
}

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret(..)")
    }
}

/// A URL that may carry a password: `Debug` and `Display` hide it;
/// [`expose`] gives the URL itself to the driver.
///
/// [`expose`]: DatabaseUrl::expose
macro_rules! url_with_password {
    ($(#[$doc:meta])* $vis:vis $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        $vis struct $name(String);

        impl $name {
            $vis fn new(url: impl Into<String>) -> Self {
                $name(url.into())
            }

            $vis fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                without_password(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }
    };
}

url_with_password!(
    /// The database (`DATABASE_URL`).
    pub DatabaseUrl
);
url_with_password!(
    /// The Redis server of the Redis session store (`REDIS_URL`).
    pub(crate) RedisUrl
);
url_with_password!(
    /// The SMTP server mail goes to (`SMTP_URL`): `smtp://user:pass@host`.
    pub(crate) SmtpUrl
);

/// `postgres://shop:secret@db/shop` -> `postgres://shop:…@db/shop`, and
/// `…?password=secret` -> `…?password=…`.
fn without_password(url: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let (address, query) = match url.split_once('?') {
        Some((address, query)) => (address, Some(query)),
        None => (url, None),
    };
    match (address.find("://"), address.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &address[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') { ":…" } else { "" };
            let (scheme, host) = (&address[..scheme_end], &address[at + 1..]);
            write!(f, "{scheme}://{user}{hidden}@{host}")?;
        }
        _ => f.write_str(address)?,
    }
    let Some(query) = query else { return Ok(()) };
    let shown: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.to_ascii_lowercase().contains("pass") => format!("{key}=…"),
            _ => pair.to_string(),
        })
        .collect();
    write!(f, "?{}", shown.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_shown_hides_its_password_wherever_it_is() {
        let url = DatabaseUrl::new("postgres://shop:hunter2@db.internal:5432/shop");
        assert_eq!(url.to_string(), "postgres://shop:…@db.internal:5432/shop");
        assert_eq!(
            format!("{url:?}"),
            "DatabaseUrl(postgres://shop:…@db.internal:5432/shop)"
        );
        let in_query = DatabaseUrl::new("postgres://shop@db/shop?sslmode=require&password=hunter2");
        assert_eq!(
            in_query.to_string(),
            "postgres://shop@db/shop?sslmode=require&password=…"
        );
        let redis = RedisUrl::new("redis://:hunter2@cache:6379/0");
        assert_eq!(redis.to_string(), "redis://:…@cache:6379/0");
        let smtp = SmtpUrl::new("smtp://shop:hunter2@mail:587?tls=required");
        assert_eq!(
            format!("{smtp:?}"),
            "SmtpUrl(smtp://shop:…@mail:587?tls=required)"
        );
        assert_eq!(
            url.expose(),
            "postgres://shop:hunter2@db.internal:5432/shop"
        );
    }

    #[test]
    fn a_bad_key_is_refused_without_being_repeated() {
        let err = SessionSecret::from_base64("c2hvcnQ=").unwrap_err();
        assert_eq!(err, "must decode to exactly 64 bytes, got 5");
        let err = SessionSecret::from_base64("not base64 at all!").unwrap_err();
        assert!(!err.contains("not base64 at all"), "{err}");
        assert!(format!("{:?}", SessionSecret::generate()) == "SessionSecret(..)");
    }
}
