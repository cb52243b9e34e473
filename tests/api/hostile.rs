//! What a hostile or broken client meets: the methods a page does not
//! take, a head too large, and a log that it cannot fill with its own
//! mistakes.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use proptest::{
    prelude::{any, prop_oneof, Just, Strategy},
    prop_assert, prop_assert_eq,
    test_runner::{Config as ProptestConfig, TestCaseError},
};
use reqwest::{Method, StatusCode};

use crate::common::{process::Process, TestApp};

#[tokio::test]
async fn put_delete_patch_and_options_on_a_known_page_get_405_with_allow_and_change_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.user("methods@example.com").await;
    browser.add_to_cart(1, 2).await;
    let token = browser.csrf_token().await;
    let cases = [
        (Method::DELETE, "/cart", "GET, HEAD"),
        (Method::PUT, "/cart/items", "POST"),
        (Method::PATCH, "/cart/items/1", "POST"),
        (Method::DELETE, "/cart/items/1", "POST"),
        (Method::OPTIONS, "/products", "GET, HEAD"),
        (Method::PUT, "/profile", "GET, HEAD, POST"),
        (Method::DELETE, "/static/css/app.css", "GET, HEAD"),
    ];
    for (method, path, allow) in cases {
        let res = browser
            .client
            .request(method.clone(), browser.url(path))
            .form(&[("csrf_token", token.as_str()), ("quantity", "0")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(
            res.headers().get("allow").unwrap(),
            allow,
            "{method} {path}"
        );
    }
    assert_eq!(browser.cart_count().await, 2, "the cart is as it was");
    let res = browser
        .client
        .request(Method::DELETE, browser.url("/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Sends `request` on a fresh connection and reads the status line.
fn status_line(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The server may answer before it has read everything: a write error
    // after the answer is fine, the answer is what counts.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_megabyte_of_header_gets_431_not_a_reset() {
    let app = TestApp::spawn().await;
    let address = app.address.clone();
    let mut request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ".to_vec();
    request.extend(std::iter::repeat_n(b'a', 1 << 20));
    request.extend(b"\r\n\r\n");
    let line = tokio::task::spawn_blocking(move || status_line(&address, &request))
        .await
        .unwrap();
    assert!(line.starts_with("HTTP/1.1 431"), "answered: {line:?}");
    // The shop is still there.
    app.browser().page("/", StatusCode::OK).await;
}

#[tokio::test]
async fn a_visitors_mistakes_are_not_errors_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    // Warnings and errors from everything; the shop's own info lines too,
    // for the line that says where it listens.
    let shop = Process::start(dir.path(), &[("LOG", "warn,cookie_jar=info")]);
    // A connection for each request: one kept from before the slow raw
    // requests below may be closed by the shop's keep-alive timeout just
    // as it is reused (an IncompleteMessage, seen once in CI).
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let get = |path: &str, cookie: &str| {
        client
            .get(format!("{}{path}", shop.address))
            .header("Cookie", cookie.to_string())
            .send()
    };
    // A page that needs a login, as a guest; cookies nobody sealed.
    assert_eq!(
        get("/profile", "").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        get("/orders", "session=garbage").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let forged = format!("session={}", "A".repeat(400));
    assert_eq!(get("/", &forged).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get("/nowhere", "").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Mailed links that are forged, malformed or mangled.
    let forged = "A".repeat(43);
    for path in [
        format!("/password/reset/{forged}"),
        "/password/reset/abc".to_string(),
        format!("/verify-email/{forged}"),
        format!("/verify-email/{}", "%0d%0a".repeat(500)),
        "/dev/mail/not-a-number".to_string(),
    ] {
        let status = get(&path, "").await.unwrap().status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // A form without its token, a head too large, a request that is not HTTP.
    let res = client
        .post(format!("{}/cart/clear", shop.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let address = shop.address.clone();
    tokio::task::spawn_blocking(move || {
        let mut big = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', 100_000));
        big.extend(b"\r\n\r\n");
        status_line(&address, &big);
        status_line(&address, b"NOT HTTP AT ALL\r\n\r\n");
    })
    .await
    .unwrap();
    // The log shows them only if something reads it afterwards: a last
    // request, answered after the others were logged.
    assert_eq!(get("/livez", "").await.unwrap().status(), StatusCode::OK);
    std::thread::sleep(Duration::from_millis(200));
    let log = shop.log();
    let noisy: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("WARN"))
        .collect();
    assert!(
        noisy.is_empty(),
        "at LOG=warn, a visitor's mistakes log nothing:\n{}",
        noisy.join("\n")
    ); // A mailed link's token is a password: the access log cuts it off.
    assert!(log.contains("/password/reset/…"), "{log}");
    assert!(!log.contains(&"A".repeat(43)), "{log}");
}

/// One request a hostile client might send.
#[derive(Debug, Clone)]
struct Hostile {
    method: Method,
    path: String,
    /// The route table's pattern the path surely matches, if any.
    route: Option<&'static str>,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    cookie: CookieKind,
    with_token: bool,
    long_header: bool,
}

#[derive(Debug, Clone)]
enum CookieKind {
    Valid,
    None,
    Garbage(String),
    Oversized,
}

/// What a hostile client might type, markup and traversal included: the
/// probe `<zz-probe>` must never come back unescaped.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<zz-probe>".to_string()),
        Just("\"><zz-probe>".to_string()),
        Just("../../etc/passwd".to_string()),
        Just("%2e%2e%2f%2e%2e%2fCargo.toml".to_string()),
        Just("..%2f..%2fsrc%2fmain.rs".to_string()),
        Just("%00".to_string()),
        Just("99999999999999999999999999".to_string()),
        Just("-1".to_string()),
        Just("1e9".to_string()),
        Just("0x10".to_string()),
        Just(String::new()),
        Just("x".repeat(5000)),
        "[a-z0-9]{1,12}",
        any::<String>(),
    ]
}

/// A path of the route table with its `{params}` filled in with hostile
/// text, or the static route with a traversal, or junk.
/// With the route it surely is (the table's pattern), when the filling
/// cannot make it another: one segment, not `.` or `..`, not empty.
fn hostile_path(paths: Vec<&'static str>) -> impl Strategy<Value = (String, Option<&'static str>)> {
    let filled = (
        proptest::sample::select(paths),
        hostile_text(),
        hostile_text(),
    )
        .prop_map(|(pattern, param, query)| {
            let segment = percent(&param);
            let path = regex::Regex::new(r"\{[^}]+\}")
                .unwrap()
                .replace_all(pattern, segment.as_str())
                .into_owned();
            let one_segment = !segment.is_empty()
                && !segment.contains('/')
                && !segment.to_ascii_lowercase().contains("%2f")
                && segment != "."
                && segment != "..";
            let route = (!pattern.contains('{') || one_segment).then_some(pattern);
            let path = if query.is_empty() {
                path
            } else {
                format!("{path}?next={0}&page={0}&back={0}", percent(&query))
            };
            (path, route)
        });
    let unrouted = |path: String| (path, None);
    prop_oneof![
        4 => filled,
        1 => Just(unrouted("/static/..%2f..%2fCargo.toml".to_string())),
        1 => Just(unrouted("/static/%2e%2e/%2e%2e/Cargo.toml".to_string())),
        1 => Just(unrouted(format!("/{}", "a/".repeat(3000)))),
        1 => "/[a-zA-Z0-9%./_-]{0,40}".prop_map(unrouted),
    ]
}

/// Percent-encodes what a URL cannot carry as is (but keeps `%`, so
/// encoded traversals stay encoded).
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'%' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A form of the shop's field names with hostile values (fields repeated or
/// missing), or raw bytes (invalid UTF-8, NUL).
fn hostile_body() -> impl Strategy<Value = Vec<u8>> {
    let fields = proptest::sample::select(vec![
        "email",
        "password",
        "password_confirm",
        "display_name",
        "product_id",
        "quantity",
        "current_password",
        "new_password",
        "new_password_confirm",
        "theme",
        "page_size",
        "remember_me",
        "next",
        "csrf_token",
    ]);
    let form = proptest::collection::vec((fields, hostile_text()), 0..6).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent(v)))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    });
    prop_oneof![3 => form, 1 => proptest::collection::vec(any::<u8>(), 0..300)]
}

fn hostile_request(paths: Vec<&'static str>) -> impl Strategy<Value = Hostile> {
    let method = proptest::sample::select(vec![
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
    ]);
    let content_type = proptest::sample::select(vec![
        Some("application/x-www-form-urlencoded"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json"),
        Some("multipart/form-data; boundary=x"),
        None,
    ]);
    let cookie = prop_oneof![
        3 => Just(CookieKind::Valid),
        1 => Just(CookieKind::None),
        1 => "[A-Za-z0-9+/=%]{0,200}".prop_map(CookieKind::Garbage),
        1 => Just(CookieKind::Oversized),
    ];
    (
        method,
        hostile_path(paths),
        hostile_body(),
        content_type,
        cookie,
        any::<bool>(),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(method, (path, route), body, content_type, cookie, with_token, long_header)| {
                Hostile {
                    method,
                    path,
                    route,
                    body,
                    content_type,
                    cookie,
                    with_token,
                    long_header,
                }
            },
        )
}

/// Everything a request could change, row by row, in one string.
async fn database_snapshot(app: &TestApp) -> String {
    let mut rows = Vec::new();
    for query in [
        "SELECT display_name || '|' || password_hash || '|' || preferences || '|' || email
           FROM users ORDER BY id",
        "SELECT id || '|' || COALESCE(CAST(revoked_at AS TEXT), '-') FROM logins ORDER BY id",
        "SELECT user_id || '|' || product_id || '|' || quantity FROM cart_items
          ORDER BY user_id, product_id",
        "SELECT CAST(id AS TEXT) FROM orders ORDER BY id",
        "SELECT id || '|' || stock FROM products ORDER BY id",
    ] {
        let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
            .fetch_all(&app.pool)
            .await
            .expect("snapshot SQL");
        rows.push(found.join(";"));
    }
    rows.join("\n")
}

#[test]
fn hostile_requests_at_every_route_never_get_a_5xx_never_change_anything_without_a_token_never_reflect_markup_and_head_answers_like_get(
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (app, browser, token) = runtime.block_on(async {
        let app = TestApp::spawn().await;
        let browser = app.user("hostile@example.com").await;
        browser.add_to_cart(1, 2).await;
        let token = browser.csrf_token().await;
        (app, browser, token)
    });
    let cookie = format!("session={}", browser.cookie().unwrap());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let table = cookie_jar::routes::table();
    let paths: Vec<&'static str> = table.iter().map(|e| e.path).collect();
    // The table's methods are actix's type; compared by name.
    let allowed = |path: &str, method: &Method| {
        table.iter().filter(|e| e.path == path).any(|e| {
            let name = e.method.as_str();
            name == method.as_str() || (name == "GET" && *method == Method::HEAD)
        })
    };

    let config = ProptestConfig {
        cases: 800,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let tried = std::sync::atomic::AtomicUsize::new(0);
    let outcome = runner.run(&hostile_request(paths.clone()), |case| {
        tried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        runtime.block_on(async {
            let before = database_snapshot(&app).await;
            let path = case.path.split('?').next().unwrap();
            // The token goes with some POSTs, but never to the ones that
            // end the session (the rest of the run needs it).
            let ends_session = path == "/logout" || path.starts_with("/profile/sessions");
            // A token of its own in the body makes the field repeated,
            // which the check refuses like a wrong token.
            let own_token = String::from_utf8_lossy(&case.body).contains("csrf_token");
            let valid_post = case.method == Method::POST
                && case.with_token
                && !ends_session
                && !own_token
                && case.content_type == Some("application/x-www-form-urlencoded")
                && matches!(case.cookie, CookieKind::Valid);
            let mut body = case.body.clone();
            if valid_post {
                body.extend(format!("&csrf_token={token}").as_bytes());
            }
            let mut request = client
                .request(case.method.clone(), format!("{}{}", app.address, case.path))
                .body(body);
            if let Some(content_type) = case.content_type {
                request = request.header("content-type", content_type);
            }
            request = match &case.cookie {
                CookieKind::Valid => request.header("cookie", &cookie),
                CookieKind::None => request,
                CookieKind::Garbage(value) => request.header("cookie", format!("session={value}")),
                CookieKind::Oversized => {
                    request.header("cookie", format!("session={}", "A".repeat(6000)))
                }
            };
            if case.long_header {
                request = request.header("x-long", "h".repeat(20_000));
            }
            let request = request.build().expect("a request");
            // HEAD answers wherever GET does, with the same status.
            let as_get = (case.method == Method::HEAD).then(|| {
                let mut get = request.try_clone().expect("a body in memory");
                *get.method_mut() = Method::GET;
                get
            });
            let res = client
                .execute(request)
                .await
                .map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
            let status = res.status();
            if let Some(get) = as_get {
                let got = client
                    .execute(get)
                    .await
                    .map_err(|e| TestCaseError::fail(format!("no answer to GET: {e}")))?;
                prop_assert_eq!(status, got.status(), "HEAD and GET of {:?}", case);
            }
            let allow = res.headers().get("allow").cloned();
            let text = String::from_utf8_lossy(&res.bytes().await.unwrap()).into_owned();
            prop_assert!(!status.is_server_error(), "{status} for {case:?}: {text}");
            prop_assert!(
                !text.contains("<zz-probe>"),
                "reflected unescaped: {case:?}: {text}"
            );
            let refused_post = case.method == Method::POST && !valid_post;
            if refused_post {
                // Refused before any handler: no token (403), a body the
                // shop does not read (415), too large (413).
                prop_assert!(
                    matches!(status.as_u16(), 403 | 413 | 415),
                    "{status} for a POST without a valid token: {case:?}"
                );
            }
            // A method the page does not take (a refused POST is refused
            // before routing, above).
            let unsupported = case
                .route
                .is_some_and(|route| !allowed(route, &case.method));
            if unsupported && !refused_post {
                prop_assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{:?}", case);
                prop_assert!(allow.is_some(), "405 without Allow: {:?}", case);
            }
            if !valid_post {
                prop_assert_eq!(
                    database_snapshot(&app).await,
                    before,
                    "changed by {:?}",
                    case
                );
            }
            Ok(())
        })
    });
    // The user may have been signed out or renamed by a valid POST, which
    // is allowed; what matters is that the server is still whole.
    runtime.block_on(async {
        app.browser().page("/", StatusCode::OK).await;
    });
    println!("hostile requests: {} tried", tried.into_inner());
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
