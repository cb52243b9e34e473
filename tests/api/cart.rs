//! Catalog, guest and user carts, the merge at login.

use cookie_jar::domain::config::SessionStoreKind;
use reqwest::StatusCode;

use crate::common::{location, Page, TestApp, PASSWORD};

/// Product names on a catalog page, in order.
fn names(page: &Page) -> Vec<String> {
    page.texts(".product-card h3")
}

#[tokio::test]
async fn the_catalog_pages_and_sorts() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page1 = browser.page("/products", StatusCode::OK).await;
    assert_eq!(names(&page1).len(), 12, "12 per page by default");
    assert!(page1.says("Page 1 of 2"), "{page1}");
    let page2 = browser.page("/products?page=2", StatusCode::OK).await;
    assert_eq!(names(&page2).len(), 12);
    let all: Vec<String> = names(&page1).into_iter().chain(names(&page2)).collect();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "sorted by name");
    browser
        .page("/products?page=3", StatusCode::NOT_FOUND)
        .await;

    let by_price = browser.page("/products?sort=price", StatusCode::OK).await;
    let first = names(&by_price);
    assert_eq!(first[0], "Digestive Biscuits", "the cheapest comes first");
    assert_ne!(first, names(&page1));

    let res = browser
        .post("/preferences", &[("theme", "system"), ("page_size", "6")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let small = browser.page("/products", StatusCode::OK).await;
    assert_eq!(names(&small).len(), 6);
    assert!(small.says("Page 1 of 4"), "{small}");

    let product = browser
        .page("/products/glass-cookie-jar", StatusCode::OK)
        .await;
    assert_eq!(product.field("product_id").as_deref(), Some("5"));
    let sold_out = browser
        .page("/products/butter-shortbread-tin", StatusCode::OK)
        .await;
    assert!(sold_out.says("Sold out"), "{sold_out}");
    assert!(
        !sold_out.has_form("/cart/items") && !sold_out.says("Add to cart"),
        "no way to add it: {sold_out}"
    );
}

#[tokio::test]
async fn a_guest_adds_updates_removes_and_clears() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser.add_to_cart(1, 2).await;
    assert_eq!(location(&res), "/cart");
    browser.add_to_cart(1, 3).await;
    browser.add_to_cart(4, 1).await;
    let cart = browser.page("/cart", StatusCode::OK).await;
    assert_eq!(
        cart.texts(".cart tbody .product-cell a"),
        ["Classic Chocolate Chip", "Snickerdoodle"]
    );
    // 5 x 3.50 + 1 x 2.75
    assert_eq!(
        cart.text_of("[data-testid=cart-total]").as_deref(),
        Some("€20.25")
    );
    assert_eq!(browser.cart_count().await, 6);

    browser.post("/cart/items/1", &[("quantity", "1")]).await;
    assert_eq!(browser.cart_count().await, 2);
    browser.post("/cart/items/4", &[("quantity", "0")]).await;
    assert_eq!(browser.cart_count().await, 1);
    browser.post("/cart/clear", &[]).await;
    assert_eq!(browser.cart_count().await, 0);
    assert!(browser
        .page("/cart", StatusCode::OK)
        .await
        .says("Your cart is empty"));
}

#[tokio::test]
async fn bad_cart_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    for browser in [app.browser(), app.user("pat@example.com").await] {
        browser.add_to_cart(1, 2).await;
        let bad: &[(&str, &[(&str, &str)])] = &[
            ("/cart/items", &[("product_id", "1"), ("quantity", "0")]),
            ("/cart/items", &[("product_id", "1"), ("quantity", "100")]),
            ("/cart/items", &[("product_id", "1"), ("quantity", "two")]),
            ("/cart/items", &[("product_id", "1"), ("quantity", "-1")]),
            ("/cart/items", &[("product_id", "999"), ("quantity", "1")]),
            ("/cart/items", &[("product_id", "abc"), ("quantity", "1")]),
            ("/cart/items", &[("quantity", "1")]),
            ("/cart/items/1", &[("quantity", "100")]),
            ("/cart/items/1", &[("quantity", "x")]),
        ];
        for (path, fields) in bad {
            let res = browser.post(path, fields).await;
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {fields:?}"
            );
            let page = Page::from_response(res).await;
            assert!(page.flash().is_none() && !page.text().is_empty(), "a page");
        }
        let res = browser.post("/cart/items/999", &[("quantity", "1")]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "not in the cart");
        // Sold out (id 7) and beyond stock (id 12 has 1) are refused with a message.
        browser.add_to_cart(7, 1).await;
        assert!(browser
            .page("/cart", StatusCode::OK)
            .await
            .flash_says("sold out"));
        browser.add_to_cart(12, 2).await;
        assert!(browser
            .page("/cart", StatusCode::OK)
            .await
            .flash_says("only 1 in stock"));
        assert_eq!(browser.cart_count().await, 2, "the cart is as it was");
    }
}

