//! The cookies of a session, sealed and opened under the current key or a
//! previous one (key rotation).
//!
//! - The session cookie (`session`; `__Host-session` when `COOKIE_SECURE`)
//!   carries what the store gave for the state, sealed with AES-256-GCM
//!   ([`CookieJar::private`], the cookie's name bound in): the whole state
//!   with the cookie store, a random key with a server-side store. Either
//!   way the browser can hold it, not read or change it.
//! - The CSRF cookie (`csrf`; `__Host-csrf`), only while the visitor's
//!   session is not stored: a server-side store keeps nothing for a
//!   visitor who only looks, and a page view replaces no session cookie it
//!   did not find valid ([`write_back`]), on any store. The token of their
//!   forms, signed (HMAC-SHA256, [`CookieJar::signed`]), so the server takes
//!   back only tokens it issued (OWASP's signed double-submit cookie). It
//!   is what lets such a visitor post a form without a stored session.
//!
//! `SESSION_SECRET` seals and signs; the keys in `SESSION_SECRET_PREVIOUS`
//! still open what they sealed, and [`web::session`] writes such a cookie
//! back under the current key on its response, so a rotation signs nobody
//! out and empties no cart. A cookie no key opens is no cookie at all (an
//! old or forged one is no fault of the server, and is not logged as one).
//! Rotating never revives a login: a re-sealed cookie still leads to a
//! state that names its `logins` row, and [`services::auth::check_session`] still
//! checks it.
//!
//! [`write_back`]: mod@crate::web::session::write_back
//! [`web::session`]: crate::web::session
//! [`services::auth::check_session`]: crate::services::auth::check_session

use actix_web::{
    cookie::{time::Duration, Cookie, CookieJar, Key, SameSite},
    http::header::{HeaderMap, COOKIE},
};

/// The cookie keys: the current one, then the previous ones.
pub struct Keys {
    pub current: Key,
    pub previous: Vec<Key>,
}

/// What opening a sealed (or checking a signed) cookie found.
pub enum Opened {
    /// The plain value, under the current key.
    WithCurrentKey(String),
    /// The plain value, under a previous key: to be written back under the
    /// current one.
    WithPreviousKey(String),
    No,
}

/// Opens a sealed cookie under the current key, else a previous one.
pub fn open(sealed: &Cookie<'static>, keys: &Keys) -> Opened {
    read(sealed, keys, |jar, key| jar.private(key).get(sealed.name()))
}

/// `plain` sealed under `key`, as the session cookie is (AES-256-GCM, the
/// cookie's name bound in). Only the name and value: attributes are added
/// by the caller.
pub fn seal(name: &str, plain: String, key: &Key) -> Cookie<'static> {
    write(name, plain, |jar, cookie| jar.private_mut(key).add(cookie))
}

/// Checks a signed cookie under the current key, else a previous one.
pub(crate) fn verify(signed: &Cookie<'static>, keys: &Keys) -> Opened {
    read(signed, keys, |jar, key| jar.signed(key).get(signed.name()))
}

/// `value` signed under `key` (HMAC-SHA256): readable, not forgeable.
pub(crate) fn sign(name: &str, value: String, key: &Key) -> Cookie<'static> {
    write(name, value, |jar, cookie| jar.signed_mut(key).add(cookie))
}

/// The value `take` gets out of a jar holding `cookie`, under the current
/// key or else a previous one.
fn read(
    cookie: &Cookie<'static>,
    keys: &Keys,
    take: impl Fn(&CookieJar, &Key) -> Option<Cookie<'static>>,
) -> Opened {
    let mut jar = CookieJar::new();
    jar.add_original(cookie.clone());
    try_keys(keys, |key| take(&jar, key).map(|c| c.value().to_string()))
}

/// The cookie `put` leaves in a jar for `name` and `value`.
fn write(
    name: &str,
    value: String,
    put: impl FnOnce(&mut CookieJar, Cookie<'static>),
) -> Cookie<'static> {
    let mut jar = CookieJar::new();
    put(&mut jar, Cookie::new(name.to_string(), value));
    jar.get(name).cloned().expect("the cookie just added")
}

