//! Builds the application: database, middleware, routes, listener.
//! `main.rs` and the tests both go through `Application::build`.

use std::{net::TcpListener, sync::Arc};

use actix_files::Files;
use actix_session::{
    config::{CookieContentSecurity, PersistentSession},
    storage::CookieSessionStore,
    SessionMiddleware,
};
use actix_web::{
    cookie::{time::Duration as CookieDuration, Key, SameSite},
    dev::Server,
    middleware::{from_fn, DefaultHeaders, ErrorHandlers},
    web, App, HttpServer,
};
use tracing_actix_web::TracingLogger;

use crate::{
    auth::password::Hasher, clock::Clock, config::Settings, db, errors, routes, security, session,
};

/// What every handler may need, shared by all workers.
pub struct AppState {
    pub pool: db::Pool,
    pub settings: Settings,
    pub clock: Clock,
    pub hasher: Hasher,
}

pub struct Application {
    port: u16,
    server: Server,
    pub state: web::Data<AppState>,
}

/// Bodies larger than this are refused with 413 before a handler runs.
pub const FORM_LIMIT_BYTES: usize = 64 * 1024;

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::default()).await
    }

    /// Like `build`, with a clock the caller can move (tests).
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let pool = db::connect(&settings.database_url).await?;
        let listener = TcpListener::bind(&settings.bind_addr)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let hasher = Hasher::new();
        hasher.warm_up().await?;
        let state = web::Data::new(AppState {
            pool,
            hasher,
            settings,
            clock,
        });
        let server = run(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM (graceful: in-flight requests finish).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let settings = &state.settings;
    let key = Arc::new(Key::from(&settings.session_secret.0));
    let cookie_name = settings.cookie_name().to_string();
    let cookie_secure = settings.cookie_secure;
    // The cookie lives as long as the longest server-side session could
    // (remember-me); the server enforces the shorter timeouts itself.
    let cookie_ttl = CookieDuration::seconds(settings.session_remember_me_timeout.as_secs() as i64);

    let server = HttpServer::new(move || {
        let session = SessionMiddleware::builder(CookieSessionStore::default(), (*key).clone())
            .cookie_name(cookie_name.clone())
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
            .app_data(web::PayloadConfig::new(FORM_LIMIT_BYTES))
            .app_data(
                web::PathConfig::default().error_handler(|_, _| errors::AppError::NotFound.into()),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| errors::AppError::BadRequest(e.to_string()).into()),
            )
            // Middleware, innermost first (the last `wrap` is the outermost).
            // Error pages are rendered inside the session layer, while the
            // session (CSRF token, cart, theme) is still readable and
            // writable; then the cookie's lifetime is noted, the session
            // middleware writes the cookie, and a short-lived login's cookie
            // loses its Max-Age.
            .wrap(ErrorHandlers::new().default_handler(errors::render_error_page))
            .wrap(from_fn(session::note_cookie_lifetime))
            .wrap(session)
            .wrap(from_fn(session::apply_cookie_lifetime))
            .wrap(security::headers(cookie_secure))
            .wrap(TracingLogger::default())
            .service(
                web::scope("/static")
                    .wrap(DefaultHeaders::new().add(("Cache-Control", "public, max-age=3600")))
                    .service(Files::new(
                        "",
                        concat!(env!("CARGO_MANIFEST_DIR"), "/static"),
                    )),
            )
            .configure(routes::routes)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    .run();
    Ok(server)
}
