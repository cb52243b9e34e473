//! The write-back (`web::session::write_back`) as a browser meets it: a
//! late request never signs anyone out, concurrent requests of one
//! session lose no change on a server-side store, a replayed cookie
//! cannot fill a store, and a stored state is the state's JSON itself.
//! Each runs on the store under test (`TEST_SESSION_STORE`); those about a
//! server-side store run on it when it is one, else on the database store.

use cookie_jar::domain::config::SessionStoreKind;
use futures_util::StreamExt;
use reqwest::{StatusCode, Url};
use sqlx::AssertSqlSafe;

use crate::common::{redis_url, server_store, set_cookie_named, Browser, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "purple elephant dancing quietly";

/// A request of `browser` that was sent with the session cookie `old`
/// and answered now, after what the browser did since: its answer lands
/// in the browser's jar, as a real browser takes whatever cookie comes
/// last. Returns the answer's `Set-Cookie` for the session, if any.
async fn late_page_view(browser: &Browser, old: &str, path: &str) -> Option<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(browser.url(path))
        .header("cookie", format!("session={old}"))
        .send()
        .await
        .expect("GET");
    assert!(res.status().is_success(), "{path}: {}", res.status());
    let url: Url = browser.base.parse().unwrap();
    for cookie in res.headers().get_all("set-cookie") {
        browser.jar.add_cookie_str(cookie.to_str().unwrap(), &url);
    }
    set_cookie_named(&res, "session")
}

async fn shop() -> TestApp {
    TestApp::spawn().await
}

#[tokio::test]
async fn a_late_page_view_after_sign_in_keeps_the_login() {
    let app = shop().await;
    app.user("late@example.com").await.logout().await;
    let browser = app.browser();
    // A guest with a line and a message waiting: what a tab still loading
    // pages would carry.
    browser.add_to_cart(1, 1).await;
    let guest = browser.cookie().expect("a stored guest state");
    browser.login("late@example.com", PASSWORD).await;
    assert!(browser.is_logged_in().await);
    for path in ["/cart", "/", "/products"] {
        let set = late_page_view(&browser, &guest, path).await;
        assert_eq!(set, None, "{path}: the late answer names no session cookie");
        assert!(browser.is_logged_in().await, "still signed in after {path}");
    }
}

#[tokio::test]
async fn a_late_page_that_shows_a_guests_last_message_keeps_the_login() {
    let app = shop().await;
    app.sql("UPDATE products SET stock = 0 WHERE id = 2").await;
    app.user("shown@example.com").await.logout().await;
    let browser = app.browser();
    // A refused add: the state holds only the message why.
    browser.add_to_cart(2, 1).await;
    let guest = browser.cookie().expect("the message is kept");
    browser.login("shown@example.com", PASSWORD).await;
    let set = late_page_view(&browser, &guest, "/cart").await;
    assert_eq!(set, None);
    assert!(browser.is_logged_in().await);
}

#[tokio::test]
async fn a_late_page_view_after_a_password_change_keeps_the_login() {
    let app = shop().await;
    let browser = app.user("change@example.com").await;
    let before = browser.cookie().unwrap();
    browser.page("/profile", StatusCode::OK).await;
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
        ("new_password_confirm", NEW_PASSWORD),
    ];
    let res = browser.post("/profile/password", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for path in ["/", "/cart", "/session"] {
        let set = late_page_view(&browser, &before, path).await;
        assert_eq!(set, None, "{path}");
        assert!(browser.is_logged_in().await, "still signed in after {path}");
    }
}

