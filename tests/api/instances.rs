//! Several instances on one database behave as one shop: sessions, carts,
//! throttling and stock live in the database (or in the cookie, under the
//! one key), never in one process.

use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::StatusCode;

use crate::common::{Browser, TestApp, PASSWORD};

/// The same visitor on instance `to`: a browser there with this cookie.
fn same_visitor_on(to: &TestApp, from: &Browser) -> Browser {
    let there = to.browser();
    there.set_cookie(&from.cookie().expect("a session cookie"));
    there
}

#[tokio::test]
async fn two_instances_share_logins_carts_and_logouts() {
    let a = TestApp::spawn().await;
    let b = a.another_instance(&[]).await;
    let on_a = a.user("two@example.com").await;
    let on_b = same_visitor_on(&b, &on_a);
    assert!(on_b.is_logged_in().await, "logged in on A, known on B");

    on_b.add_to_cart(1, 2).await;
    let cart = on_a.page("/cart", StatusCode::OK).await;
    assert_eq!(cart.cart_count(), 2, "added on B, shown on A");

    on_b.logout().await;
    let res = on_a.get("/profile").await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "signed out on B, refused on A at once"
    );
}

#[tokio::test]
async fn failed_logins_on_two_instances_count_towards_one_limit() {
    let a = TestApp::spawn().await;
    let b = a.another_instance(&[]).await;
    a.user("lim@example.com").await;
    let (guess_a, guess_b) = (a.browser(), b.browser());
    for i in 0..5 {
        let guesser = if i % 2 == 0 { &guess_a } else { &guess_b };
        let res = guesser.login("lim@example.com", "not the password").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = guess_b.login("lim@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = guess_a.login("lim@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn parallel_checkouts_through_two_instances_never_oversell() {
    let a = TestApp::spawn().await;
    let b = a.another_instance(&[]).await;
    a.sql("UPDATE products SET stock = 3 WHERE id = 2").await;
    let mut buyers = Vec::new();
    for i in 0..6 {
        let on_a = a.user(&format!("buyer{i}@example.com")).await;
        on_a.add_to_cart(2, 1).await;
        // Half of them check out through B.
        let buyer = if i % 2 == 0 {
            on_a
        } else {
            same_visitor_on(&b, &on_a)
        };
        let token = buyer.csrf_token().await;
        buyers.push((buyer, token));
    }
    let checkouts = buyers.iter().map(|(buyer, token)| {
        buyer
            .client
            .post(buyer.url("/checkout"))
            .form(&[("csrf_token", token.as_str())])
            .send()
    });
    let placed = futures_util::future::join_all(checkouts)
        .await
        .into_iter()
        .map(|res| res.unwrap())
        .filter(|res| {
            let to = res.headers().get("location").unwrap().to_str().unwrap();
            to.starts_with("/orders/")
        })
        .count();
    assert_eq!(placed, 3, "three units, three orders");
    assert_eq!(a.scalar("SELECT stock FROM products WHERE id = 2").await, 0);
    let sold =
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM order_items WHERE product_id = 2";
    assert_eq!(a.scalar(sold).await, 3);
}

#[tokio::test]
async fn a_key_rotation_on_both_instances_keeps_the_user_logged_in_on_both() {
    let (old, new) = (STANDARD.encode([3u8; 64]), STANDARD.encode([4u8; 64]));
    let a = TestApp::spawn_with(&[("SESSION_SECRET", &old)]).await;
    let b = a.another_instance(&[("SESSION_SECRET", &old)]).await;
    let user = a.user("keys@example.com").await;
    let cookie = user.cookie().unwrap();

    // Step 1: the new key accepted everywhere (old still current).
    let accept = [
        ("SESSION_SECRET", old.as_str()),
        ("SESSION_SECRET_PREVIOUS", new.as_str()),
    ];
    let (a, b) = (a.restart_with(&accept).await, b.restart_with(&accept).await);
    // Step 2: the new key current everywhere, the old one still accepted.
    let current = [
        ("SESSION_SECRET", new.as_str()),
        ("SESSION_SECRET_PREVIOUS", old.as_str()),
    ];
    let (a, b) = (
        a.restart_with(&current).await,
        b.restart_with(&current).await,
    );
    let on_a = a.browser();
    on_a.set_cookie(&cookie);
    assert!(on_a.is_logged_in().await, "the old cookie, re-sealed on A");
    let on_b = same_visitor_on(&b, &on_a);
    assert!(on_b.is_logged_in().await, "the re-sealed cookie works on B");

    // Step 3: the old key dropped everywhere.
    let only_new = [("SESSION_SECRET", new.as_str())];
    let (a, b) = (
        a.restart_with(&only_new).await,
        b.restart_with(&only_new).await,
    );
    let (again_a, again_b) = (same_visitor_on(&a, &on_a), same_visitor_on(&b, &on_a));
    assert!(again_a.is_logged_in().await && again_b.is_logged_in().await);
}
