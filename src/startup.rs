//! Builds the application: database, state, housekeeping, middleware,
//! routes, listener. `main.rs` and the tests both go through
//! `Application::build`, so the tests run exactly what ships.

use std::net::TcpListener;

use actix_session::{
    config::{CookieContentSecurity, PersistentSession},
    storage::CookieSessionStore,
    SessionMiddleware,
};
use actix_web::{
    cookie::{time::Duration as CookieDuration, Key, SameSite},
    dev::{Server, ServerHandle},
    middleware::{from_fn, ErrorHandlers},
    web, App, HttpServer,
};
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::{
    clock::Clock,
    config::Settings,
    error::AppError,
    housekeeping, routes,
    state::AppState,
    web::{
        csrf, error_page,
        form::FORM_LIMIT_BYTES,
        security, session_cookie,
        session_keys::{self, Keys},
        telemetry,
    },
};

pub struct Application {
    port: u16,
    server: Server,
    /// The `/metrics` listener, when `METRICS_ADDR` is set.
    metrics: Option<(u16, ServerHandle)>,
    housekeeping: JoinHandle<()>,
    /// `housekeeping::watch_sqlite_file`, on SQLite.
    watcher: Option<JoinHandle<()>>,
    pub state: web::Data<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::default()).await
    }

    /// Like `build`, with a clock the caller can move (tests).
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind_addr)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let every = settings.housekeeping_interval;
        let state = web::Data::new(AppState::open(settings, clock).await?);
        let metrics = match &state.settings.metrics_addr {
            Some(addr) => Some(serve_metrics(addr, state.clone())?),
            None => None,
        };
        let housekeeping = housekeeping::spawn(state.clone(), every);
        let watcher = housekeeping::watch_sqlite_file(state.clone());
        let server = serve(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            metrics,
            housekeeping,
            watcher,
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
        served
    }
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let settings = &state.settings;
    let key = Key::from(&settings.session_secret.0);
    let keys = web::Data::new(Keys {
        current: key.clone(),
        previous: settings
            .session_secret_previous
            .iter()
            .map(|secret| Key::from(&secret.0))
            .collect(),
    });
    let cookie_name = settings.cookie_name();
    let cookie_secure = settings.cookie_secure;
    // The cookie lives as long as the longest server-side session could
    // (remember-me); the server enforces the shorter timeouts itself, and
    // `session_cookie` shortens a login's cookie to the browser session.
    let cookie_ttl = CookieDuration::seconds(settings.session_remember_me_timeout.as_secs() as i64);
    let shutdown_timeout = settings.shutdown_timeout.as_secs();

    let server = HttpServer::new(move || {
        let session = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
            .cookie_name(cookie_name.to_string())
            .cookie_secure(cookie_secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_path("/".into())
            .cookie_domain(None)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(PersistentSession::default().session_ttl(cookie_ttl))
            .build();

        App::new()
            .app_data(state.clone())
            .app_data(keys.clone())
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
            // drawn inside the session layer, while the session (CSRF
            // token, cart, theme) is readable; the session middleware
            // writes the cookie, after a cookie sealed under a previous key
            // was re-sealed for it; a short-lived login's cookie loses its
            // Max-Age; every response gets the security headers; each
            // request is counted, timed and logged, inside the tracing
            // logger's span, which gives it its request id.
            .wrap(from_fn(csrf::protect))
            .wrap(ErrorHandlers::new().default_handler(error_page::render))
            .wrap(session)
            .wrap(from_fn(session_keys::reseal_old_cookies))
            .wrap(from_fn(session_cookie::browser_session_logins))
            .wrap(security::headers(cookie_secure))
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
