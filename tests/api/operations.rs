//! What an operator relies on: health and readiness, and metrics on a
//! listener of their own.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{TestApp, PASSWORD};

async fn json_of(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (
        status,
        serde_json::from_str(&res.text().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn live_ready_and_health_say_what_they_check() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    assert_eq!(
        json_of(browser.get("/livez").await).await,
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let ready = json!({
        "status": "ok", "database": "ok", "migrations": "applied",
        "session_store": "ok", "session_store_kind": app.store().as_str(),
    });
    assert_eq!(
        json_of(browser.get("/readyz").await).await,
        (StatusCode::OK, ready)
    );

    // A migration the database has not had: not ready, still live.
    app.sql(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await;
    let (status, body) = json_of(browser.get("/readyz").await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["database"], "ok");
    assert_eq!(browser.get("/livez").await.status(), StatusCode::OK);

    app.pool.close().await;
    let (status, body) = json_of(browser.get("/readyz").await).await;
    assert_eq!(
        (status, &body["database"]),
        (StatusCode::SERVICE_UNAVAILABLE, &json!("unavailable"))
    );
    assert_eq!(browser.get("/livez").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let app = TestApp::spawn_with(&[("METRICS_ADDR", "127.0.0.1:0")]).await;
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    let browser = app.user("ops@example.com").await;
    browser.page("/orders", StatusCode::OK).await;
    app.browser()
        .login("ops@example.com", "not the password")
        .await;
    app.browser().login("ops@example.com", PASSWORD).await;
    browser.page("/no-such-page", StatusCode::NOT_FOUND).await;

    let text = reqwest::get(format!("{metrics}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        r#"http_requests_total{method="GET",route="/orders",status="200"}"#,
        r#"http_requests_total{method="GET",route="unmatched",status="404"}"#,
        "http_request_duration_seconds_bucket",
        r#"logins_total{outcome="failed"}"#,
        r#"logins_total{outcome="succeeded"}"#,
        "logins_active",
        "password_hashes_waiting",
        "password_hashes_running",
        "db_pool_connections",
        "db_pool_idle",
    ] {
        assert!(text.contains(expected), "`{expected}` in:\n{text}");
    }
    let active = text
        .lines()
        .find_map(|l| l.strip_prefix("logins_active "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .expect("a logins_active value");
    assert!(active >= 2.0, "the two logins of this test: {active}");

    let res = browser.get("/metrics").await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "not on the shop's port"
    );
}

#[tokio::test]
async fn a_client_cannot_make_up_metric_series() {
    let app = TestApp::spawn_with(&[("METRICS_ADDR", "127.0.0.1:0")]).await;
    let metrics = app.metrics_address.clone().unwrap();
    let browser = app.browser();
    for method in ["FOO1", "FOO2", "PROPFIND"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        browser
            .client
            .request(method, browser.url("/"))
            .send()
            .await
            .unwrap();
    }
    let text = reqwest::get(format!("{metrics}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("FOO") && !text.contains("PROPFIND"),
        "{text}"
    );
    assert!(text.contains(r#"method="other""#), "{text}");
}
