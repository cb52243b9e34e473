//! What a server-side session store changes, and where the three designs
//! truly differ. Each test of a server-side store runs on the store under
//! test when it is one (`TEST_SESSION_STORE=database|redis`), else on the
//! database store, which needs nothing; each test of the cookie store asks
//! for it. docs/SESSIONS.md, "Three designs side by side", points here.

use cookie_jar::{
    domain::ids::ProductId,
    domain::session::{GuestCartLine, SessionState},
    web::session::{Store, Swap},
};
use reqwest::StatusCode;

use crate::common::{server_store, set_cookie_named, Browser, TestApp, PASSWORD};

async fn on_a_server_store() -> TestApp {
    TestApp::spawn_with(&[("SESSION_STORE", server_store())]).await
}

/// A guest's cart line: `quantity` of product `product`.
fn line(product: i64, quantity: u32) -> GuestCartLine {
    GuestCartLine {
        product_id: ProductId::new(product),
        quantity,
    }
}

#[tokio::test]
async fn a_visitor_who_only_looks_at_pages_fills_no_store() {
    let app = on_a_server_store().await;
    let cookieless = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let pages = [
        "/",
        "/products",
        "/products/glass-cookie-jar",
        "/cart",
        "/login",
        "/register",
        "/session",
        "/tour",
    ];
    // A bot flood: 10,000 page views without a cookie, 16 at a time.
    let mut views = futures_util::stream::iter(0..10_000)
        .map(|n| {
            let url = format!("{}{}", app.address, pages[n % pages.len()]);
            let client = cookieless.clone();
            async move { client.get(url).send().await.unwrap() }
        })
        .buffer_unordered(16);
    let mut seen = 0;
    while let Some(res) = futures_util::StreamExt::next(&mut views).await {
        assert_eq!(res.status(), StatusCode::OK);
        assert!(set_cookie_named(&res, "session").is_none(), "no session");
        assert!(
            set_cookie_named(&res, "csrf").is_some(),
            "a token for its forms"
        );
        seen += 1;
    }
    assert_eq!(seen, 10_000);
    assert_eq!(app.stored_sessions().await, 0, "the store is as it was");
}

use futures_util::StreamExt;

#[tokio::test]
async fn a_visitor_without_a_stored_session_can_post_and_then_has_one() {
    let app = on_a_server_store().await;
    let browser = app.browser();
    let page = browser
        .page("/products/glass-cookie-jar", StatusCode::OK)
        .await;
    let token = page.csrf_token().expect("the form has a token");
    assert!(browser.cookie().is_none(), "nothing stored yet");
    let res = browser.add_to_cart(5, 1).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie_named(&res, "session").is_some());
    let dropped = set_cookie_named(&res, "csrf").expect("the token cookie is dropped");
    assert!(dropped.contains("Max-Age=0"), "{dropped}");
    assert_eq!(app.stored_sessions().await, 1);
    // The token moved into the session: a form of the first page still works.
    let add_one = [
        ("product_id", "1"),
        ("quantity", "1"),
        ("csrf_token", &token),
    ];
    let res = browser.post_raw("/cart/items", &add_one).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.cart_count().await, 2);
    // Without its cookie, the token alone is refused.
    let res = app.browser().post_raw("/cart/items", &add_one).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn signing_in_deletes_the_pre_login_state_so_a_copy_of_its_cookie_finds_nothing() {
    let app = on_a_server_store().await;
    app.user("copy@example.com").await.logout().await;
    let browser = app.browser();
    browser.add_to_cart(1, 2).await;
    let copy = browser.cookie().unwrap();
    assert_eq!(app.stored_sessions().await, 1);
    browser.login("copy@example.com", PASSWORD).await;
    assert_eq!(
        app.stored_sessions().await,
        1,
        "the login's; the guest's is gone"
    );

    let thief = app.browser();
    thief.set_cookie(&copy);
    let home = thief.page("/", StatusCode::OK).await;
    assert_eq!((home.signed_in_as(), home.cart_count()), (None, 0));
    // A page view replaces no cookie it did not find valid (it may be a
    // late one, crossing the sign-in's answer): the copy stays as it was,
    // and leads to nothing.
    assert_eq!(thief.cookie(), Some(copy));
    assert_eq!(app.stored_sessions().await, 1);
}

