//! Preferences, profile, password change, sessions list, account deletion.

use reqwest::StatusCode;

use crate::common::{location, Browser, Page, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "purple elephant dancing quietly";

async fn change_password(
    browser: &Browser,
    current: &str,
    new: &str,
    confirm: &str,
) -> reqwest::Response {
    let fields = [
        ("current_password", current),
        ("new_password", new),
        ("new_password_confirm", confirm),
    ];
    browser.post("/profile/password", &fields).await
}

#[tokio::test]
async fn a_guests_preferences_apply_at_once_and_move_into_the_account_at_login() {
    let app = TestApp::spawn().await;
    app.user("bea@example.com").await.logout().await;
    let browser = app.browser();
    let res = browser
        .post("/preferences", &[("theme", "dark"), ("page_size", "24")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = browser.page("/products", StatusCode::OK).await;
    assert!(html.theme() == "dark");
    assert!(html.says("24 per page"), "{html}");

    browser.login("bea@example.com", PASSWORD).await;
    assert!(browser.page("/", StatusCode::OK).await.theme() == "dark");

    // A new browser gets the account's preferences at login.
    let elsewhere = app.browser();
    assert!(elsewhere.page("/", StatusCode::OK).await.theme() == "system");
    elsewhere.login("bea@example.com", PASSWORD).await;
    let html = elsewhere.page("/products", StatusCode::OK).await;
    assert!(html.theme() == "dark" && html.says("24 per page"), "{html}");
}

#[tokio::test]
async fn the_theme_toggle_returns_to_its_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser
        .post(
            "/preferences",
            &[("theme", "dark"), ("back", "/products?page=2")],
        )
        .await;
    assert_eq!(location(&res), "/products?page=2");
    let res = browser
        .post(
            "/preferences",
            &[("theme", "light"), ("back", "//evil.example")],
        )
        .await;
    assert_eq!(location(&res), "/preferences");
}

#[tokio::test]
async fn invalid_preferences_are_refused_with_422_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let browser = app.user("cal@example.com").await;
    for fields in [
        [("theme", "neon"), ("page_size", "12")],
        [("theme", "dark"), ("page_size", "7")],
        [("theme", "dark"), ("page_size", "lots")],
    ] {
        let res = browser.post("/preferences", &fields).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = Page::from_response(res).await;
        assert!(page.says("Choose"), "{page}");
    }
    let html = browser.page("/products", StatusCode::OK).await;
    assert!(
        html.theme() == "system" && html.says("12 per page"),
        "{html}"
    );
}

#[tokio::test]
async fn the_profile_shows_the_account_and_changes_the_display_name() {
    let app = TestApp::spawn().await;
    let browser = app.user("dan@example.com").await;
    let html = browser.page("/profile", StatusCode::OK).await;
    assert!(
        html.says("dan@example.com") && html.says("Member since"),
        "{html}"
    );
    assert!(html.says("0 orders"), "{html}");
    assert!(
        html.has("main a[href=\"/profile/sessions\"]") && html.has("main a[href=\"/preferences\"]")
    );

    let res = browser
        .post("/profile", &[("display_name", "  Daniel  ")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(browser
        .page("/profile", StatusCode::OK)
        .await
        .field("display_name")
        .is_some_and(|name| name == "Daniel"));

    let long = "d".repeat(51);
    let res = browser.post("/profile", &[("display_name", &long)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(res).await;
    let error = page.error_for("display_name").unwrap_or_default();
    assert!(error.contains("50 characters"), "{page}");
    assert_eq!(
        page.field("display_name"),
        Some(long),
        "what was typed is kept"
    );
    let res = browser.post("/profile", &[("display_name", "   ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(browser
        .page("/", StatusCode::OK)
        .await
        .signed_in_as()
        .is_some_and(|name| name == "Daniel"));
}

#[tokio::test]
async fn changing_the_password_renews_this_session_and_ends_the_others() {
    let app = TestApp::spawn().await;
    let browser = app.user("eli@example.com").await;
    let other = app.browser();
    other.login("eli@example.com", PASSWORD).await;
    let before = browser.cookie().unwrap();

    let res = change_password(&browser, "not my password", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(res).await;
    let error = page.error_for("current_password").unwrap_or_default();
    assert!(error.contains("not your current password"), "{page}");
    for (new, confirm, field, message) in [
        ("short", "short", "new_password", "at least 8"),
        (
            PASSWORD,
            PASSWORD,
            "new_password",
            "different from the current",
        ),
        (NEW_PASSWORD, "typo", "new_password_confirm", "do not match"),
    ] {
        let res = change_password(&browser, PASSWORD, new, confirm).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = Page::from_response(res).await;
        let error = page.error_for(field).unwrap_or_default();
        assert!(error.contains(message), "{field}: {message}: {page}");
    }
    assert!(other.is_logged_in().await, "nothing changed yet");

    let res = change_password(&browser, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_ne!(browser.cookie().unwrap(), before, "a new cookie");
    let profile = browser.page("/profile", StatusCode::OK).await;
    assert!(
        profile.flash_says("1 other session was signed out"),
        "{profile}"
    );
    assert!(!other.is_logged_in().await);

    let thief = app.browser();
    thief.set_cookie(&before);
    assert!(!thief.is_logged_in().await, "the pre-change cookie is dead");

    let fresh = app.browser();
    assert_eq!(
        fresh.login("eli@example.com", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        fresh.login("eli@example.com", NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn wrong_current_passwords_count_towards_throttling() {
    let app = TestApp::spawn().await;
    let browser = app.user("fox@example.com").await;
    for _ in 0..5 {
        change_password(&browser, "guess guess", NEW_PASSWORD, NEW_PASSWORD).await;
    }
    let res = app.browser().login("fox@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// The browser of each row of the sessions list, without the tag that
/// marks this one.
fn browsers(page: &Page) -> Vec<String> {
    page.texts("table.sessions td.row-title")
        .into_iter()
        .map(|cell| cell.trim_end_matches(" this browser").to_string())
        .collect()
}

#[tokio::test]
async fn the_sessions_list_shows_each_browser_and_revoking_one_logs_it_out() {
    let app = TestApp::spawn().await;
    let laptop = app.user("gus@example.com").await;
    let phone = app.browser();
    phone.login("gus@example.com", PASSWORD).await;

    let html = laptop.page("/profile/sessions", StatusCode::OK).await;
    assert_eq!(browsers(&html), ["Firefox on Linux", "Firefox on Linux"]);
    assert_eq!(
        html.text_of("table.sessions tr.current .tag").as_deref(),
        Some("this browser")
    );
    let ips = html.texts("table.sessions td[data-label='IP address']");
    assert_eq!(ips, ["127.0.0.1", "127.0.0.1"]);
    // The sign-out form of the other row (this browser's row has none).
    let action = html
        .attr("table.sessions form[action$='/revoke']", "action")
        .expect("a sign-out form for the other browser");
    let handle = action
        .strip_prefix("/profile/sessions/")
        .and_then(|rest| rest.strip_suffix("/revoke"))
        .expect("/profile/sessions/{handle}/revoke")
        .to_string();
    let secret_ids: Vec<String> = sqlx::query_scalar("SELECT id FROM logins")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    // Nowhere in the markup either: not in a form's action, not in an
    // attribute.
    assert!(
        secret_ids
            .iter()
            .all(|id| !html.markup().contains(id.as_str())),
        "secret ids stay secret"
    );

    let res = laptop
        .post(&format!("/profile/sessions/{handle}/revoke"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!phone.is_logged_in().await);
    assert!(laptop.is_logged_in().await);
    let html = laptop.page("/profile/sessions", StatusCode::OK).await;
    assert_eq!(browsers(&html), ["Firefox on Linux"]);
}

#[tokio::test]
async fn revoke_others_keeps_only_this_browser() {
    let app = TestApp::spawn().await;
    let main = app.user("hew@example.com").await;
    let (b, c) = (app.browser(), app.browser());
    b.login("hew@example.com", PASSWORD).await;
    c.login("hew@example.com", PASSWORD).await;
    let res = main.post("/profile/sessions/revoke-others", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(main
        .page("/profile/sessions", StatusCode::OK)
        .await
        .flash_says("Signed out of 2 other sessions"));
    assert!(!b.is_logged_in().await && !c.is_logged_in().await && main.is_logged_in().await);
}

#[tokio::test]
async fn someone_elses_session_cannot_be_revoked() {
    let app = TestApp::spawn().await;
    let victim = app.user("ivy@example.com").await;
    let html = victim.page("/profile/sessions", StatusCode::OK).await;
    let _ = html;
    let victim_handle: String = sqlx::query_scalar("SELECT handle FROM logins")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let attacker = app.user("jay@example.com").await;
    let res = attacker
        .post(&format!("/profile/sessions/{victim_handle}/revoke"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = attacker.post("/profile/sessions/made-up/revoke", &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(victim.is_logged_in().await);
}

#[tokio::test]
async fn deleting_the_account_removes_its_data_and_kills_the_cookie() {
    let app = TestApp::spawn().await;
    let browser = app.user("kai@example.com").await;
    browser.add_to_cart(1, 1).await;
    browser.post("/checkout", &[]).await;
    browser.add_to_cart(2, 1).await;
    let cookie = browser.cookie().unwrap();

    let res = browser
        .post("/account/delete", &[("password", "wrong password")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(res).await;
    let error = page.error_for("delete_password").unwrap_or_default();
    assert!(error.contains("the account was not deleted"), "{page}");
    assert!(page.says("Delete my account"), "the form is still there");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);

    let res = browser
        .post("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/goodbye");
    assert_eq!(
        res.headers().get("clear-site-data").unwrap(),
        "\"cookies\", \"storage\"",
        "every cookie goes with the account, a remembered browser's too"
    );
    assert!(browser
        .page("/goodbye", StatusCode::OK)
        .await
        .says("Your account is deleted"));
    for table in ["users", "logins", "cart_items", "security_events"] {
        assert_eq!(
            app.scalar(&format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE user_id IS NULL")
            .await,
        1
    );

    let thief = app.browser();
    thief.set_cookie(&cookie);
    assert!(!thief.is_logged_in().await);
    assert_eq!(
        app.browser()
            .login("kai@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn the_security_log_records_each_event() {
    let app = TestApp::spawn().await;
    let browser = app.user("lee@example.com").await;
    app.browser()
        .login("lee@example.com", "wrong password here")
        .await;
    browser.logout().await;
    browser.login("lee@example.com", PASSWORD).await;
    let other = app.browser();
    other.login("lee@example.com", PASSWORD).await;
    browser.post("/profile/sessions/revoke-others", &[]).await;
    change_password(&browser, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    let page = browser.page("/profile", StatusCode::OK).await;
    let what = page.texts("table.events td:nth-child(2)");
    for label in [
        "Account created",
        "Signed in",
        "Failed sign-in (wrong password)",
        "Signed out",
        "Another session signed out",
        "Password changed",
    ] {
        assert!(what.iter().any(|w| w == label), "{label}: {what:?}");
    }
    let ips = page.texts("table.events td:nth-child(3)");
    let browsers = page.texts("table.events td:nth-child(4)");
    assert!(ips.iter().all(|ip| ip == "127.0.0.1"), "{ips:?}");
    assert!(
        browsers.iter().all(|b| b == "Firefox on Linux"),
        "{browsers:?}"
    );
    // Stored as stable codes; the page says them in words.
    let codes = app
        .scalar("SELECT COUNT(*) FROM security_events WHERE kind IN ('logged_in', 'login_failed')")
        .await;
    assert_eq!(codes, 4, "three sign-ins and one failure");
}

#[tokio::test]
async fn a_guest_theme_toggle_does_not_reset_the_accounts_page_size() {
    let app = TestApp::spawn().await;
    let account = app.user("wyn@example.com").await;
    account
        .post("/preferences", &[("theme", "light"), ("page_size", "24")])
        .await;
    account.logout().await;

    let browser = app.browser();
    browser
        .post("/preferences", &[("theme", "dark"), ("back", "/")])
        .await;
    browser.login("wyn@example.com", PASSWORD).await;
    let html = browser.page("/products", StatusCode::OK).await;
    assert!(html.theme() == "dark", "the guest's choice");
    assert!(html.says("24 per page"), "the account's own page size");
}
