//! Rotating the cookie key (`SESSION_SECRET`, `SESSION_SECRET_PREVIOUS`):
//! nobody is signed out, nothing a guest has is lost, and nothing ended is
//! revived.

use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::StatusCode;

use crate::common::{TestApp, PASSWORD};

fn key(byte: u8) -> String {
    STANDARD.encode([byte; 64])
}

#[tokio::test]
async fn a_cookie_sealed_under_a_previous_key_is_opened_and_resealed() {
    let (old, new) = (key(1), key(2));
    let app = TestApp::spawn_with(&[("SESSION_SECRET", &old)]).await;
    let user = app.user("rot@example.com").await;
    user.add_to_cart(1, 2).await;
    let guest = app.browser();
    guest.add_to_cart(3, 1).await;
    guest
        .post("/preferences", &[("theme", "dark"), ("back", "/")])
        .await;
    let (user_cookie, guest_cookie) = (user.cookie().unwrap(), guest.cookie().unwrap());

    // The new key is current, the old one still accepted.
    let app = app
        .restart_with(&[("SESSION_SECRET", &new), ("SESSION_SECRET_PREVIOUS", &old)])
        .await;
    let (user, guest) = (app.browser(), app.browser());
    user.set_cookie(&user_cookie);
    guest.set_cookie(&guest_cookie);
    let res = user.get("/cart").await;
    assert!(
        res.headers().contains_key("set-cookie"),
        "re-sealed on its first response"
    );
    let home = user.page("/", StatusCode::OK).await;
    assert_eq!(
        (home.signed_in_as().as_deref(), home.cart_count()),
        (Some("Tester"), 2)
    );
    let home = guest.page("/", StatusCode::OK).await;
    assert_eq!(
        (home.cart_count(), home.theme().as_str()),
        (1, "dark"),
        "the guest's cart and theme"
    );
    let (user_resealed, guest_resealed) = (user.cookie().unwrap(), guest.cookie().unwrap());
    assert_ne!(user_resealed, user_cookie);

    // The old key dropped: the re-sealed cookies work, the old ones are
    // anonymous.
    let app = app.restart_with(&[("SESSION_SECRET", &new)]).await;
    let (user, guest) = (app.browser(), app.browser());
    user.set_cookie(&user_resealed);
    guest.set_cookie(&guest_resealed);
    assert!(user.is_logged_in().await);
    assert_eq!(guest.cart_count().await, 1);
    let (stale_user, stale_guest) = (app.browser(), app.browser());
    stale_user.set_cookie(&user_cookie);
    stale_guest.set_cookie(&guest_cookie);
    assert!(!stale_user.is_logged_in().await);
    assert_eq!(stale_guest.cart_count().await, 0, "a fresh guest session");
    // A page view replaces no cookie it could not open (it may be another
    // instance's, under a key this one does not know yet).
    assert_eq!(stale_guest.cookie(), Some(guest_cookie));
}

#[tokio::test]
async fn a_revoked_session_stays_revoked_across_a_rotation() {
    let (old, new) = (key(5), key(6));
    let app = TestApp::spawn_with(&[("SESSION_SECRET", &old)]).await;
    let user = app.user("rev@example.com").await;
    let copy = user.cookie().unwrap();
    user.logout().await;
    let app = app
        .restart_with(&[("SESSION_SECRET", &new), ("SESSION_SECRET_PREVIOUS", &old)])
        .await;
    let thief = app.browser();
    thief.set_cookie(&copy);
    assert!(
        !thief.is_logged_in().await,
        "opened, re-sealed, and still revoked"
    );
    let res = app.browser().login("rev@example.com", PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the account itself is fine"
    );
}

/// A cookie sealed under `key` the way actix-session seals one.
fn sealed(key: u8, state: &str) -> String {
    use actix_web::cookie::{Cookie, CookieJar, Key};
    let mut jar = CookieJar::new();
    jar.private_mut(&Key::from(&[key; 64]))
        .add(Cookie::new("session", state.to_string()));
    jar.get("session").unwrap().encoded().to_string()
}

#[tokio::test]
async fn another_cookie_with_a_non_ascii_value_does_not_stop_the_resealing() {
    let (old, new) = (key(7), key(8));
    let app = TestApp::spawn_with(&[("SESSION_SECRET", &old)]).await;
    let user = app.user("utf8@example.com").await;
    let session = user.cookie().unwrap();
    let app = app
        .restart_with(&[("SESSION_SECRET", &new), ("SESSION_SECRET_PREVIOUS", &old)])
        .await;
    let cookies = format!("pref=café; session={session}");
    let res = app
        .browser()
        .client
        .get(format!("{}/profile", app.address))
        .header(
            "Cookie",
            reqwest::header::HeaderValue::from_bytes(cookies.as_bytes()).unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn an_old_key_cookie_with_an_unreadable_state_starts_no_session_on_a_post() {
    let (old, new) = (key(9), key(10));
    let app =
        TestApp::spawn_with(&[("SESSION_SECRET", &new), ("SESSION_SECRET_PREVIOUS", &old)]).await;
    let forged = sealed(9, r#"{"state":"not a session state"}"#);
    let res = app
        .browser()
        .client
        .post(format!("{}/preferences", app.address))
        .header("Cookie", forged.to_string())
        .form(&[("theme", "dark")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.headers().get("set-cookie").is_none(),
        "a POST starts no session"
    );
}
