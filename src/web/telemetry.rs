//! What an operator watches: an access log line per request (with the
//! request id, in text or JSON), and Prometheus metrics, served at
//! `/metrics` on a listener of its own (`METRICS_ADDR`), never on the
//! shop's port. With no `METRICS_ADDR` no recorder is installed and the
//! `metrics::counter!` calls cost nothing.
//!
//! | metric | what |
//! | --- | --- |
//! | `http_requests_total{method,route,status}` | requests answered |
//! | `http_request_duration_seconds{method,route}` | how long they took |
//! | `logins_total{outcome}` | succeeded, failed, throttled (`auth::login`) |
//! | `sessions_active` | live logins (rows not revoked, not timed out) |
//! | `password_hashes_waiting`, `password_hashes_running` | the hashing queue |
//! | `db_pool_connections`, `db_pool_idle` | the database pool |

use std::{sync::OnceLock, time::Instant};

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web, HttpResponse,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::{error::Result, repo::sessions, state::AppState};

/// The process's one recorder, installed the first time a metrics listener
/// starts.
pub fn recorder() -> &'static PrometheusHandle {
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

/// Counts and times every request, and logs one line for it.
pub async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> std::result::Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let seconds = started.elapsed().as_secs_f64();
    // The route's pattern, not the path: `/orders/{id}` is one series.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.clone(), "route" => route.clone()).record(seconds);
    tracing::info!(
        method,
        route,
        status,
        ms = (seconds * 1000.0).round(),
        "request"
    );
    Ok(res)
}

/// `GET /metrics` on the metrics listener: Prometheus text.
pub async fn metrics(app: web::Data<AppState>) -> Result<HttpResponse> {
    let now = app.clock.now();
    let idle = app.settings.session_idle_timeout.as_secs() as i64;
    let live = sessions::count_live(&app.pool, now, idle).await?;
    metrics::gauge!("sessions_active").set(live as f64);
    let (waiting, running) = app.hasher.queue();
    metrics::gauge!("password_hashes_waiting").set(waiting as f64);
    metrics::gauge!("password_hashes_running").set(running as f64);
    metrics::gauge!("db_pool_connections").set(f64::from(app.pool.size()));
    metrics::gauge!("db_pool_idle").set(app.pool.num_idle() as f64);
    let handle = recorder();
    handle.run_upkeep();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(handle.render()))
}
