//! Checkout and orders.

use reqwest::StatusCode;

use crate::common::{location, TestApp, PASSWORD};

#[tokio::test]
async fn checkout_creates_an_order_with_snapshot_prices_and_empties_the_cart() {
    let app = TestApp::spawn().await;
    let browser = app.user("val@example.com").await;
    browser.add_to_cart(5, 2).await;
    browser.add_to_cart(10, 3).await;

    let res = browser.post("/checkout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let order_path = location(&res);
    assert!(order_path.starts_with("/orders/"));
    assert_eq!(browser.cart_count().await, 0);
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 5").await,
        16
    );
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 10").await,
        197
    );

    app.sql("UPDATE products SET price_cents = 9999, name = 'Renamed Jar' WHERE id = 5")
        .await;
    let order = browser.page(&order_path, StatusCode::OK).await;
    // The names and prices of the order, not the catalog's (the order page
    // shows names and prices only as text, so absent from its text is
    // absent).
    assert!(
        order.says("Glass Cookie Jar") && order.says("€24.50"),
        "{order}"
    );
    assert!(order.says("€54.55"), "2 x 24.50 + 3 x 1.85");
    assert!(
        !order.says("Renamed Jar") && !order.says("€99.99"),
        "{order}"
    );
    assert!(order.says("no payment is taken"));
    let orders = browser.page("/orders", StatusCode::OK).await;
    assert!(orders.has(&format!("a[href=\"{order_path}\"]")), "{orders}");
}

#[tokio::test]
async fn a_guest_is_sent_to_log_in_and_comes_back_to_the_cart() {
    let app = TestApp::spawn().await;
    app.user("wes@example.com").await.logout().await;
    let browser = app.browser();
    browser.add_to_cart(1, 1).await;
    let res = browser.post("/checkout", &[]).await;
    assert_eq!(location(&res), "/login?next=/cart");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    let res = browser
        .post(
            "/login",
            &[
                ("email", "wes@example.com"),
                ("password", PASSWORD),
                ("next", "/cart"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/cart");
    assert_eq!(browser.cart_count().await, 1);
}

#[tokio::test]
async fn two_buyers_race_for_the_last_unit_and_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let ann = app.user("race1@example.com").await;
    let bob = app.user("race2@example.com").await;
    // Product 12 has one unit left.
    ann.add_to_cart(12, 1).await;
    bob.add_to_cart(12, 1).await;
    let (ta, tb) = (ann.csrf_token().await, bob.csrf_token().await);

    let (fa, fb) = ([("csrf_token", ta.as_str())], [("csrf_token", tb.as_str())]);
    let (ra, rb) = tokio::join!(
        ann.post_raw("/checkout", &fa),
        bob.post_raw("/checkout", &fb),
    );
    let wins = [location(&ra), location(&rb)]
        .iter()
        .filter(|l| l.starts_with("/orders/"))
        .count();
    assert_eq!(wins, 1, "exactly one order");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 12").await,
        0
    );

    let loser = if location(&ra).starts_with("/orders/") {
        &bob
    } else {
        &ann
    };
    let cart = loser.page("/cart", StatusCode::OK).await;
    assert!(
        cart.flash_says("Nothing was ordered") && cart.flash_says("Maple Rolling Pin"),
        "{cart}"
    );
    assert_eq!(loser.cart_count().await, 1, "the loser's cart is untouched");
}

#[tokio::test]
async fn a_failed_checkout_changes_nothing_and_says_which_line() {
    let app = TestApp::spawn().await;
    let browser = app.user("xia@example.com").await;
    browser.add_to_cart(1, 2).await;
    browser.add_to_cart(20, 3).await;
    app.sql("UPDATE products SET stock = 1 WHERE id = 20").await;

    let res = browser.post("/checkout", &[]).await;
    assert_eq!(location(&res), "/cart");
    let cart = browser.page("/cart", StatusCode::OK).await;
    assert!(
        cart.flash_says("Silicone Baking Mat: you asked for 3, only 1 left."),
        "{cart}"
    );
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        120
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    assert_eq!(browser.cart_count().await, 5);
}

#[tokio::test]
async fn other_peoples_orders_are_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.user("yan@example.com").await;
    owner.add_to_cart(1, 1).await;
    let order_path = location(&owner.post("/checkout", &[]).await);
    let other = app.user("zed@example.com").await;
    other.page(&order_path, StatusCode::NOT_FOUND).await;
    other.page("/orders/123", StatusCode::NOT_FOUND).await;
    let res = app.browser().get(&order_path).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "guests are asked to log in"
    );
}

