//! CSRF, origin checks, headers, body limits, error pages, configuration.

use reqwest::StatusCode;

use cookie_jar::domain::config::SessionStoreKind;

use crate::common::{set_cookie_named, Page, TestApp, PASSWORD};

#[tokio::test]
async fn a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.user("max@example.com").await;

    let res = browser.post_raw("/preferences", &[("theme", "dark")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = Page::from_response(res).await;
    assert!(page.says("did not come from this site"), "{page}");
    let res = browser
        .post_raw(
            "/preferences",
            &[("theme", "dark"), ("csrf_token", "forged")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = browser.page("/", StatusCode::OK).await;
    assert!(html.theme() == "system", "theme unchanged");

    // Logout and login forms are protected too.
    assert_eq!(
        browser.post_raw("/logout", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(browser.is_logged_in().await);
    let guest = app.browser();
    let res = guest
        .post_raw(
            "/login",
            &[("email", "max@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!guest.is_logged_in().await);

    // A token from another session does not work either.
    let other = app.browser().csrf_token().await;
    let res = browser
        .post_raw("/preferences", &[("theme", "dark"), ("csrf_token", &other)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_cross_site_request_is_refused_even_with_a_valid_token() {
    let app = TestApp::spawn().await;
    let browser = app.user("ned@example.com").await;
    let token = browser.csrf_token().await;
    let form = [("theme", "dark"), ("csrf_token", token.as_str())];

    let post_from = |headers: &'static [(&'static str, &'static str)]| {
        let mut request = browser.client.post(browser.url("/preferences")).form(&form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    for headers in [
        &[("Origin", "https://evil.example")][..],
        &[("Origin", "null")],
        &[("Sec-Fetch-Site", "cross-site")],
        &[("Sec-Fetch-Site", "same-site")],
        &[("Referer", "https://evil.example/page")],
    ] {
        let res = post_from(headers).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert!(browser.page("/", StatusCode::OK).await.theme() == "system");

    // Our own origin is fine, whichever header says so.
    let referer = format!("{}/preferences", app.address);
    let own: [&[(&str, &str)]; 3] = [
        &[
            ("Origin", app.address.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        &[("Origin", app.address.as_str())],
        &[("Referer", referer.as_str())],
    ];
    for headers in own {
        let mut request = browser.client.post(browser.url("/preferences")).form(&form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let status = request.send().await.unwrap().status();
        assert_eq!(status, StatusCode::SEE_OTHER, "{headers:?}");
    }
    assert!(browser.page("/", StatusCode::OK).await.theme() == "dark");
}

#[tokio::test]
async fn a_huge_body_gets_413() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let token = browser.csrf_token().await;
    let huge = "x".repeat(100 * 1024);
    let res = browser
        .post_raw(
            "/register",
            &[("email", huge.as_str()), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = Page::from_response(res).await;
    assert!(page.says("too large"), "{page}");
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let browser = app.user("ola@example.com").await;
    for path in [
        "/",
        "/products",
        "/cart",
        "/profile",
        "/session",
        "/does-not-exist",
    ] {
        let res = browser.get(path).await;
        let h = res.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(
            h.get("referrer-policy").unwrap(),
            "strict-origin-when-cross-origin"
        );
        assert_eq!(h.get("cross-origin-opener-policy").unwrap(), "same-origin");
        assert_eq!(h.get("cache-control").unwrap(), "no-store", "{path}");
        assert!(h.get("server").is_none());
    }
}

#[tokio::test]
async fn the_session_cookie_has_safe_attributes() {
    let app = TestApp::spawn().await;
    let guest = app.browser();
    let page_view = guest.get("/").await;
    let res = guest.add_to_cart(1, 1).await;
    let cookie = set_cookie_named(&res, "session")
        .or_else(|| set_cookie_named(&page_view, "session"))
        .expect("a guest with a cart has a session cookie");
    // With a server-side store, the page view's forms had their token in
    // a cookie of its own: it has the same attributes.
    let csrf = set_cookie_named(&page_view, "csrf");
    assert_eq!(csrf.is_some(), app.store() != SessionStoreKind::Cookie);
    for cookie in [Some(cookie), csrf].into_iter().flatten() {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.contains("Domain"), "{cookie}");
        assert!(!cookie.contains("Secure"), "{cookie}");
    }

    let secure = TestApp::spawn_with(&[("COOKIE_SECURE", "true")]).await;
    let res = secure.browser().get("/").await;
    let name = match secure.store() {
        SessionStoreKind::Cookie => "__Host-session",
        _ => "__Host-csrf",
    };
    let cookie = set_cookie_named(&res, name).expect("a cookie for the page's forms");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(res.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn unknown_pages_and_bad_queries_get_clear_error_pages() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let html = browser.page("/nope", StatusCode::NOT_FOUND).await;
    assert!(html.says("Page not found"), "{html}");
    browser
        .page("/products/no-such-thing", StatusCode::NOT_FOUND)
        .await;
    browser
        .page("/orders/not-a-number", StatusCode::SEE_OTHER)
        .await;
    browser
        .page("/products?page=abc", StatusCode::BAD_REQUEST)
        .await;
    browser
        .page("/products?sort=evil", StatusCode::BAD_REQUEST)
        .await;
    let res = browser
        .client
        .get(browser.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({"status": "ok", "database": "ok"}));
}

#[tokio::test]
async fn a_malformed_form_is_a_422_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser.post("/cart/items", &[("product_id", "1")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from_response(res).await;
    assert!(page.says("quantity"), "{page}");
}

#[tokio::test]
async fn a_server_error_is_a_page_with_a_request_id_and_no_internals() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    // Break the database under the running app (works on SQLite and PostgreSQL).
    app.sql("ALTER TABLE products RENAME TO products_gone")
        .await;
    let res = browser.get("/products").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.headers().contains_key("content-security-policy"));
    let page = Page::from_response(res).await;
    assert!(page.says("Something went wrong on our side"), "{page}");
    assert!(page.says("mention request id"), "{page}");
    let id = page.text_of(".error-page code").unwrap_or_default();
    assert!(!id.is_empty(), "a request id: {page}");
    // Not anywhere in the body: not in a comment or an attribute either.
    for internal in [
        "no such table",
        "sqlx",
        "SELECT",
        "error returned from database",
    ] {
        assert!(
            !page.markup().contains(internal),
            "`{internal}` must not leak"
        );
    }
}

#[tokio::test]
async fn the_health_check_reports_a_database_that_is_down() {
    let app = TestApp::spawn().await;
    app.pool.close().await;
    let res = app.browser().get("/healthz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(json["database"], "unavailable");
}

#[tokio::test]
async fn error_pages_keep_the_visitors_navigation_and_theme() {
    let app = TestApp::spawn().await;
    let browser = app.user("pia@example.com").await;
    browser
        .post("/preferences", &[("theme", "dark"), ("page_size", "12")])
        .await;
    for (path, status) in [
        ("/no-such-page", StatusCode::NOT_FOUND),
        ("/products/no-such-product", StatusCode::NOT_FOUND),
        ("/orders/42", StatusCode::NOT_FOUND),
    ] {
        let html = browser.page(path, status).await;
        assert!(
            html.signed_in_as().as_deref() == Some("Tester"),
            "{path}: the user's name in the nav"
        );
        assert!(html.theme() == "dark", "{path}: the user's theme");
    }
}

#[tokio::test]
async fn a_first_visit_that_lands_on_an_error_page_can_use_its_forms() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let missing = browser.page("/no-such-page", StatusCode::NOT_FOUND).await;
    assert!(
        missing.csrf_token().is_some(),
        "the nav's toggle has a token"
    );
    let res = browser
        .post("/preferences", &[("theme", "dark"), ("back", "/")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.page("/", StatusCode::OK).await.theme(), "dark");
}

#[tokio::test]
async fn the_forms_on_an_error_page_work() {
    let app = TestApp::spawn().await;
    let guest = app.browser();
    guest.add_to_cart(1, 2).await;
    let html = guest.page("/nope", StatusCode::NOT_FOUND).await;
    assert!(html.cart_count() == 2, "the guest's cart");
    let token = html.csrf_token().unwrap();
    let res = guest
        .post_raw(
            "/preferences",
            &[("theme", "dark"), ("back", "/"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the theme toggle works"
    );

    let user = app.user("sol@example.com").await;
    let html = user.page("/nope", StatusCode::NOT_FOUND).await;
    let token = html.csrf_token().unwrap();
    let res = user.post_raw("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign out works");
    assert!(!user.is_logged_in().await);
}

/// A cross-site form arrives without our `SameSite=Lax` cookie. Its answer
/// must not set one: that would replace the visitor's real cookie and sign
/// them out (a "logout CSRF").
#[tokio::test]
async fn a_post_without_a_session_does_not_answer_with_a_cookie() {
    let app = TestApp::spawn().await;
    let cookieless = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/preferences", "/logout", "/cart/items", "/no-such-page"] {
        let res = cookieless
            .post(format!("{}{path}", app.address))
            .header("Origin", "https://evil.example")
            .form(&[("theme", "dark")])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
        assert!(
            res.headers().get("set-cookie").is_none(),
            "{path} set a cookie"
        );
    }
    // A page view gives its forms a token: a session cookie, or, with a
    // server-side store, the signed CSRF cookie.
    let res = cookieless.get(&app.address).send().await.unwrap();
    assert!(res.headers().get("set-cookie").is_some());
}

/// The route table with its `{parameters}` filled in with something.
fn post_paths() -> Vec<String> {
    cookie_jar::routes::table()
        .into_iter()
        .filter(|e| e.method == actix_web::http::Method::POST)
        .map(|e| {
            e.path
                .replace("{product_id}", "1")
                .replace("{handle}", "some-handle")
        })
        .collect()
}

#[tokio::test]
async fn every_post_route_of_the_route_table_refuses_a_form_without_its_token() {
    let app = TestApp::spawn().await;
    let user = app.user("csrf@example.com").await;
    user.add_to_cart(1, 1).await;
    let guest = app.browser();
    guest.add_to_cart(2, 1).await;
    let paths = post_paths();
    for known in ["/login", "/checkout", "/account/delete", "/cart/items/1"] {
        assert!(paths.iter().any(|p| p == known), "{known} in {paths:?}");
    }
    for path in &paths {
        for (who, browser) in [("guest", &guest), ("user", &user)] {
            // What a handler would want, all but the token.
            let form = [
                ("email", "csrf@example.com"),
                ("password", PASSWORD),
                ("current_password", PASSWORD),
                ("new_password", "another fine password here"),
                ("new_password_confirm", "another fine password here"),
                ("password_confirm", PASSWORD),
                ("display_name", "Changed"),
                ("theme", "dark"),
                ("page_size", "6"),
                ("product_id", "3"),
                ("quantity", "1"),
            ];
            let res = browser.post_raw(path, &form).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} POST {path}");
            let token = browser.csrf_token().await;
            let wrong = [("csrf_token", "x".repeat(token.len()))];
            let res = browser
                .client
                .post(browser.url(path))
                .form(&wrong)
                .send()
                .await;
            assert_eq!(res.unwrap().status(), StatusCode::FORBIDDEN, "{who} {path}");
        }
    }
    // Nothing changed.
    let page = user.page("/", StatusCode::OK).await;
    assert_eq!(page.signed_in_as().as_deref(), Some("Tester"));
    assert_eq!((page.cart_count(), page.theme().as_str()), (1, "system"));
    assert_eq!(guest.cart_count().await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    let live = "SELECT COUNT(*) FROM logins WHERE revoked_at IS NULL";
    assert_eq!(app.scalar(live).await, 1);
    assert_eq!(
        user.login("csrf@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_malformed_query_gets_the_shops_400_page_with_the_visitors_navigation() {
    let app = TestApp::spawn().await;
    let browser = app.user("query@example.com").await;
    browser
        .post("/preferences", &[("theme", "dark"), ("page_size", "12")])
        .await;
    for query in [
        "page=abc",
        "page=1e3",
        "page=1&page=2",
        "page=99999999999999999999999",
        "sort=name&sort=price",
    ] {
        let page = browser.open(&format!("/products?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            page.says("This address could not be read"),
            "{query}: {page}"
        );
        for parser_words in [
            "invalid digit",
            "duplicate field",
            "too large",
            "Query deserialize",
        ] {
            // Not anywhere in the body: not in a comment either.
            assert!(
                !page.markup().contains(parser_words),
                "{query}: {parser_words}"
            );
        }
        assert_eq!(page.signed_in_as().as_deref(), Some("Tester"), "{query}");
        assert_eq!(page.theme(), "dark", "{query}");
    }
}

#[tokio::test]
async fn a_refused_form_shows_the_visitors_own_navigation() {
    let app = TestApp::spawn().await;
    let browser = app.user("nav@example.com").await;
    browser
        .post("/preferences", &[("theme", "dark"), ("page_size", "12")])
        .await;
    browser.add_to_cart(1, 3).await;
    let res = browser
        .post_raw(
            "/cart/items",
            &[
                ("product_id", "2"),
                ("quantity", "1"),
                ("csrf_token", "old"),
            ],
        )
        .await;
    let page = Page::from_response(res).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.says("did not come from this site"));
    assert_eq!(page.signed_in_as().as_deref(), Some("Tester"));
    assert_eq!((page.theme().as_str(), page.cart_count()), ("dark", 3));
}

/// A same-origin form from `https://shop.example`, as a proxy in front of
/// the app would pass it on: with `X-Forwarded-Host: shop.example`.
async fn post_through_a_proxy_for_shop_example(app: &TestApp) -> StatusCode {
    let browser = app.browser();
    let token = browser.csrf_token().await;
    let res = browser
        .client
        .post(browser.url("/preferences"))
        .header("Origin", "https://shop.example")
        .header("X-Forwarded-Host", "shop.example")
        .form(&[("theme", "dark"), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    res.status()
}

#[tokio::test]
async fn a_forwarded_host_is_believed_only_from_the_trusted_proxy() {
    // A client's own X-Forwarded-Host does not make its Origin ours.
    let app = TestApp::spawn().await;
    let status = post_through_a_proxy_for_shop_example(&app).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // From the trusted proxy (here, the loopback peer) it does.
    let app = TestApp::spawn_with(&[("TRUSTED_PROXY", "127.0.0.1")]).await;
    let status = post_through_a_proxy_for_shop_example(&app).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn with_a_public_origin_only_that_origin_may_post() {
    let app = TestApp::spawn_with(&[("PUBLIC_ORIGIN", "https://shop.example")]).await;
    let browser = app.browser();
    let token = browser.csrf_token().await;
    let form = [("theme", "dark"), ("csrf_token", token.as_str())];
    for (origin, expected) in [
        ("https://shop.example", StatusCode::SEE_OTHER),
        ("http://shop.example", StatusCode::FORBIDDEN),
        (app.address.as_str(), StatusCode::FORBIDDEN),
        ("https://shop.example.evil.example", StatusCode::FORBIDDEN),
    ] {
        let res = browser
            .client
            .post(browser.url("/preferences"))
            .header("Origin", origin)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "Origin: {origin}");
    }
}

#[tokio::test]
async fn a_method_a_page_does_not_take_gets_405_with_allow() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser.get("/logout").await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers().get("allow").unwrap(), "POST");
    let page = Page::from_response(res).await;
    assert!(page.says("cannot be used that way"), "{page}");
    let res = browser.get("/cart/items").await;
    assert_eq!(res.headers().get("allow").unwrap(), "POST");
}

#[tokio::test]
async fn static_files_are_served_from_their_folder_versioned_revalidated_and_in_ranges() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let home = browser.page("/", StatusCode::OK).await;
    let css = home.attr("link[rel=stylesheet]", "href").unwrap();
    assert!(css.starts_with("/static/css/app.css?v="), "{css}");

    let res = browser.get(&css).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h.get("content-type").unwrap(), "text/css; charset=utf-8");
    assert_eq!(
        h.get("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    assert!(h.contains_key("last-modified"));
    let etag = h.get("etag").unwrap().to_str().unwrap().to_string();
    assert!(res.text().await.unwrap().contains("data-theme"));

    // Without the version, or with an old one: revalidated every time.
    for path in ["/static/css/app.css", "/static/css/app.css?v=0ld"] {
        let res = browser.get(path).await;
        assert_eq!(
            res.headers().get("cache-control").unwrap(),
            "public, no-cache"
        );
        let again = browser
            .client
            .get(browser.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let weak = browser
        .client
        .get(browser.url("/static/css/app.css"))
        .header("If-None-Match", format!("W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        weak.status(),
        StatusCode::NOT_MODIFIED,
        "a weak tag matches"
    );
    let since = h.get("last-modified").unwrap().to_str().unwrap();
    let by_date = browser
        .client
        .get(browser.url("/static/css/app.css"))
        .header("If-Modified-Since", since)
        .send()
        .await
        .unwrap();
    assert_eq!(by_date.status(), StatusCode::NOT_MODIFIED);
    let stale = browser
        .client
        .get(browser.url("/static/css/app.css"))
        .header("If-None-Match", "\"another\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
    let part = browser
        .client
        .get(browser.url(&css))
        .header("Range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap().len(), 10);
    // A range past the end is refused, and that refusal is not cached as
    // the file is.
    let beyond = browser
        .client
        .get(browser.url(&css))
        .header("Range", "bytes=99999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(beyond.headers()["cache-control"], "public, no-cache");
    let image = home.attr(".product-card img", "src").unwrap();
    let res = browser.get(&image).await;
    assert_eq!(res.headers().get("content-type").unwrap(), "image/svg+xml");
    browser
        .page("/static/nope.css", StatusCode::NOT_FOUND)
        .await;
    browser
        .page("/static/../Cargo.toml", StatusCode::NOT_FOUND)
        .await;
    browser
        .page("/static/%2e%2e/Cargo.toml", StatusCode::NOT_FOUND)
        .await;
    browser.page("/static/css/", StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn head_answers_like_get_without_a_body_and_keeps_the_flash() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.add_to_cart(1, 1).await;
    for path in ["/", "/cart", "/products", "/healthz", "/static/css/app.css"] {
        let get = browser.get(path).await;
        let head = browser.client.head(browser.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "{path}"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    // The flash of the add waits for a page someone sees.
    browser.add_to_cart(2, 1).await;
    let head = browser
        .client
        .head(browser.url("/cart"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let cart = browser.page("/cart", StatusCode::OK).await;
    assert!(
        cart.flash().is_some_and(|f| f.starts_with("Added 1 ×")),
        "{cart}"
    );

    let head = browser
        .client
        .head(browser.url("/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::METHOD_NOT_ALLOWED);
    let res = browser.get("/cart").await;
    assert_eq!(res.headers().get("allow"), None);
    let res = browser.get("/cart/clear").await;
    assert_eq!(res.headers().get("allow").unwrap(), "POST");
    let res = browser
        .client
        .post(browser.url("/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "CSRF comes before routing"
    );
}

#[tokio::test]
async fn a_compressed_form_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let token = browser.csrf_token().await;
    let body = format!("product_id=1&quantity=1&csrf_token={token}");
    let res = browser
        .client
        .post(browser.url("/cart/items"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Content-Encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let page = Page::from_response(res).await;
    assert!(page.says("Send the form uncompressed"), "{page}");
    assert_eq!(browser.cart_count().await, 0);
}
