//! The session cookie's lifetime. actix-session gives every cookie one
//! lifetime, the longest a session can live (30 days, for "keep me signed
//! in"), which is right for guests: their cart waits for them. A login
//! without "keep me signed in" must end when the browser closes, so its
//! cookie loses `Max-Age` here: a middleware *outside* the session
//! middleware, which has written the cookie by then.

use actix_web::{
    body::MessageBody,
    cookie::Cookie,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderValue, SET_COOKIE},
    middleware::Next,
};

use crate::{session::AppSession, web::extract::app_state};

pub async fn browser_session_logins(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let short_lived =
        AppSession::cached(res.request()).is_some_and(|s| !s.cookie_outlives_browser());
    if !short_lived {
        return Ok(res);
    }
    let name = app_state(res.request()).settings.cookie_name();
    let rewritten: Vec<HeaderValue> = res
        .headers()
        .get_all(SET_COOKIE)
        .map(|value| without_lifetime(value, name).unwrap_or_else(|| value.clone()))
        .collect();
    let headers = res.headers_mut();
    headers.remove(SET_COOKIE);
    for value in rewritten {
        headers.append(SET_COOKIE, value);
    }
    Ok(res)
}

/// The session cookie `value` without `Max-Age` and `Expires`; `None` for
/// any other cookie, and for the session cookie's removal (logout).
fn without_lifetime(value: &HeaderValue, name: &str) -> Option<HeaderValue> {
    let mut cookie = Cookie::parse(value.to_str().ok()?).ok()?;
    let removal = cookie.max_age().is_some_and(|age| age.is_zero());
    if cookie.name() != name || removal {
        return None;
    }
    cookie.set_max_age(None);
    cookie.unset_expires();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_session_cookie_loses_its_lifetime() {
        let header = |s: &str| HeaderValue::from_str(s).unwrap();
        let session = header("session=abc; Path=/; Max-Age=2592000; HttpOnly");
        let stripped = without_lifetime(&session, "session").unwrap();
        assert_eq!(stripped.to_str().unwrap(), "session=abc; HttpOnly; Path=/");
        let other = header("tracking=xyz; Path=/; Max-Age=600");
        assert_eq!(without_lifetime(&other, "session"), None);
        let removal = header("session=; Path=/; Max-Age=0");
        assert_eq!(without_lifetime(&removal, "session"), None);
    }
}