fn try_keys(keys: &Keys, open: impl Fn(&Key) -> Option<String>) -> Opened {
    if let Some(plain) = open(&keys.current) {
        return Opened::WithCurrentKey(plain);
    }
    keys.previous
        .iter()
        .find_map(open)
        .map_or(Opened::No, Opened::WithPreviousKey)
}

/// The request's cookie named `name`, read as actix reads cookies
/// (UTF-8, percent-decoded), but one that cannot be parsed spoils only
/// itself: [`HttpRequest::cookies`] gives up on the whole header, which would
/// sign a visitor out for a stray cookie of another site's script.
///
/// [`HttpRequest::cookies`]: actix_web::HttpRequest::cookies
pub(crate) fn request_cookie(headers: &HeaderMap, name: &str) -> Option<Cookie<'static>> {
    headers
        .get_all(COOKIE)
        .filter_map(|h| std::str::from_utf8(h.as_bytes()).ok())
        .flat_map(|h| h.split(';'))
        .map(str::trim)
        .filter(|c| c.split('=').next() == Some(name))
        .find_map(|c| Cookie::parse_encoded(c.to_string()).ok())
}

/// The attributes every cookie of a session has: `HttpOnly` (no script
/// reads it), `SameSite=Lax` (a form posted from another site arrives
/// without it), `Path=/`, no `Domain`, and `Secure` when `secure`.
pub(crate) fn with_attributes(mut cookie: Cookie<'static>, secure: bool) -> Cookie<'static> {
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(secure);
    cookie
}

/// A cookie that tells the browser to drop the cookie `name`.
pub(crate) fn removal(name: &str, secure: bool) -> Cookie<'static> {
    let mut cookie = with_attributes(Cookie::new(name.to_string(), ""), secure);
    cookie.make_removal();
    cookie
}

/// `cookie` kept by the browser for `max_age`, or (`None`) until it closes.
pub(crate) fn lasting(mut cookie: Cookie<'static>, max_age: Option<Duration>) -> Cookie<'static> {
    if let Some(max_age) = max_age {
        cookie.set_max_age(max_age);
    }
    cookie
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn keys(current: u8, previous: &[u8]) -> Keys {
        Keys {
            current: Key::from(&[current; 64]),
            previous: previous.iter().map(|b| Key::from(&[*b; 64])).collect(),
        }
    }

    #[test]
    fn a_cookie_opens_under_the_key_that_sealed_it_or_a_previous_one() {
        let sealed = seal("session", "{\"state\":\"x\"}".into(), &Key::from(&[1; 64]));
        assert!(matches!(
            open(&sealed, &keys(1, &[])),
            Opened::WithCurrentKey(plain) if plain == "{\"state\":\"x\"}"
        ));
        match open(&sealed, &keys(2, &[3, 1])) {
            Opened::WithPreviousKey(plain) => assert_eq!(plain, "{\"state\":\"x\"}"),
            _ => panic!("a previous key opens it"),
        }
        assert!(matches!(open(&sealed, &keys(2, &[3])), Opened::No));
    }

    #[test]
    fn a_signed_token_is_readable_but_cannot_be_changed() {
        let signed = sign("csrf", "token".into(), &Key::from(&[1; 64]));
        assert!(signed.value().ends_with("token"));
        assert!(
            matches!(verify(&signed, &keys(1, &[])), Opened::WithCurrentKey(t) if t == "token")
        );
        assert!(matches!(
            verify(&signed, &keys(2, &[1])),
            Opened::WithPreviousKey(_)
        ));
        let forged = Cookie::new("csrf", signed.value().replace("token", "other"));
        assert!(matches!(verify(&forged, &keys(1, &[])), Opened::No));
        let sealed_elsewhere = Cookie::new("csrf", signed.value().to_string());
        assert!(matches!(open(&sealed_elsewhere, &keys(1, &[])), Opened::No));
    }

    #[test]
    fn one_cookie_that_does_not_parse_spoils_only_itself() {
        let mut headers = HeaderMap::new();
        let value = "broken; pref=caf%C3%A9; session=abc%3D";
        headers.insert(COOKIE, HeaderValue::from_static(value));
        assert_eq!(request_cookie(&headers, "session").unwrap().value(), "abc=");
        assert_eq!(request_cookie(&headers, "pref").unwrap().value(), "café");
        assert!(request_cookie(&headers, "broken").is_none());
        assert!(request_cookie(&headers, "sess").is_none());
    }
}