#[tokio::test]
async fn a_line_holds_at_most_99_and_a_cart_at_most_50_lines_within_a_small_cookie() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.add_to_cart(1, 99).await;
    let res = browser.add_to_cart(1, 1).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(browser
        .page("/cart", StatusCode::OK)
        .await
        .flash_says("at most 99"));
    assert_eq!(browser.cart_count().await, 99);

    browser.post("/cart/clear", &[]).await;

    // 50 lines of 99 with long ids: the largest guest cart there can be.
    app.add_products(1_000_000..1_000_051).await;
    for id in 1_000_000..1_000_050 {
        let res = browser.add_to_cart(id, 99).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(browser.cart_count().await, 50 * 99);
    let cookie = browser.cookie().unwrap();
    eprintln!("cookie with 50 lines of 99: {} bytes", cookie.len());
    // The README's bounds: on the cookie store, 1 to 1.5 KB of the 4 KB
    // browsers take; on a server-side store, a sealed key.
    let bounds = match crate::common::store_under_test() {
        SessionStoreKind::Cookie => 1000..1500,
        _ => 90..160,
    };
    assert!(
        bounds.contains(&cookie.len()),
        "the cookie is {} bytes",
        cookie.len()
    );

    browser.add_to_cart(1000050, 1).await;
    let cart = browser.page("/cart", StatusCode::OK).await;
    assert!(cart.flash_says("the most it can hold"), "{cart}");
    assert_eq!(browser.cart_count().await, 50 * 99);
}

#[tokio::test]
async fn the_guest_cart_merges_into_the_account_once_with_capping() {
    let app = TestApp::spawn().await;
    let account = app.user("quin@example.com").await;
    account.add_to_cart(1, 60).await;
    account.add_to_cart(20, 2).await;
    account.logout().await;

    let browser = app.browser();
    browser.add_to_cart(1, 50).await;
    browser.add_to_cart(20, 3).await;
    browser.add_to_cart(2, 4).await;
    browser.login("quin@example.com", PASSWORD).await;
    let home = browser.page("/", StatusCode::OK).await;
    assert!(
        home.flash_says("We moved 3 products from your cart into your account.")
            && home.flash_says(
                "Capped at 99 or at the stock: Classic Chocolate Chip, Silicone Baking Mat."
            ),
        "{home}"
    );
    assert_eq!(browser.cart_count().await, 99 + 3 + 4);

    // Logging in again (the guest lines left the session) merges nothing.
    browser.logout().await;
    browser.login("quin@example.com", PASSWORD).await;
    assert_eq!(browser.cart_count().await, 106);

    // Registration keeps the guest cart too.
    let newcomer = app.browser();
    newcomer.add_to_cart(3, 2).await;
    newcomer.register("rae@example.com", "Rae", PASSWORD).await;
    assert_eq!(newcomer.cart_count().await, 2);
    assert_eq!(
        app.scalar("SELECT quantity FROM cart_items WHERE product_id = 3")
            .await,
        2
    );
}

#[tokio::test]
async fn a_guest_cart_is_merged_once_whatever_copies_of_its_cookie_sign_in() {
    // The cookie store: a copy of its cookie carries the guest state itself
    // (a server-side store deletes it at sign-in: its copy finds nothing).
    let app = TestApp::spawn_with(&[("SESSION_STORE", "cookie")]).await;
    app.user("twice@example.com").await.logout().await;
    let guest = app.browser();
    guest.add_to_cart(1, 2).await;
    // A copy of the guest cookie from before the sign-in: a second tab's,
    // or a response that crossed the sign-in's and put it back.
    let copy = guest.cookie().expect("a guest with a cart has a cookie");
    guest.login("twice@example.com", PASSWORD).await;
    assert_eq!(guest.cart_count().await, 2);
    guest.logout().await;

    let again = app.browser();
    again.set_cookie(&copy);
    again.login("twice@example.com", PASSWORD).await;
    assert_eq!(again.cart_count().await, 2, "two units added once stay two");

    // A copy cannot change the state a sign-in replaced (a late request
    // that did would replace the login's cookie): its adds write
    // nothing, and signing in with it again brings nothing more.
    again.logout().await;
    let third = app.browser();
    third.set_cookie(&copy);
    third.add_to_cart(1, 1).await;
    third.add_to_cart(3, 1).await;
    assert_eq!(third.cookie(), Some(copy));
    third.login("twice@example.com", PASSWORD).await;
    let cart = third.page("/cart", StatusCode::OK).await;
    assert_eq!(cart.cart_count(), 2, "{cart}");
}

#[tokio::test]
async fn the_cart_survives_logout_another_browser_and_a_restart() {
    let app = TestApp::spawn().await;
    let browser = app.user("sam@example.com").await;
    browser.add_to_cart(9, 2).await;
    browser.logout().await;
    assert_eq!(
        browser.cart_count().await,
        0,
        "a logged-out browser shows a guest cart"
    );

    let other = app.browser();
    other.login("sam@example.com", PASSWORD).await;
    assert_eq!(other.cart_count().await, 2);

    let app = app.restart().await;
    let fresh = app.browser();
    fresh.login("sam@example.com", PASSWORD).await;
    assert_eq!(
        fresh
            .page("/cart", StatusCode::OK)
            .await
            .texts(".cart tbody .product-cell a"),
        ["Macaron Gift Box"]
    );
    assert_eq!(fresh.cart_count().await, 2);
}