#[tokio::test]
async fn an_empty_cart_cannot_be_checked_out() {
    let app = TestApp::spawn().await;
    let browser = app.user("amy@example.com").await;
    let res = browser.post("/checkout", &[]).await;
    assert_eq!(location(&res), "/cart");
    assert!(browser
        .page("/cart", StatusCode::OK)
        .await
        .says("Your cart is empty"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
}

/// On SQLite `BEGIN IMMEDIATE` serialises checkouts anyway; this test
/// bites on PostgreSQL (read committed), where `.ci/run` runs it too.
#[tokio::test]
async fn a_double_submitted_checkout_orders_once() {
    let app = TestApp::spawn().await;
    let browser = app.user("bo@example.com").await;
    browser.add_to_cart(5, 2).await;
    let token = browser.csrf_token().await;
    let form = [("csrf_token", token.as_str())];
    let submits = (0..4).map(|_| browser.post_raw("/checkout", &form));
    let results = futures_util::future::join_all(submits).await;
    let orders = results
        .iter()
        .filter(|r| location(r).starts_with("/orders/"))
        .count();
    assert_eq!(orders, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 5").await,
        16
    );
}

#[tokio::test]
async fn a_failed_checkout_of_a_big_cart_explains_itself_within_a_cookie() {
    let app = TestApp::spawn().await;
    app.add_products(1_000_000..1_000_050).await;
    let browser = app.user("cid@example.com").await;
    for id in 1_000_000..1_000_050 {
        browser.add_to_cart(id, 9).await;
    }
    app.sql("UPDATE products SET stock = 1 WHERE id >= 1000000")
        .await;
    let res = browser.post("/checkout", &[]).await;
    assert_eq!(location(&res), "/cart");
    assert!(
        browser.cookie().unwrap().len() < 2000,
        "the flash fits the cookie"
    );
    let cart = browser.page("/cart", StatusCode::OK).await;
    assert!(
        cart.flash_says("Nothing was ordered.") && cart.flash_says("And 47 more lines"),
        "{cart}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
}

#[tokio::test]
async fn the_orders_come_newest_first_a_page_at_a_time() {
    let app = TestApp::spawn().await;
    let browser = app.user("pia@example.com").await;
    let res = browser
        .post("/preferences", &[("theme", "system"), ("page_size", "6")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut placed = Vec::new();
    for _ in 0..7 {
        browser.add_to_cart(10, 1).await;
        let res = browser.post("/checkout", &[]).await;
        placed.push(location(&res));
        app.clock.advance(60);
    }
    let newest_first: Vec<String> = placed.iter().rev().cloned().collect();
    let links = |page: &crate::common::page::Page| page.attrs("tbody a", "href");

    let first = browser.page("/orders", StatusCode::OK).await;
    assert!(first.says("7 orders · 6 per page"), "{first}");
    assert!(first.says("Page 1 of 2"), "{first}");
    assert_eq!(links(&first), newest_first[..6]);
    assert_eq!(
        first.attr("a[rel=next]", "href").as_deref(),
        Some("/orders?page=2")
    );
    assert!(!first.has("a[rel=prev]"));

    let second = browser.page("/orders?page=2", StatusCode::OK).await;
    assert_eq!(links(&second), newest_first[6..], "the oldest, last");
    assert_eq!(
        second.attr("a[rel=prev]", "href").as_deref(),
        Some("/orders?page=1")
    );
    assert!(!second.has("a[rel=next]"));

    // Past the last page, before the first, or not a page at all.
    for (query, status) in [
        ("page=3", StatusCode::NOT_FOUND),
        ("page=0", StatusCode::NOT_FOUND),
        ("page=-1", StatusCode::NOT_FOUND),
        ("page=abc", StatusCode::BAD_REQUEST),
        ("page=1&page=2", StatusCode::BAD_REQUEST),
    ] {
        browser.page(&format!("/orders?{query}"), status).await;
    }
}

#[tokio::test]
async fn no_orders_yet_is_one_page_that_says_so() {
    let app = TestApp::spawn().await;
    let browser = app.user("quinn@example.com").await;
    let page = browser.page("/orders", StatusCode::OK).await;
    assert!(page.says("No orders yet."), "{page}");
    assert!(!page.has("nav.pagination"), "{page}");
    browser.page("/orders?page=2", StatusCode::NOT_FOUND).await;
}
