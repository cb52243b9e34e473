//! Builds the application: database, state, housekeeping, middleware,
//! routes, listener. `main.rs` and the tests both go through
//! [`Application::build`], so the tests run exactly what ships.
//!
//! [`Application::build`]: crate::app::startup::Application::build

use std::net::TcpListener;

use actix_web::{
    dev::{Server, ServerHandle},
    middleware::{from_fn, ErrorHandlers},
    web, App, HttpServer,
};
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::{
    data::error::AppError,
    domain::clock::Clock,
    domain::config::Settings,
    routes,
    services::auth::two_factor,
    services::housekeeping,
    services::mail::worker::{self, Worker},
    services::state::AppState,
    web::{
        assets, csrf, error_page,
        form::FORM_LIMIT_BYTES,
        security,
        session::{self, SessionAdapter, Store},
        telemetry,
    },
};

pub struct Application {
    port: u16,
    server: Server,
    /// The `/metrics` listener, when `METRICS_ADDR` is set.
    metrics: Option<(u16, ServerHandle)>,
    housekeeping: JoinHandle<()>,
    /// [`services::housekeeping::watch_sqlite_file`], on SQLite.
    ///
    /// [`services::housekeeping::watch_sqlite_file`]: crate::services::housekeeping::watch_sqlite_file
    watcher: Option<JoinHandle<()>>,
    /// The outbox worker, when `SMTP_URL` is set.
    mail_worker: Option<worker::Running>,
    pub state: web::Data<AppState>,
}

/// After a key rotation, seals every secret at rest again under the
/// current `SESSION_SECRET` ([`two_factor::reseal_secrets`]). A database
/// that cannot take it now (away, read-only) is no reason not to start:
/// the next start does it, and the previous key still opens them.
async fn reseal_secrets(state: &AppState) {
    match two_factor::reseal_secrets(state).await {
        Ok(0) => {}
        Ok(resealed) => tracing::info!(
            resealed,
            "secrets at rest sealed again under the current key"
        ),
        Err(err) => {
            tracing::warn!(error = %err, "secrets at rest not sealed again under the current key")
        }
    }
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::default()).await
    }

    /// Like [`build`], with a clock the caller can move (tests).
    ///
    /// [`build`]: Application::build
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        assets::load(&settings.static_dir)?;
        let listener = TcpListener::bind(&settings.bind_addr)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind_addr))?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        let every = settings.housekeeping_interval;
        let state = web::Data::new(AppState::open(settings, clock, &bound.to_string()).await?);
        reseal_secrets(&state).await;
        let mail_worker = match &state.settings.smtp_url {
            Some(smtp) => {
                let (pool, clock) = (state.db.pool.clone(), state.clock.clone());
                Some(Worker::new(&state.settings, smtp, pool, clock, state.mail.clone())?.spawn())
            }
            None => None,
        };
        let store = Store::connect(&state.settings, &state.db.pool, &state.clock).await?;
        let sessions = web::Data::new(SessionAdapter::new(store, &state.settings));
        let metrics = match &state.settings.metrics_addr {
            Some(addr) => Some(serve_metrics(addr, state.clone())?),
            None => None,
        };
        let housekeeping = housekeeping::spawn(state.clone(), every);
        let watcher = housekeeping::watch_sqlite_file(state.clone());
        let server = serve(listener, state.clone(), sessions)?;
        Ok(Application {
            port,
            server,
            metrics,
            housekeeping,
            watcher,
            mail_worker,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the `/metrics` listener, if there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or `handle().stop()` (graceful:
    /// requests in flight finish; SIGINT, Ctrl-C, stops at once), then stops the metrics listener and the
    /// housekeeping task.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some((_, metrics)) = self.metrics {
            metrics.stop(true).await;
        }
        self.housekeeping.abort();
        if let Some(watcher) = self.watcher {
            watcher.abort();
        }
        if let Some(mail_worker) = self.mail_worker {
            mail_worker.stop().await;
        }
        served
    }
}

fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    sessions: web::Data<SessionAdapter>,
) -> anyhow::Result<Server> {
    let cookie_secure = state.settings.cookie_secure;
    let shutdown_timeout = state.settings.shutdown_timeout.as_secs();

    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(sessions.clone())
            .app_data(web::PayloadConfig::new(FORM_LIMIT_BYTES))
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(web::QueryConfig::default().error_handler(|_, _| {
                let why = "This address could not be read: a page number must be a whole \
                           number, and each part of the address may appear once.";
                AppError::BadRequest(why.into()).into()
            }))
            // Middleware, innermost first (each `wrap` goes around the
            // ones before it, so a request meets them bottom-up):
            // CSRF checks every POST before a handler; error pages are
            // drawn inside the session adapter, while the session (CSRF
            // token, cart, theme) is readable and what the page does to it
            // (a first visit's token) is still written; the adapter opens
            // the session when first asked and writes back what the
            // request ends with, once; the outer error pages draw the
            // adapter's own (a store that fails as it writes: 503); every
            // response gets the security headers, and no `Referer` leaves
            // an address with a mailed token in it; each request is
            // counted, timed and logged, inside the tracing logger's span,
            // which gives it its request id.
            .wrap(from_fn(csrf::protect))
            .wrap(ErrorHandlers::new().default_handler(error_page::render))
            .wrap(from_fn(session::middleware))
            .wrap(ErrorHandlers::new().default_handler(error_page::render))
            .wrap(security::headers(cookie_secure))
            .wrap(from_fn(security::hide_tokens))
            .wrap(from_fn(telemetry::record_requests))
            .wrap(TracingLogger::<telemetry::RequestSpan>::new())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    // On SIGTERM: stop accepting, let requests in flight finish
    // for up to this long, then exit.
    .shutdown_timeout(shutdown_timeout)
    .listen(listener)?
    .run();
    Ok(server)
}

/// The `/metrics` listener: one route, on an address of its own, so the
/// shop's port never shows its numbers. Stopped with the shop.
fn serve_metrics(addr: &str, state: web::Data<AppState>) -> anyhow::Result<(u16, ServerHandle)> {
    let listener = TcpListener::bind(addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on METRICS_ADDR {addr}: {e}"))?;
    let port = listener.local_addr()?.port();
    telemetry::recorder();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(telemetry::metrics))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok((port, handle))
}