#[tokio::test]
async fn a_login_signed_out_elsewhere_is_a_guest_page_and_a_late_view_keeps_the_next_login() {
    let app = shop().await;
    let phone = app.user("two@example.com").await;
    let laptop = app.browser();
    laptop.login("two@example.com", PASSWORD).await;
    let revoked = laptop.cookie().unwrap();
    phone.page("/profile/sessions", StatusCode::OK).await;
    phone.post("/profile/sessions/revoke-others", &[]).await;

    // The laptop's next page: a guest page that says why, and no word
    // about its cookie.
    let res = laptop.get("/").await;
    assert_eq!(set_cookie_named(&res, "session"), None);
    let page = crate::common::Page::from_response(res).await;
    assert_eq!(page.signed_in_as(), None);
    assert!(
        page.flash_says("You were signed out of this browser"),
        "{page}"
    );
    // Its forms work (the token of the signed csrf cookie), and it signs
    // in again.
    let res = laptop.login("two@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(laptop.is_logged_in().await);
    // A late page with the revoked cookie leaves the new login alone.
    let set = late_page_view(&laptop, &revoked, "/").await;
    assert_eq!(set, None);
    assert!(laptop.is_logged_in().await);
}

#[tokio::test]
async fn only_signing_out_removes_the_session_cookie() {
    let app = shop().await;
    let browser = app.user("bye@example.com").await;
    browser.add_to_cart(1, 1).await;
    for path in ["/", "/cart", "/profile", "/session"] {
        let res = browser.get(path).await;
        let set = set_cookie_named(&res, "session").unwrap_or_default();
        assert!(!set.contains("Max-Age=0"), "{path}: {set}");
    }
    let res = browser.logout().await;
    let removal = set_cookie_named(&res, "session").expect("a removal");
    assert!(removal.contains("Max-Age=0"), "{removal}");
}

/// Ten "add product i" of one guest at once, after a first line: the
/// lines the guest ends with.
async fn ten_parallel_adds(app: &TestApp) -> usize {
    app.add_products(1001..1011).await;
    let browser = app.browser();
    browser.add_to_cart(1, 1).await;
    let token = browser.csrf_token().await;
    let adds = (1001..1011).map(|id| {
        let (client, url, token) = (
            browser.client.clone(),
            browser.url("/cart/items"),
            token.clone(),
        );
        async move {
            let form = [
                ("product_id", id.to_string()),
                ("quantity", "1".to_string()),
                ("csrf_token", token),
            ];
            client.post(url).form(&form).send().await.unwrap().status()
        }
    });
    let statuses = futures_util::future::join_all(adds).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::SEE_OTHER),
        "{statuses:?}"
    );
    browser
        .page("/cart", StatusCode::OK)
        .await
        .count(".qty-cell")
}

#[tokio::test]
async fn ten_parallel_adds_of_one_guest_keep_ten_lines_on_a_server_store() {
    let app = TestApp::spawn_with(&[("SESSION_STORE", server_store())]).await;
    assert_eq!(ten_parallel_adds(&app).await, 11, "every change kept");
}

/// The cookie store cannot do it: each answer carries the whole state,
/// and the browser keeps the last one. docs/SESSIONS.md says so.
#[tokio::test]
async fn on_the_cookie_store_parallel_adds_of_one_guest_keep_only_the_last_answer() {
    let app = TestApp::spawn_with(&[("SESSION_STORE", "cookie")]).await;
    let lines = ten_parallel_adds(&app).await;
    assert!(lines < 11, "the last cookie wins: {lines} lines");
}

