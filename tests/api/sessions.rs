//! The session itself: renewal at login, revocation at logout, timeouts,
//! tampering, and the inspector.

use reqwest::StatusCode;

use crate::common::{set_cookie_named, Page, TestApp, PASSWORD};

#[tokio::test]
async fn login_issues_a_new_cookie_and_the_old_one_stays_a_guest() {
    let app = TestApp::spawn().await;
    app.user("fay@example.com").await.logout().await;

    let browser = app.browser();
    browser.add_to_cart(1, 1).await;
    let guest_token = browser.csrf_token().await;
    let guest_cookie = browser
        .cookie()
        .expect("a guest with a cart has a session cookie");
    let guest_inspector = browser.page("/session", StatusCode::OK).await;

    browser.login("fay@example.com", PASSWORD).await;
    let user_cookie = browser.cookie().unwrap();
    assert_ne!(guest_cookie, user_cookie);
    let user_inspector = browser.page("/session", StatusCode::OK).await;
    assert_ne!(
        guest_inspector.session_fingerprint(),
        user_inspector.session_fingerprint(),
        "new session id"
    );
    assert_ne!(browser.csrf_token().await, guest_token, "new CSRF token");

    // Someone who copied the pre-login cookie is not logged in.
    let thief = app.browser();
    thief.set_cookie(&guest_cookie);
    assert!(!thief.is_logged_in().await);
}

#[tokio::test]
async fn logging_in_over_a_login_ends_the_first_session() {
    let app = TestApp::spawn().await;
    app.user("nia@example.com").await;
    let browser = app.user("oz@example.com").await;
    let first = browser.cookie().unwrap();
    browser.login("nia@example.com", PASSWORD).await;
    let thief = app.browser();
    thief.set_cookie(&first);
    assert!(!thief.is_logged_in().await);
    let live = app
        .scalar("SELECT COUNT(*) FROM logins WHERE revoked_at IS NULL")
        .await;
    assert_eq!(live, 2, "one per account, not three");
}

