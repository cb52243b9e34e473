//! What a hostile or broken client meets: the methods a page does not
//! take, a head too large, and a log that it cannot fill with its own
//! mistakes.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
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
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
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
    );
}