#[tokio::test]
async fn one_replayed_csrf_cookie_cannot_fill_a_server_store() {
    let limit = 30;
    let app = TestApp::spawn_with(&[
        ("SESSION_STORE", server_store()),
        ("NEW_SESSIONS_PER_CLIENT_PER_MINUTE", "30"),
    ])
    .await;
    // One visitor's first page: its signed csrf cookie and the token.
    let res = app.browser().get("/products").await;
    let csrf = set_cookie_named(&res, "csrf").expect("a csrf cookie");
    let csrf = csrf.split(';').next().unwrap().to_string();
    let page = crate::common::Page::from_response(res).await;
    let token = page.csrf_token().unwrap();
    let replayer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let replays = futures_util::stream::iter(0..1000)
        .map(|_| {
            let form = [
                ("product_id", "1"),
                ("quantity", "1"),
                ("csrf_token", &token),
            ];
            replayer
                .post(format!("{}/cart/items", app.address))
                .header("cookie", &csrf)
                .form(&form)
                .send()
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    let mut answers = std::collections::BTreeMap::new();
    for res in replays {
        let res = res.unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            assert_eq!(set_cookie_named(&res, "session"), None, "nothing stored");
        }
        *answers.entry(res.status().as_u16()).or_insert(0) += 1;
    }
    assert_eq!(app.stored_sessions().await, limit, "{answers:?}");
    assert_eq!(answers.get(&303), Some(&limit), "{answers:?}");
    assert_eq!(answers.get(&429), Some(&(1000 - limit)), "{answers:?}");
    // A minute later the client may start a session again.
    app.clock.advance(61);
    let fresh = app.browser();
    assert_eq!(
        fresh.add_to_cart(1, 1).await.status(),
        StatusCode::SEE_OTHER
    );
}

/// The stored value is the state's JSON itself: on Redis, what
/// `redis-cli GET` shows (the tour's command); on the database store,
/// the row's `state`.
#[tokio::test]
async fn a_stored_state_is_the_states_json_before_and_after_sign_in() {
    let app = TestApp::spawn_with(&[("SESSION_STORE", server_store())]).await;
    app.user("json@example.com").await.logout().await;
    let browser = app.browser();
    browser.add_to_cart(1, 2).await;
    let entry = stored_json(&app).await;
    assert_eq!(entry.len(), 1, "{entry:?}");
    let guest: serde_json::Value = serde_json::from_str(&entry[0]).expect("JSON");
    assert_eq!(guest["cart"], serde_json::json!([[1, 2]]), "{guest}");
    assert!(guest.get("user_id").is_none(), "{guest}");
    browser.login("json@example.com", PASSWORD).await;
    let entry = stored_json(&app).await;
    assert_eq!(entry.len(), 1, "the guest's went: {entry:?}");
    let login: serde_json::Value = serde_json::from_str(&entry[0]).expect("JSON");
    assert!(login["user_id"].is_i64(), "{login}");
    assert_eq!(login["renewed"]["why"], "sign_in", "{login}");
    assert!(login.get("cart").is_none(), "the cart moved in: {login}");
}

/// The JSON of every state the app's store keeps now.
async fn stored_json(app: &TestApp) -> Vec<String> {
    match app.store() {
        SessionStoreKind::Redis => {
            // The tour's command: `redis-cli --scan`, then `GET`.
            let cli = |args: &[&str]| {
                let out = std::process::Command::new("redis-cli")
                    .arg("-u")
                    .arg(redis_url())
                    .args(args)
                    .output()
                    .expect("redis-cli runs (apt-get install redis-tools)");
                assert!(out.status.success(), "{out:?}");
                String::from_utf8(out.stdout).unwrap()
            };
            let pattern = format!("{}*", app.redis_prefix);
            cli(&["--scan", "--pattern", &pattern])
                .lines()
                .map(|key| cli(&["GET", key]).trim_end().to_string())
                .collect()
        }
        _ => sqlx::query_scalar(AssertSqlSafe("SELECT state FROM session_store"))
            .fetch_all(&app.pool)
            .await
            .unwrap(),
    }
}

#[tokio::test]
async fn the_write_back_table_in_the_tour_is_the_codes_table() {
    let tour = include_str!("../../docs/SESSIONS.md");
    let table = cookie_jar::web::session::write_back::table();
    assert!(
        tour.contains(&table),
        "docs/SESSIONS.md must hold the table `write_back::table()` renders:\n{table}"
    );
}

/// A guest's entry holds only a message; one tab shows it (the entry,
/// blank again, is deleted) while another adds to the cart from the same
/// state: the line is kept, in a new entry. The test holds the store's
/// writes back until both requests have read the entry, so that they race
/// for the write, and either order happens over the rounds.
#[tokio::test]
async fn a_change_that_crosses_the_deletion_of_a_blank_entry_is_kept() {
    let app = TestApp::spawn_with(&[("SESSION_STORE", "database")]).await;
    app.sql("UPDATE products SET stock = 0 WHERE id = 2").await;
    for round in 0..12 {
        let browser = app.browser();
        // The token first: a page opened after the refused add would show
        // its message, and the entry would go before the race.
        let token = browser.csrf_token().await;
        browser.add_to_cart(2, 1).await; // refused: only the message is kept
        assert_eq!(app.stored_sessions().await, round + 1);
        let (client, cart, add) = (
            browser.client.clone(),
            browser.url("/cart"),
            browser.url("/cart/items"),
        );
        let form = [
            ("product_id", "1"),
            ("quantity", "1"),
            ("csrf_token", token.as_str()),
        ];
        let mut writes = hold_writes(&app).await;
        let shown = tokio::spawn(client.get(cart).send());
        let added = tokio::spawn(client.post(add).form(&form).send());
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sqlx::query("COMMIT").execute(&mut *writes).await.unwrap();
        assert_eq!(shown.await.unwrap().unwrap().status(), StatusCode::OK);
        assert_eq!(
            added.await.unwrap().unwrap().status(),
            StatusCode::SEE_OTHER
        );
        assert_eq!(browser.cart_count().await, 1, "round {round}");
    }
}

/// A connection of the test's own that holds every write to the database
/// (SQLite: its one writer lock) or to `session_store` (PostgreSQL: a lock
/// that lets reads through) until it commits.
async fn hold_writes(app: &TestApp) -> sqlx::pool::PoolConnection<sqlx::Any> {
    let mut conn = app.pool.acquire().await.unwrap();
    if app.database_url.starts_with("sqlite") {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .unwrap();
    } else {
        sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
        sqlx::query("LOCK TABLE session_store IN EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    conn
}

/// Sign-ins are not new entries a client is counted for: they have their
/// own limits, and refusing one after it committed would leave a login
/// that nobody holds.
#[tokio::test]
async fn the_limit_of_new_entries_never_refuses_a_sign_in() {
    let app = TestApp::spawn_with(&[
        ("SESSION_STORE", server_store()),
        ("NEW_SESSIONS_PER_CLIENT_PER_MINUTE", "2"),
    ])
    .await;
    for n in 0..4 {
        let res = app
            .browser()
            .register(&format!("many{n}@example.com"), "Many", PASSWORD)
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "registration {n}");
    }
    // Guests' first lines are counted.
    for n in 0..2 {
        assert_eq!(
            app.browser().add_to_cart(1, 1).await.status(),
            StatusCode::SEE_OTHER,
            "{n}"
        );
    }
    assert_eq!(
        app.browser().add_to_cart(1, 1).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