#[tokio::test]
async fn after_logout_a_copied_cookie_is_worthless() {
    let app = TestApp::spawn().await;
    let browser = app.user("gil@example.com").await;
    let stolen = browser.cookie().unwrap();

    let thief = app.browser();
    thief.set_cookie(&stolen);
    assert!(thief.is_logged_in().await, "before logout the copy works");

    let res = browser.logout().await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let clear = res
        .headers()
        .get("clear-site-data")
        .unwrap()
        .to_str()
        .unwrap();
    // Not "cookies": a browser remembered for two-step sign-in stays so.
    assert_eq!(clear, "\"storage\"");
    let set_cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(set_cookie.contains("Max-Age=0") || set_cookie.contains("expires=Thu, 01 Jan 1970"));

    let thief = app.browser();
    thief.set_cookie(&stolen);
    assert!(!thief.is_logged_in().await);
    let res = thief.get("/profile").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_idle_session_expires_and_activity_keeps_it_alive() {
    let app = TestApp::spawn_with(&[("SESSION_IDLE_TIMEOUT", "300")]).await;
    let browser = app.user("hal@example.com").await;

    for _ in 0..4 {
        app.clock.advance(200);
        assert!(
            browser.is_logged_in().await,
            "activity every 200 s keeps it alive"
        );
    }
    app.clock.advance(300 + 61);
    let home = browser.page("/", StatusCode::OK).await;
    assert!(!home.has_form("/logout"));
    assert_eq!(
        browser.get("/profile").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_timeout_whatever_the_activity() {
    let app = TestApp::spawn_with(&[
        ("SESSION_IDLE_TIMEOUT", "600"),
        ("SESSION_ABSOLUTE_TIMEOUT", "1800"),
    ])
    .await;
    let browser = app.user("ida@example.com").await;
    for _ in 0..3 {
        app.clock.advance(500);
        assert!(browser.is_logged_in().await);
    }
    app.clock.advance(301);
    let home = browser.page("/", StatusCode::OK).await;
    assert!(!home.has_form("/logout"));
}

#[tokio::test]
async fn remember_me_extends_the_absolute_timeout() {
    let app = TestApp::spawn_with(&[
        ("SESSION_IDLE_TIMEOUT", "600"),
        ("SESSION_ABSOLUTE_TIMEOUT", "1800"),
        ("SESSION_REMEMBER_ME_TIMEOUT", "86400"),
    ])
    .await;
    app.user("jo@example.com").await.logout().await;
    let browser = app.browser();
    let res = browser
        .post(
            "/login",
            &[
                ("email", "jo@example.com"),
                ("password", PASSWORD),
                ("remember_me", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for _ in 0..8 {
        app.clock.advance(500);
        assert!(
            browser.is_logged_in().await,
            "past 1800 s thanks to remember-me"
        );
    }
    // Active all along (steps under the idle timeout), it still ends once
    // the remember-me lifetime is over.
    for _ in 0..(86400 / 500 - 8) {
        app.clock.advance(500);
        assert!(browser.is_logged_in().await);
    }
    app.clock.advance(500);
    let home = browser.page("/", StatusCode::OK).await;
    assert!(!home.has_form("/logout"));
}

#[tokio::test]
async fn a_tampered_cookie_means_a_fresh_guest_session_not_an_error() {
    let app = TestApp::spawn().await;
    let browser = app.user("kim@example.com").await;
    let mut cookie = browser.cookie().unwrap();
    let flipped = if cookie.ends_with('A') { 'B' } else { 'A' };
    cookie.pop();
    cookie.push(flipped);

    let forger = app.browser();
    forger.set_cookie(&cookie);
    let home = forger.page("/", StatusCode::OK).await;
    assert_eq!(home.signed_in_as(), None, "a fresh guest");
    // A page view replaces no cookie it could not open; the page's forms
    // work with the signed csrf cookie.
    assert_eq!(forger.cookie(), Some(cookie.clone()));
    assert_eq!(
        forger.add_to_cart(1, 1).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_ne!(
        forger.cookie(),
        Some(cookie),
        "a form that stored something"
    );
    assert_eq!(forger.cart_count().await, 1);

    forger.set_cookie("not-even-base64!!");
    assert_eq!(forger.get("/cart").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_inspector_shows_the_state_but_not_the_csrf_token() {
    let app = TestApp::spawn().await;
    let browser = app.user("lou@example.com").await;
    let token = browser.csrf_token().await;
    browser.page("/session", StatusCode::OK).await;
    let html = browser.page("/session", StatusCode::OK).await;
    assert!(html.says("yes, as lou@example.com"), "{html}");
    assert!(html.says("HttpOnly; SameSite=Lax; Path=/"), "{html}");
    assert!(html.says("of 4096 bytes"), "{html}");
    assert!(html.says("Idle timeout"), "{html}");
    let state = html.text_of("pre.state").unwrap();
    assert!(state.contains("\"user_id\""), "{state}");
    assert!(
        !state.contains(&token),
        "the token is not shown in the state dump"
    );
    let secret: String = sqlx::query_scalar("SELECT id FROM logins")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // Nowhere in the markup either: not in an attribute, not in a comment.
    assert!(
        !html.markup().contains(&secret[..6]),
        "no part of the session id reaches the page"
    );
}

#[tokio::test]
async fn housekeeping_clears_away_rows_of_sessions_that_ended_a_day_ago() {
    let app = TestApp::spawn().await;
    let browser = app.user("pam@example.com").await;
    browser.logout().await;
    browser.login("pam@example.com", PASSWORD).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM logins").await, 2);
    app.clock.advance(2 * 86_400);
    app.browser().login("pam@example.com", PASSWORD).await;
    app.sweep().await;
    // The revoked row and the one past its absolute timeout ended more than
    // a day ago: only the new login's row is left.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM logins").await, 1);
    // A session that ended less than a day ago is kept for now.
    app.clock.advance(13 * 3600);
    app.browser().login("pam@example.com", PASSWORD).await;
    app.sweep().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM logins").await, 2);
}

#[tokio::test]
async fn housekeeping_runs_by_itself_off_the_request_path() {
    let app = TestApp::spawn_with(&[("HOUSEKEEPING_INTERVAL", "1")]).await;
    let browser = app.user("pat@example.com").await;
    browser.logout().await;
    app.sql("INSERT INTO rate_limits (bucket, window_start, attempts) VALUES ('client:x', 0, 1)")
        .await;
    app.clock.advance(2 * 86_400);
    // Nothing but the task deletes them now: no request is made.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let left = app.scalar("SELECT COUNT(*) FROM logins").await
            + app.scalar("SELECT COUNT(*) FROM rate_limits").await;
        if left == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{left} rows still there after 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn only_keep_me_signed_in_makes_the_login_cookie_outlive_the_browser() {
    let app = TestApp::spawn().await;
    app.user("raj@example.com").await.logout().await;
    let set_cookie =
        |res: &reqwest::Response| set_cookie_named(res, "session").expect("a session cookie");

    let guest = app.browser().add_to_cart(1, 1).await;
    assert!(
        set_cookie(&guest).contains("Max-Age="),
        "a guest cart waits"
    );

    let plain = app.browser().login("raj@example.com", PASSWORD).await;
    let cookie = set_cookie(&plain);
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "a browser-session cookie: {cookie}"
    );
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    let browser = app.browser();
    let remembered = browser
        .post(
            "/login",
            &[
                ("email", "raj@example.com"),
                ("password", PASSWORD),
                ("remember_me", "on"),
            ],
        )
        .await;
    assert!(set_cookie(&remembered).contains("Max-Age=2592000"));
    let logout = browser.logout().await;
    assert!(
        set_cookie(&logout).contains("Max-Age=0"),
        "logout still removes it"
    );
}

#[tokio::test]
async fn a_page_view_that_changes_nothing_sends_no_cookie() {
    let app = TestApp::spawn().await;
    let guest = app.browser();
    guest.add_to_cart(1, 1).await;
    for browser in [guest, app.user("quiet@example.com").await] {
        // The first view may note a flash or a fresh session; the next do not.
        browser.page("/products", StatusCode::OK).await;
        for path in ["/", "/products", "/cart", "/session"] {
            let res = browser.get(path).await;
            assert_eq!(res.status(), StatusCode::OK);
            assert!(res.headers().get("set-cookie").is_none(), "{path}");
        }
        // A minute later, "last seen" is noted once: one new cookie.
        app.clock.advance(61);
        assert!(browser.get("/").await.headers().get("set-cookie").is_some());
        assert!(browser.get("/").await.headers().get("set-cookie").is_none());
    }
}

#[tokio::test]
async fn registering_over_a_login_ends_the_first_session() {
    let app = TestApp::spawn().await;
    let browser = app.user("first@example.com").await;
    let first = browser.cookie().unwrap();
    // The form is not offered to a logged-in visitor; a POST can still come.
    browser.page("/profile", StatusCode::OK).await;
    let account = [
        ("email", "second@example.com"),
        ("display_name", "Second"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let res = browser.post("/register", &account).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let thief = app.browser();
    thief.set_cookie(&first);
    assert!(
        !thief.is_logged_in().await,
        "the first login's cookie is dead"
    );
    let live = "SELECT COUNT(*) FROM logins WHERE revoked_at IS NULL";
    assert_eq!(app.scalar(live).await, 1);
}

#[tokio::test]
async fn the_inspector_says_when_and_why_the_id_last_changed() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let guest = browser.page("/session", StatusCode::OK).await;
    let says = |page: &Page| page.text_of("[data-testid=renewed]").unwrap();
    let step = |page: &Page| page.attr("[data-testid=tour-step]", "href").unwrap();
    assert_eq!(says(&guest), "not since this session began");
    assert_eq!(
        step(&guest),
        "/tour#1-the-first-page-view-a-guest-session-is-minted"
    );
    browser.add_to_cart(1, 1).await;
    let with_cart = browser.page("/session", StatusCode::OK).await;
    assert_eq!(step(&with_cart), "/tour#2-adding-to-the-cart-as-a-guest");

    browser.register("ren@example.com", "Ren", PASSWORD).await;
    let new = "a completely new passphrase";
    browser.page("/profile", StatusCode::OK).await;
    let change = [
        ("current_password", PASSWORD),
        ("new_password", new),
        ("new_password_confirm", new),
    ];
    browser.post("/profile/password", &change).await;
    let after = browser.page("/session", StatusCode::OK).await;
    assert!(
        says(&after).contains("renewed when the password changed"),
        "{after}"
    );
    assert_eq!(step(&after), "/tour#6-changing-the-password-the-others-end");
    let row = after.text_of("[data-testid=server-row]").unwrap();
    assert!(row.contains("\"keep me signed in\" not ticked"), "{row}");

    // A login ended on the server: the browser is a guest again, and told.
    app.sql("UPDATE logins SET revoked_at = 1").await;
    let ended = browser.page("/session", StatusCode::OK).await;
    assert!(
        says(&ended).contains("the login it belonged to was signed out"),
        "{ended}"
    );
    let revoked = "/tour#5-a-second-browser-the-list-of-devices-revoking-one";
    assert_eq!(step(&ended), revoked);
}

#[tokio::test]
async fn keep_me_signed_in_survives_a_night_away_but_not_its_absolute_timeout() {
    let app = TestApp::spawn().await;
    app.user("night@example.com").await.logout().await;
    let (remembered, plain) = (app.browser(), app.browser());
    let form = |remember: bool| {
        let mut fields = vec![("email", "night@example.com"), ("password", PASSWORD)];
        if remember {
            fields.push(("remember_me", "on"));
        }
        fields
    };
    remembered.post("/login", &form(true)).await;
    plain.post("/login", &form(false)).await;

    app.clock.advance(10 * 3600);
    assert!(
        remembered.is_logged_in().await,
        "ten hours away, still signed in"
    );
    assert!(
        !plain.is_logged_in().await,
        "without it, the idle timeout ends the login"
    );
    let inspector = remembered.page("/session", StatusCode::OK).await;
    assert!(
        inspector.says("none: \"keep me signed in\" ends only at the absolute timeout"),
        "{inspector}"
    );

    // Idle rows nobody comes back to are swept a day after they ended;
    // the remembered one stays until its own deadline.
    app.clock.advance(20 * 3600);
    app.sweep().await;
    let rows = app
        .scalar("SELECT COUNT(*) FROM logins WHERE remember_me = 0")
        .await;
    assert_eq!(rows, 0, "the idle login's row is gone");
    assert!(remembered.is_logged_in().await);
    app.clock.advance(30 * 86_400);
    assert!(
        !remembered.is_logged_in().await,
        "30 days after sign-in, it ends"
    );
}

/// `state` (JSON) as the cookie of the release before the three session
/// stores held it: actix-session's map with the state under "state", sealed
/// with the test key.
fn cookie_of_the_last_release(state: &str) -> String {
    use actix_web::cookie::{Cookie, CookieJar, Key};
    let map = serde_json::json!({ "state": state }).to_string();
    let mut jar = CookieJar::new();
    jar.private_mut(&Key::from(&[42u8; 64]))
        .add(Cookie::new("session", map));
    jar.get("session").unwrap().value().to_string()
}

#[tokio::test]
async fn a_cookie_written_by_the_last_release_still_opens() {
    let app = TestApp::spawn_with(&[("SESSION_STORE", "cookie")]).await;
    let now = app.clock.now();
    // A guest's, with a cart and a theme.
    let guest = app.browser();
    guest.set_cookie(&cookie_of_the_last_release(&format!(
        r#"{{"id":"bG9uZy1hZ28tZ3Vlc3QtaWQ","created_at":{now},"last_seen_at":{now},"csrf_token":"dG9rZW4tb2YtdGhlLWxhc3QtcmVsZWFzZS1mb3ItZm9ybXM","prefs":{{"theme":"dark"}},"cart":[[1,2],[3,1]]}}"#
    )));
    let home = guest.page("/", StatusCode::OK).await;
    assert_eq!((home.cart_count(), home.theme().as_str()), (3, "dark"));

    // A login's, without the fields added since (its deadline).
    app.user("old@example.com").await.logout().await;
    app.browser().login("old@example.com", PASSWORD).await;
    let (id, user_id): (String, i64) =
        sqlx::query_as("SELECT id, user_id FROM logins WHERE revoked_at IS NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let login = app.browser();
    login.set_cookie(&cookie_of_the_last_release(&format!(
        r#"{{"id":"{id}","created_at":{now},"last_seen_at":{now},"csrf_token":"YW5vdGhlci10b2tlbi1vZi10aGUtbGFzdC1yZWxlYXNl","user_id":{user_id}}}"#
    )));
    assert!(login.is_logged_in().await, "still signed in");
    let res = login.post("/preferences", &[("theme", "light")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "its forms work");
}
