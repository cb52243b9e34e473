//! Key rotation for the session cookie. actix-session opens cookies with
//! one key, `SESSION_SECRET`; this middleware, just outside it, lets the
//! keys in `SESSION_SECRET_PREVIOUS` still open the cookies they sealed:
//!
//! 1. a cookie the current key opens goes through untouched;
//! 2. a cookie a previous key opens is re-sealed under the current key
//!    before the session middleware reads it, and the request is marked
//!    (`Resealed`), so the typed session writes it back and the browser's
//!    copy is under the current key from this response on: the login, the
//!    guest cart and the preferences carry over;
//! 3. a cookie no key opens is dropped from the request (logged at debug,
//!    not as a warning: an old or forged cookie is no fault of the server),
//!    so the visitor is a fresh guest, as with no cookie at all.
//!
//! With no previous key (no rotation under way, the usual case) there is
//! nothing to re-seal, and the middleware steps aside: the session
//! middleware opens the cookie with the current key itself, once, and
//! ignores one it cannot open just as 3. does (its warning about it is kept
//! out of the log, `main.rs`). Opening every cookie twice cost 5.5 % of a
//! signed-in page's instructions (bench/NOTES.md).
//!
//! Rotating never revives a login: a re-sealed cookie still names its
//! `sessions` row, and `auth::check_session` still checks it.
//! README, "Running in production", has the procedure for several instances.

use actix_web::{
    body::MessageBody,
    cookie::{Cookie, CookieJar, Key},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderValue, COOKIE},
    middleware::Next,
    HttpMessage,
};

use crate::{session::Resealed, web::extract::app_state};

/// The cookie keys: the current one first, then the previous ones.
pub struct Keys {
    pub current: Key,
    pub previous: Vec<Key>,
}

pub async fn reseal_old_cookies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let keys = req
        .app_data::<actix_web::web::Data<Keys>>()
        .expect("Keys are registered in startup")
        .clone();
    if keys.previous.is_empty() {
        return next.call(req).await;
    }
    let app = app_state(req.request());
    let name = app.settings.cookie_name();
    let cookies = request_cookies(&req);
    if let Some(sealed) = cookies.iter().find(|c| c.name() == name) {
        match open(sealed, &keys) {
            Opened::WithCurrentKey => {}
            Opened::WithPreviousKey(plain) => {
                let resealed = seal(name, plain, &keys.current);
                replace_cookie(&mut req, &cookies, Some(resealed));
                req.extensions_mut().insert(Resealed);
            }
            Opened::No => {
                tracing::debug!("a session cookie no key opens: treated as none");
                replace_cookie(&mut req, &cookies, None);
            }
        }
    }
    next.call(req).await
}

pub enum Opened {
    WithCurrentKey,
    /// The plain value (the session state, as actix-session stores it).
    WithPreviousKey(String),
    No,
}

pub fn open(sealed: &Cookie<'static>, keys: &Keys) -> Opened {
    let opens = |key: &Key| {
        let mut jar = CookieJar::new();
        jar.add_original(sealed.clone());
        jar.private(key)
            .get(sealed.name())
            .map(|c| c.value().to_string())
    };
    if opens(&keys.current).is_some() {
        return Opened::WithCurrentKey;
    }
    keys.previous
        .iter()
        .find_map(opens)
        .map_or(Opened::No, Opened::WithPreviousKey)
}

/// `plain` sealed under `key`, as actix-session seals (AES-256-GCM, the
/// cookie's name bound in).
pub fn seal(name: &str, plain: String, key: &Key) -> Cookie<'static> {
    let mut jar = CookieJar::new();
    jar.private_mut(key)
        .add(Cookie::new(name.to_string(), plain));
    jar.get(name).cloned().expect("the cookie just added")
}

/// The request's cookies, as actix reads them (percent-decoded). Read from
/// the header, not through `HttpRequest::cookies`, which would keep this
/// reading for the session middleware after the header is rewritten.
fn request_cookies(req: &ServiceRequest) -> Vec<Cookie<'static>> {
    req.headers()
        .get_all(COOKIE)
        // As actix reads them: UTF-8 (a cookie with `é` in it is fine).
        .filter_map(|h| std::str::from_utf8(h.as_bytes()).ok())
        .flat_map(|h| h.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .filter_map(|c| Cookie::parse_encoded(c.to_string()).ok())
        .collect()
}

/// Rewrites the `Cookie` header with the session cookie replaced by
/// `with` (or left out).
fn replace_cookie(
    req: &mut ServiceRequest,
    cookies: &[Cookie<'static>],
    with: Option<Cookie<'static>>,
) {
    let name = with.as_ref().map(|c| c.name().to_string());
    let session_name = app_state(req.request()).settings.cookie_name();
    let kept = cookies
        .iter()
        .filter(|c| c.name() != session_name)
        .chain(with.iter())
        .map(|c| c.stripped().encoded().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    debug_assert!(name.as_deref().is_none_or(|n| n == session_name));
    let unreadable: Vec<HeaderValue> = req
        .headers()
        .get_all(COOKIE)
        .filter(|h| std::str::from_utf8(h.as_bytes()).is_err())
        .cloned()
        .collect();
    let headers = req.headers_mut();
    headers.remove(COOKIE);
    if let Ok(value) = HeaderValue::from_bytes(kept.as_bytes()) {
        if !kept.is_empty() {
            headers.insert(COOKIE, value);
        }
    }
    // A header this could not read goes on as it came.
    for value in unreadable {
        headers.append(COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
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
            Opened::WithCurrentKey
        ));
        match open(&sealed, &keys(2, &[3, 1])) {
            Opened::WithPreviousKey(plain) => assert_eq!(plain, "{\"state\":\"x\"}"),
            _ => panic!("a previous key opens it"),
        }
        assert!(matches!(open(&sealed, &keys(2, &[3])), Opened::No));
        let resealed = seal("session", "{\"state\":\"x\"}".into(), &Key::from(&[2; 64]));
        assert!(matches!(
            open(&resealed, &keys(2, &[])),
            Opened::WithCurrentKey
        ));
    }
}