#[tokio::test]
async fn twenty_parallel_adds_lose_no_update() {
    let app = TestApp::spawn().await;
    let browser = app.user("tia@example.com").await;
    let token = browser.csrf_token().await;
    let form = [
        ("product_id", "4"),
        ("quantity", "1"),
        ("csrf_token", token.as_str()),
    ];
    let adds = (0..20).map(|_| browser.post_raw("/cart/items", &form));
    for res in futures_util::future::join_all(adds).await {
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(
        app.scalar("SELECT quantity FROM cart_items WHERE product_id = 4")
            .await,
        20
    );
}

#[tokio::test]
async fn withdrawn_products_stay_in_the_cart_marked_unavailable() {
    let app = TestApp::spawn().await;
    let browser = app.user("uma@example.com").await;
    browser.add_to_cart(3, 1).await;
    app.sql("UPDATE products SET active = 0 WHERE id = 3").await;
    let cart = browser.page("/cart", StatusCode::OK).await;
    assert_eq!(
        cart.texts(".cart tbody tr.unavailable .product-cell"),
        ["Oatmeal Raisin Cookie This product is no longer sold."],
        "{cart}"
    );
}

#[tokio::test]
async fn a_quantity_cannot_be_set_above_the_stock() {
    let app = TestApp::spawn().await;
    for browser in [app.browser(), app.user("ula@example.com").await] {
        browser.add_to_cart(20, 1).await;
        let res = browser.post("/cart/items/20", &[("quantity", "5")]).await;
        assert_eq!(location(&res), "/cart");
        let cart = browser.page("/cart", StatusCode::OK).await;
        assert!(
            cart.flash_says("Only 3 of Silicone Baking Mat in stock."),
            "{cart}"
        );
        assert_eq!(browser.cart_count().await, 1, "unchanged");
        browser.post("/cart/items/20", &[("quantity", "3")]).await;
        assert_eq!(browser.cart_count().await, 3);
    }
}

#[tokio::test]
async fn the_merge_respects_the_line_limit_and_keeps_the_cookie_small() {
    let app = TestApp::spawn().await;
    app.add_products(1_000_000..1_000_060).await;
    let account = app.user("vic@example.com").await;
    for id in 1_000_000..1_000_045 {
        account.add_to_cart(id, 1).await;
    }
    account.logout().await;

    let browser = app.browser();
    for id in 1_000_010..1_000_060 {
        browser.add_to_cart(id, 99).await;
    }
    let res = browser.login("vic@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = browser.cookie().unwrap();
    assert!(
        cookie.len() < 2000,
        "the login cookie is {} bytes",
        cookie.len()
    );
    let home = browser.page("/", StatusCode::OK).await;
    assert!(home.flash_says("We moved 40 products"), "{home}");
    assert!(
        home.flash_says("and 32 more") && home.flash_says("10 could not be moved"),
        "{home}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM cart_items").await,
        50,
        "the merge stops at 50 lines"
    );
}

#[tokio::test]
async fn only_lines_in_the_cart_can_be_changed() {
    let app = TestApp::spawn().await;
    for browser in [app.browser(), app.user("dot@example.com").await] {
        // Not in the cart: 404 whatever the quantity (20 has 3 in stock).
        for quantity in ["1", "5", "0"] {
            let res = browser
                .post("/cart/items/20", &[("quantity", quantity)])
                .await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "quantity {quantity}");
        }
        assert_eq!(browser.cart_count().await, 0, "nothing was created");
    }
}

#[tokio::test]
async fn parallel_adds_of_new_products_never_pass_the_50_line_limit() {
    let app = TestApp::spawn().await;
    app.add_products(1_000_000..1_000_060).await;
    let browser = app.user("cap@example.com").await;
    let user_id = app.scalar("SELECT id FROM users").await;
    app.sql(&format!(
        "INSERT INTO cart_items (user_id, product_id, quantity, added_at)
         SELECT {user_id}, id, 1, 0 FROM products WHERE id >= 1000000 AND id < 1000048"
    ))
    .await;
    let token = browser.csrf_token().await;
    let ids: Vec<String> = (1_000_048..1_000_060).map(|id| id.to_string()).collect();
    let adds = ids.iter().map(|id| {
        let form = [
            ("product_id", id.as_str()),
            ("quantity", "1"),
            ("csrf_token", &token),
        ];
        browser
            .client
            .post(browser.url("/cart/items"))
            .form(&form)
            .send()
    });
    for res in futures_util::future::join_all(adds).await {
        assert_eq!(res.unwrap().status(), StatusCode::SEE_OTHER);
    }
    let lines = app.scalar("SELECT COUNT(*) FROM cart_items").await;
    assert_eq!(lines, 50, "two of the twelve new lines fit");
}