#[tokio::test]
async fn signing_out_deletes_the_state_from_the_store() {
    let app = on_a_server_store().await;
    let browser = app.user("out@example.com").await;
    let copy = browser.cookie().unwrap();
    assert_eq!(app.stored_sessions().await, 1);
    let res = browser.logout().await;
    assert!(set_cookie_named(&res, "session")
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(app.stored_sessions().await, 0);
    let thief = app.browser();
    thief.set_cookie(&copy);
    assert!(!thief.is_logged_in().await);
    assert_eq!(app.stored_sessions().await, 0, "the copy made none");
}

#[tokio::test]
async fn a_login_signed_out_elsewhere_is_unusable_at_once_and_its_state_goes_with_it() {
    let app = on_a_server_store().await;
    let here = app.user("elsewhere@example.com").await;
    let there = app.browser();
    there.login("elsewhere@example.com", PASSWORD).await;
    assert_eq!(app.stored_sessions().await, 2);
    here.page("/profile/sessions", StatusCode::OK).await;
    here.post("/profile/sessions/revoke-others", &[]).await;
    // The other browser's state is still kept, but its row says no.
    let home = there.page("/", StatusCode::OK).await;
    assert_eq!(home.signed_in_as(), None);
    assert_eq!(
        home.flash().as_deref(),
        Some("You were signed out of this browser. Sign in again to see your account.")
    );
    // Its login's dead state went; the guest page stored nothing, and
    // replaced no cookie.
    assert_eq!(app.stored_sessions().await, 1);
    let res = there.get("/profile").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_store_keeps_a_state_only_as_long_as_its_session_can_live() {
    let app = TestApp::spawn_with(&[
        ("SESSION_STORE", server_store()),
        ("SESSION_IDLE_TIMEOUT", "600"),
        ("SESSION_ABSOLUTE_TIMEOUT", "3600"),
    ])
    .await;
    let near = |lifetime: i64, expected: i64| (expected - 5..=expected).contains(&lifetime);
    let guest = app.browser();
    guest.add_to_cart(1, 1).await;
    let lifetimes = app.stored_lifetimes().await;
    assert!(near(lifetimes[0], 30 * 86_400), "a guest: {lifetimes:?}");
    guest.logout().await;

    let login = app.user("lives@example.com").await;
    let lifetimes = app.stored_lifetimes().await;
    assert!(
        near(lifetimes[0], 600),
        "a login: its idle timeout: {lifetimes:?}"
    );
    login.logout().await;
    let remembered = app.browser();
    remembered
        .post(
            "/login",
            &[
                ("email", "lives@example.com"),
                ("password", PASSWORD),
                ("remember_me", "on"),
            ],
        )
        .await;
    let lifetimes = app.stored_lifetimes().await;
    assert!(
        near(lifetimes[0], 30 * 86_400),
        "keep me signed in: its 30 days: {lifetimes:?}"
    );
    remembered.logout().await;

    // Past its idle timeout, a login's state is of no use and goes.
    let idle = app.browser();
    idle.login("lives@example.com", PASSWORD).await;
    assert_eq!(app.stored_sessions().await, 1);
    app.clock.advance(601);
    assert!(!idle.is_logged_in().await);
    assert_eq!(app.stored_sessions().await, 0);
}

#[tokio::test]
async fn on_the_cookie_store_a_login_that_timed_out_is_told_why() {
    // The cookie still holds the state, so the server can say which rule
    // ended the login; a server-side store has forgotten it by then.
    let app = TestApp::spawn_with(&[
        ("SESSION_STORE", "cookie"),
        ("SESSION_IDLE_TIMEOUT", "300"),
        ("SESSION_ABSOLUTE_TIMEOUT", "900"),
    ])
    .await;
    let idle = app.user("told@example.com").await;
    app.clock.advance(361);
    let home = idle.page("/", StatusCode::OK).await;
    assert!(
        home.says("signed out after a period of inactivity"),
        "{home}"
    );

    let busy = app.browser();
    busy.login("told@example.com", PASSWORD).await;
    for _ in 0..4 {
        app.clock.advance(200);
        assert!(busy.is_logged_in().await);
    }
    app.clock.advance(200);
    let home = busy.page("/", StatusCode::OK).await;
    assert!(home.says("reached its maximum age"), "{home}");
}

/// Two tabs of one guest: `late` sends the cookie `early` had before its
/// last change, as a request that crossed that change's answer does.
async fn a_change_with_a_stale_cookie(app: &TestApp) -> i64 {
    let early = app.browser();
    early.add_to_cart(1, 1).await;
    let before = early.cookie().unwrap();
    early.add_to_cart(2, 1).await;
    let late = Browser::new(&app.address);
    late.set_cookie(&before);
    late.add_to_cart(3, 1).await;
    late.cart_count().await
}

#[tokio::test]
async fn a_stale_copy_of_the_cookie_loses_a_guest_change_on_the_cookie_store_only() {
    let cookie = TestApp::spawn_with(&[("SESSION_STORE", "cookie")]).await;
    assert_eq!(
        a_change_with_a_stale_cookie(&cookie).await,
        2,
        "the state is the cookie: the other tab's change is lost"
    );
    let server = on_a_server_store().await;
    assert_eq!(
        a_change_with_a_stale_cookie(&server).await,
        3,
        "the state is on the server: the copy names it, nothing is lost"
    );
}

#[tokio::test]
async fn a_server_stores_cookie_carries_only_a_key_whatever_the_session_holds() {
    let size = |app: &TestApp| {
        let app = app.address.clone();
        async move {
            let browser = Browser::new(&app);
            browser.add_to_cart(1, 1).await;
            let small = browser.cookie().unwrap().len();
            for id in 2..=20 {
                browser.add_to_cart(id, 3).await;
            }
            (small, browser.cookie().unwrap().len())
        }
    };
    let cookie = TestApp::spawn_with(&[("SESSION_STORE", "cookie")]).await;
    let (one, many) = size(&cookie).await;
    // The figures of the README's "Three ways to keep a session": some
    // 400 bytes for a guest with a line, growing with the cart.
    assert!(
        (300..500).contains(&one) && many > one + 100,
        "the cookie grows with the cart: {one} -> {many}"
    );
    let server = on_a_server_store().await;
    let (one, many) = size(&server).await;
    // A sealed key (`domain::ids::token256`, 43 characters): about 110
    // bytes (more or less by how many of its characters the cookie jar
    // percent-encodes), whatever the cart.
    assert!(
        (90..160).contains(&one) && (90..160).contains(&many),
        "a key, sealed: {one} -> {many} bytes"
    );
}

#[tokio::test]
async fn the_inspector_says_where_the_state_is_kept_and_what_a_stolen_cookie_can_do() {
    let cookie = TestApp::spawn_with(&[("SESSION_STORE", "cookie")]).await;
    let guest = cookie.browser();
    guest.add_to_cart(1, 1).await;
    let page = guest.page("/session", StatusCode::OK).await;
    let says = |css: &str| page.text_of(&format!("[data-testid={css}]")).unwrap();
    assert!(says("store").contains("SESSION_STORE=cookie"), "{page}");
    assert!(says("cookie-carries").contains("the whole state, sealed"));
    assert!(says("store-entry").starts_with("none: the cookie is the state"));
    assert!(says("stolen-copy").contains("a cookie cannot be taken back"));

    let app = on_a_server_store().await;
    let guest = app.browser();
    let page = guest.page("/session", StatusCode::OK).await;
    let says = |css: &str| page.text_of(&format!("[data-testid={css}]")).unwrap();
    assert!(says("store").contains(&format!("SESSION_STORE={}", server_store())));
    assert!(says("cookie-carries").starts_with("only a key"));
    assert!(says("store-entry").starts_with("none: you have only looked at pages"));
    assert!(says("stolen-copy").contains("worth nothing after a sign-in or a sign-out"));
    guest.add_to_cart(1, 1).await;
    let page = guest.page("/session", StatusCode::OK).await;
    let entry = page.text_of("[data-testid=store-entry]").unwrap();
    assert!(
        entry.contains("forgotten in 30 d 0 h") || entry.contains("forgotten in 29 d 23 h"),
        "{entry}"
    );
    assert!(page.says("of 4096 bytes"), "{page}");
}

#[tokio::test]
async fn a_state_that_holds_nothing_again_leaves_the_store() {
    let app = on_a_server_store().await;
    app.sql("UPDATE products SET stock = 0 WHERE id = 2").await;
    let browser = app.browser();
    let token = browser.csrf_token().await;
    // A refused add: nothing in the cart, only the message why.
    let res = browser.add_to_cart(2, 1).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.stored_sessions().await, 1, "the message is kept");
    let before = browser.cookie();
    let cart = browser.open("/cart").await;
    assert!(cart.flash_says("sold out"), "{cart}");
    assert_eq!(app.stored_sessions().await, 0, "shown, and nothing is left");
    // The cookie is not removed (a page view removes nothing: it might
    // remove a login another tab got meanwhile); it leads to nothing now.
    assert_eq!(browser.cookie(), before);
    assert_eq!(
        cart.csrf_token(),
        Some(token),
        "the page's forms still work"
    );
    assert_eq!(
        browser.add_to_cart(1, 1).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(browser.cart_count().await, 1);
}

#[tokio::test]
async fn a_state_deleted_meanwhile_is_never_brought_back_by_an_update() {
    // A guest request that read its state before a sign-in in another tab
    // deleted it, and writes after: the compare-and-set finds no entry.
    let app = on_a_server_store().await;
    let store = Store::connect(&app.state.settings, &app.pool, &app.clock)
        .await
        .unwrap();
    let server = store.server().expect("a server-side store");
    let mut state = SessionState::fresh(app.clock.now());
    state.cart.push(line(1, 2));
    let key = server.save(&state, 600).await.unwrap();
    let read = server.load(&key).await.unwrap().expect("the entry");
    assert_eq!(app.stored_sessions().await, 1);
    server.delete(&key).await.unwrap();
    state.cart.push(line(3, 1));
    let swap = server.update(&key, &read, &state, 600).await.unwrap();
    assert!(matches!(swap, Swap::Gone), "{swap:?}");
    assert_eq!(app.stored_sessions().await, 0, "not saved again");
    assert!(server.load(&key).await.unwrap().is_none());
}

#[tokio::test]
async fn a_compare_and_set_takes_only_the_state_it_read_and_says_what_is_there_instead() {
    let app = on_a_server_store().await;
    let store = Store::connect(&app.state.settings, &app.pool, &app.clock)
        .await
        .unwrap();
    let server = store.server().expect("a server-side store");
    let mut state = SessionState::fresh(app.clock.now());
    state.cart.push(line(1, 1));
    let key = server.save(&state, 600).await.unwrap();
    let read = server.load(&key).await.unwrap().unwrap();
    // Another request saves first.
    let mut first = read.state.clone();
    first.cart.push(line(2, 1));
    assert!(matches!(
        server.update(&key, &read, &first, 600).await.unwrap(),
        Swap::Done
    ));
    // This one, from the same read, is refused and told what is there.
    let mut second = read.state.clone();
    second.cart.push(line(3, 1));
    let Swap::Changed(newer) = server.update(&key, &read, &second, 600).await.unwrap() else {
        panic!("a stale compare-and-set is refused");
    };
    assert_eq!(newer.state, first);
    // Applied to what is there, it goes through; both lines are kept.
    let mut again = newer.state.clone();
    again.cart.push(line(3, 1));
    assert!(matches!(
        server.update(&key, &newer, &again, 600).await.unwrap(),
        Swap::Done
    ));
    let kept = server.load(&key).await.unwrap().unwrap().state;
    assert_eq!(kept.cart, vec![line(1, 1), line(2, 1), line(3, 1)]);
    // A deletion compares the same way.
    assert!(matches!(
        server.delete_if(&key, &read).await.unwrap(),
        Swap::Changed(_)
    ));
    assert!(server.load(&key).await.unwrap().is_some());
}

/// A session the release before kept in a server-side store
/// (actix-session's): a 64-character key in the cookie, and a JSON map
/// with the state as a string under "state". It still opens, and its
/// next change is kept in the new format.
#[tokio::test]
async fn a_server_side_session_of_the_last_release_still_opens() {
    use actix_web::cookie::{Cookie, CookieJar, Key};
    let app = on_a_server_store().await;
    let now = app.clock.now();
    let key = "k".repeat(32) + &"7".repeat(32);
    let state = format!(
        r#"{{"id":"bG9uZy1hZ28tZ3Vlc3QtaWQ","created_at":{now},"last_seen_at":{now},"csrf_token":"dG9rZW4tb2YtdGhlLWxhc3QtcmVsZWFzZS1mb3ItZm9ybXM","cart":[[1,2]]}}"#
    );
    let stored = serde_json::json!({ "state": state }).to_string();
    let ttl = 3600;
    match app.store() {
        cookie_jar::domain::config::SessionStoreKind::Redis => {
            let client = deadpool_redis::redis::Client::open(crate::common::redis_url()).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let name = format!("{}{key}", app.redis_prefix);
            let _: () = deadpool_redis::redis::cmd("SET")
                .arg(name)
                .arg(&stored)
                .arg("EX")
                .arg(ttl)
                .query_async(&mut conn)
                .await
                .unwrap();
        }
        _ => {
            let digest = cookie_jar::domain::ids::digest(&key);
            let expires = now + ttl;
            sqlx::query(
                "INSERT INTO session_store (key_digest, state, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(digest)
            .bind(&stored)
            .bind(expires)
            .execute(&app.pool)
            .await
            .unwrap();
        }
    }
    let mut jar = CookieJar::new();
    jar.private_mut(&Key::from(&[42u8; 64]))
        .add(Cookie::new("session", key));
    let browser = app.browser();
    browser.set_cookie(jar.get("session").unwrap().value());
    assert_eq!(browser.cart_count().await, 2, "the guest's cart as it was");
    assert_eq!(
        browser.add_to_cart(3, 1).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(browser.cart_count().await, 3);
}
