//! What an operator watches: an access log line per request (in the
//! request's span: its id, method, path, client; in text or JSON), and
//! Prometheus metrics, served at
//! `/metrics` on a listener of its own (`METRICS_ADDR`), never on the
//! shop's port. With no `METRICS_ADDR` no recorder is installed and the
//! [`metrics::counter!`] calls cost nothing.
//!
//! | metric | what |
//! | --- | --- |
//! | `http_requests_total{method,route,status}` | requests answered |
//! | `http_request_duration_seconds{method,route}` | how long they took |
//! | `logins_total{outcome}` | succeeded, failed, throttled ([`services::auth::login`]) |
//! | `logins_active` | live logins (rows not revoked, not timed out) |
//! | `password_hashes_waiting`, `password_hashes_running` | the hashing queue |
//! | `db_pool_connections`, `db_pool_idle` | the database pool |
//!
//! [`services::auth::login`]: crate::services::auth::login

use std::{sync::OnceLock, time::Instant};

use actix_web::{
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web, FromRequest, HttpMessage, HttpResponse,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

use crate::{
    data::error::Result, data::repo::logins, domain::client::ClientInfo, services::state::AppState,
};

/// The process's one recorder, installed the first time a metrics listener
/// starts.
pub(crate) fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Latency as a histogram (buckets in seconds, 1 ms to 5 s), which
        // Prometheus can aggregate across instances; a summary cannot be.
        let buckets = [
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ];
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &buckets,
            )
            .expect("buckets are given")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

/// The span every request's log lines carry: its id, and what the client
/// sent, quoted (`Debug`), so that nothing a client sends can pass for a
/// field of its own; the client's address as [`ClientInfo`] has it, so a
/// client's own `X-Forwarded-For` is not believed.
pub(crate) struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
        let client = ClientInfo::from_request(req.request(), &mut Payload::None)
            .into_inner()
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            request_id = request_id.unwrap_or_default(),
            method = ?req.method().as_str(),
            path = ?loggable(req.path()),
            client_ip = client.ip,
            user_agent = ?client.user_agent,
        )
    }

    fn on_request_end<B: MessageBody>(
        _: Span,
        _: &std::result::Result<ServiceResponse<B>, actix_web::Error>,
    ) {
    }
}

/// The paths that carry a mailed token (a password, for as long as it
/// works): the log shows them without it.
const PATHS_WITH_A_TOKEN: [&str; 2] = ["/password/reset/", "/verify-email/"];

/// A request's path as the log may keep it: a mailed link's token is cut
/// off (`/password/reset/…`), so that whoever reads the logs cannot use it.
fn loggable(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in PATHS_WITH_A_TOKEN {
        if let Some(rest) = path.strip_prefix(prefix) {
            if !rest.is_empty() && rest != "resend" {
                return format!("{prefix}…").into();
            }
        }
    }
    path.into()
}

/// Counts and times every request, and logs one line for it.
pub(crate) async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> std::result::Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // A fixed set of labels: a client cannot make up new series.
    let method = match *req.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let outcome = next.call(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let (route, status) = match &outcome {
        // The route's pattern, not the path: `/orders/{id}` is one series.
        Ok(res) => (
            res.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into()),
            res.status().as_u16(),
        ),
        Err(err) => (
            "unmatched".into(),
            err.as_response_error().status_code().as_u16(),
        ),
    };
    let labels = [("method", method.to_string()), ("route", route.clone())];
    metrics::histogram!("http_request_duration_seconds", &labels).record(seconds);
    let labels = [
        ("method", method.to_string()),
        ("route", route.clone()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    tracing::info!(route, status, ms = (seconds * 1000.0).round(), "request");
    outcome
}

/// `GET /metrics` on the metrics listener: Prometheus text.
pub(crate) async fn metrics(app: web::Data<AppState>) -> Result<HttpResponse> {
    let now = app.clock.now();
    let idle = app.settings.session_idle_timeout.get();
    let live = logins::count_live(&app.db.pool, now, idle).await?;
    metrics::gauge!("logins_active").set(live as f64);
    let (waiting, running) = app.hasher.queue();
    metrics::gauge!("password_hashes_waiting").set(waiting as f64);
    metrics::gauge!("password_hashes_running").set(running as f64);
    metrics::gauge!("db_pool_connections").set(f64::from(app.db.pool.size()));
    metrics::gauge!("db_pool_idle").set(app.db.pool.num_idle() as f64);
    let handle = recorder();
    handle.run_upkeep();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(handle.render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailed_links_token_never_reaches_the_log() {
        let token = "mNYCTZRsqMyl-I5Ohlzf8LYrQ6RZIxr2f10lJZe2B_w";
        assert_eq!(
            loggable(&format!("/password/reset/{token}")),
            "/password/reset/…"
        );
        assert_eq!(
            loggable(&format!("/verify-email/{token}")),
            "/verify-email/…"
        );
        assert_eq!(loggable("/verify-email/resend"), "/verify-email/resend");
        assert_eq!(loggable("/cart/items/1"), "/cart/items/1");
    }
}
