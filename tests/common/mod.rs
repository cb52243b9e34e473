//! What both test suites share (`tests/api.rs`, `tests/browser.rs`):
//!
//! - `TestApp`: the real application on a free port with a fresh database
//!   (a SQLite file in a temporary folder; or, when `TEST_POSTGRES_URL`
//!   names a PostgreSQL server, a new database there), keeping its
//!   sessions where `TEST_SESSION_STORE` says (`cookie`, the default;
//!   `database`; `redis`, at `TEST_REDIS_URL` or 127.0.0.1:6379, under a
//!   key prefix of the app's own, so tests running at once never meet). A
//!   suite asked for Redis where none answers fails: the app cannot start;
//! - `Browser`: a reqwest client with its own cookie jar that speaks to it
//!   like a browser does: it remembers the page it is on, submits forms
//!   with that page's CSRF token, and follows no redirect by itself;
//! - `Page`: an HTML page read with a real parser (`scraper`), by text and
//!   selector: a response's here, the page Chromium shows in
//!   `tests/browser.rs`.
//!
//! Each suite declares it `pub mod common;` so helpers one suite does not
//! use are not dead code.

pub mod authenticator;
pub mod delay;
pub mod invariants;
pub mod page;
pub mod process;
pub mod smtp;
pub mod totp;

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use actix_web::web;
use base64::{engine::general_purpose::STANDARD, Engine};
use cookie_jar::{
    app::startup::Application,
    data::db::Pool,
    domain::clock::Clock,
    domain::config::{SessionStoreKind, Settings},
    services::housekeeping,
    services::state::AppState,
};
use reqwest::{cookie::CookieStore, cookie::Jar, redirect::Policy, StatusCode, Url};
use sqlx::{AssertSqlSafe, Connection};

pub use page::Page;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:PORT` of the `/metrics` listener, when the test
    /// set `METRICS_ADDR`.
    pub metrics_address: Option<String>,
    pub clock: Clock,
    pub pool: Pool,
    pub state: web::Data<AppState>,
    pub database_url: String,
    /// The Redis key prefix of this app's sessions (and of its restarts
    /// and other instances).
    pub redis_prefix: String,
    handle: actix_web::dev::ServerHandle,
    dir: Arc<tempfile::TempDir>,
}

/// The session store the suite runs on: `TEST_SESSION_STORE`, or `cookie`.
pub fn store_under_test() -> SessionStoreKind {
    let name = std::env::var("TEST_SESSION_STORE").unwrap_or_default();
    match name.as_str() {
        "" => SessionStoreKind::Cookie,
        name => SessionStoreKind::parse(name)
            .unwrap_or_else(|| panic!("TEST_SESSION_STORE={name}: cookie, database or redis")),
    }
}

/// A server-side store for the tests of what such a store changes: the one
/// under test if it is one, else the database store (which needs nothing).
pub fn server_store() -> &'static str {
    match store_under_test() {
        SessionStoreKind::Cookie => "database",
        other => other.as_str(),
    }
}

/// Where the tests' Redis is.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A key prefix nobody else uses.
pub fn fresh_redis_prefix() -> String {
    format!("cookie-jar-test:{}:", cookie_jar::domain::ids::row_id())
}

/// A fresh, empty database for one test: its URL.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(server) if !server.is_empty() => {
            let name = format!("cookie_jar_test_{}", cookie_jar::domain::ids::row_id());
            let mut admin = sqlx::postgres::PgConnection::connect(&format!("{server}/postgres"))
                .await
                .expect("TEST_POSTGRES_URL reaches a PostgreSQL server");
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("CREATE DATABASE");
            format!("{server}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("shop.db").display()),
    }
}

/// The variables every test app starts from; `extra` overrides them.
pub fn test_settings(database_url: &str, redis_prefix: &str, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = [
        ("APP_ENV", "development".to_string()),
        ("BIND_ADDR", "127.0.0.1:0".into()),
        ("DATABASE_URL", database_url.to_string()),
        ("SESSION_STORE", store_under_test().to_string()),
        ("REDIS_URL", redis_url()),
        ("REDIS_KEY_PREFIX", redis_prefix.to_string()),
        ("SESSION_SECRET", STANDARD.encode([42u8; 64])),
        ("LOG", "warn".into()),
        // Tests register many accounts from 127.0.0.1; the per-client
        // limits have their own tests with low values.
        ("CLIENT_AUTH_POSTS_PER_MINUTE", "10000".into()),
        ("NEW_SESSIONS_PER_CLIENT_PER_MINUTE", "10000".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    Settings::from_vars(&vars).expect("test settings are valid")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// With some settings changed, e.g. `[("SESSION_IDLE_TIMEOUT", "120")]`.
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let database_url = fresh_database(dir.path()).await;
        Self::start(dir, database_url, fresh_redis_prefix(), extra).await
    }

    /// On a database of the test's own choosing (already there).
    pub async fn spawn_on(database_url: &str, extra: &[(&str, &str)]) -> TestApp {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::start(dir, database_url.to_string(), fresh_redis_prefix(), extra).await
    }

    /// A second server on the same database (a restart).
    pub async fn restart(&self) -> TestApp {
        self.restart_with(&[]).await
    }

    /// A restart with some settings changed.
    pub async fn restart_with(&self, extra: &[(&str, &str)]) -> TestApp {
        self.handle.stop(true).await;
        self.beside(extra).await
    }

    /// Another instance on the same database and session store, beside
    /// this one (several instances behind a load balancer).
    pub async fn another_instance(&self, extra: &[(&str, &str)]) -> TestApp {
        self.beside(extra).await
    }

    async fn beside(&self, extra: &[(&str, &str)]) -> TestApp {
        let (dir, url, prefix) = (
            self.dir.clone(),
            self.database_url.clone(),
            self.redis_prefix.clone(),
        );
        Self::start(dir, url, prefix, extra).await
    }

    async fn start(
        dir: Arc<tempfile::TempDir>,
        database_url: String,
        redis_prefix: String,
        extra: &[(&str, &str)],
    ) -> TestApp {
        let settings = test_settings(&database_url, &redis_prefix, extra);
        let clock = Clock::default();
        let app = Application::build_with_clock(settings, clock.clone())
            .await
            .expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let pool = app.state.db.pool.clone();
        let state = app.state.clone();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            metrics_address,
            clock,
            pool,
            state,
            database_url,
            redis_prefix,
            handle,
            dir,
        }
    }

    /// The session store this app keeps its sessions in.
    pub fn store(&self) -> SessionStoreKind {
        self.state.settings.session_store
    }

    /// Seconds each kept session state has left, as the store says (none
    /// for the cookie store), longest first.
    pub async fn stored_lifetimes(&self) -> Vec<i64> {
        let mut lifetimes: Vec<i64> = match self.store() {
            SessionStoreKind::Cookie => Vec::new(),
            SessionStoreKind::Database => {
                sqlx::query_scalar::<_, i64>("SELECT expires_at FROM session_store")
                    .fetch_all(&self.pool)
                    .await
                    .expect("test SQL runs")
                    .into_iter()
                    .map(|at| at - self.clock.now())
                    .collect()
            }
            SessionStoreKind::Redis => redis_keys(&self.redis_prefix)
                .await
                .into_iter()
                .map(|(_, ttl)| ttl)
                .collect(),
        };
        lifetimes.sort_unstable_by(|a, b| b.cmp(a));
        lifetimes
    }

    /// How many session states the store keeps now (always 0 for the
    /// cookie store, which keeps none).
    pub async fn stored_sessions(&self) -> i64 {
        match self.store() {
            SessionStoreKind::Cookie => 0,
            SessionStoreKind::Database => {
                let now = self.clock.now();
                let live = format!("SELECT COUNT(*) FROM session_store WHERE expires_at >= {now}");
                self.scalar(&live).await
            }
            SessionStoreKind::Redis => redis_keys(&self.redis_prefix).await.len() as i64,
        }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// A browser with a freshly registered, logged-in account.
    pub async fn user(&self, email: &str) -> Browser {
        let browser = self.browser();
        let res = browser.register(email, "Tester", PASSWORD).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "registration of {email} failed"
        );
        browser
    }

    pub async fn sql(&self, statement: &str) {
        sqlx::query(AssertSqlSafe(statement))
            .execute(&self.pool)
            .await
            .expect("test SQL runs");
    }

    /// Adds products with ids `ids` (500 in stock, long names), for tests
    /// that need more products than the catalog has.
    pub async fn add_products(&self, ids: std::ops::Range<i64>) {
        for id in ids {
            self.sql(&format!(
                "INSERT INTO products (id, slug, name, description, price_cents, stock, image)
                 VALUES ({id}, 'extra-{id}', 'An Extra Product With A Long Name {id}', 'x',
                         100, 500, '/static/img/logo.svg')"
            ))
            .await;
        }
    }

    /// One housekeeping round, now (the app's own task runs every ten
    /// minutes).
    pub async fn sweep(&self) {
        housekeeping::sweep(&self.state)
            .await
            .expect("housekeeping");
    }

    pub async fn scalar(&self, query: &str) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(query))
            .fetch_one(&self.pool)
            .await
            .expect("test SQL runs")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test anyway.
        let handle = self.handle.clone();
        drop(handle.stop(false));
    }
}

/// The Redis keys that start with `prefix`, and their time to live.
pub async fn redis_keys(prefix: &str) -> Vec<(String, i64)> {
    use deadpool_redis::redis;
    let client = redis::Client::open(redis_url()).expect("a Redis URL");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("the tests' Redis answers");
    let mut keys = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .expect("SCAN");
        keys.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let mut with_ttl = Vec::new();
    for key in keys {
        let ttl: i64 = redis::cmd("TTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .expect("TTL");
        with_ttl.push((key, ttl));
    }
    with_ttl
}

/// Where a browser is: the page it shows, or the redirect it was told to
/// follow (followed when it next needs a page).
#[derive(Default)]
enum Location {
    #[default]
    Nowhere,
    Showing(Page),
    RedirectedTo(String),
}

pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
    at: Mutex<Location>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            // Shorter than the shop's keep-alive (actix-web's 5 s), so the
            // client never sends on a connection the shop is closing.
            .pool_idle_timeout(std::time::Duration::from_secs(3))
            .user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
            .build()
            .expect("client");
        Browser {
            client,
            jar,
            base: base.to_string(),
            at: Mutex::new(Location::Nowhere),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A plain GET; the response is not read.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Opens `path`, expecting `status`; the browser is now on that page.
    pub async fn page(&self, path: &str, status: StatusCode) -> Page {
        let page = self.open(path).await;
        assert_eq!(page.status, status, "GET {path}");
        page
    }

    /// Opens `path`, whatever its status.
    pub async fn open(&self, path: &str) -> Page {
        let res = self.get(path).await;
        let page = Page::from_response(res).await;
        *self.at.lock().unwrap() = Location::Showing(page.clone());
        page
    }

    /// Opens `path` and follows its redirects, as a browser does when a
    /// link is clicked (a mailed link's first view is a 303 to its page
    /// without the token); the browser is on the page it ends on.
    pub async fn follow(&self, path: &str) -> Page {
        let mut path = path.to_string();
        for _ in 0..5 {
            let res = self.get(&path).await;
            let to = location(&res);
            if !res.status().is_redirection() || to.is_empty() {
                let page = Page::from_response(res).await;
                *self.at.lock().unwrap() = Location::Showing(page.clone());
                return page;
            }
            path = to;
        }
        panic!("more than five redirects from {path}");
    }

    /// The page the browser is on, opening one first if it is on none
    /// (the redirect it was last sent, or the home page).
    pub async fn current_page(&self) -> Page {
        let next = match &*self.at.lock().unwrap() {
            Location::Showing(page) if page.csrf_token().is_some() => return page.clone(),
            Location::RedirectedTo(path) if path.starts_with('/') => path.clone(),
            _ => "/".to_string(),
        };
        self.open(&next).await
    }

    /// The CSRF token of the page the browser is on.
    pub async fn csrf_token(&self) -> String {
        self.current_page()
            .await
            .csrf_token()
            .expect("the page has a CSRF token")
    }

    /// Submits a form to `action` from the page the browser is on, with
    /// that page's CSRF token, like a browser would.
    /// The page it is on goes along as `Referer`, as a browser sends it.
    pub async fn post(&self, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.send_form(action, fields, false).await
    }

    /// Submits the page's form for `action` as a browser does: its hidden
    /// fields (those `fields` does not name) go along.
    pub async fn submit(&self, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.send_form(action, fields, true).await
    }

    async fn send_form(
        &self,
        action: &str,
        fields: &[(&str, &str)],
        with_hidden: bool,
    ) -> reqwest::Response {
        let page = self.current_page().await;
        let token = page.csrf_token().expect("the page has a CSRF token");
        let hidden = match with_hidden {
            true => page.hidden_fields(action),
            false => Vec::new(),
        };
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        for (name, value) in &hidden {
            if name != "csrf_token" && !fields.iter().any(|(n, _)| n == name) {
                form.push((name, value));
            }
        }
        form.push(("csrf_token", &token));
        let res = self
            .client
            .post(self.url(action))
            .header("referer", &page.url)
            .form(&form)
            .send()
            .await
            .expect("POST");
        self.went_to(&res);
        res
    }

    /// POSTs exactly these fields (no token added). The browser then is on
    /// the page it got back, or follows the redirect when it next needs a
    /// page.
    pub async fn post_raw(&self, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let res = self
            .client
            .post(self.url(action))
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.went_to(&res);
        res
    }

    /// After a POST: the browser follows its redirect when it next needs a
    /// page.
    fn went_to(&self, res: &reqwest::Response) {
        *self.at.lock().unwrap() = match location(res) {
            to if !to.is_empty() => Location::RedirectedTo(to),
            // A rendered answer (422, 403...): the test reads its body, so
            // the next form comes from a page opened afresh.
            _ => Location::Nowhere,
        };
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
        self.page("/register", StatusCode::OK).await;
        self.post(
            "/register",
            &[
                ("email", email),
                ("display_name", name),
                ("password", password),
                ("password_confirm", password),
            ],
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn logout(&self) -> reqwest::Response {
        self.post("/logout", &[]).await
    }

    /// Adds `quantity` of product `product_id` to the cart, as the add
    /// form of a product page does.
    pub async fn add_to_cart(&self, product_id: i64, quantity: i64) -> reqwest::Response {
        let (id, quantity) = (product_id.to_string(), quantity.to_string());
        self.post(
            "/cart/items",
            &[("product_id", id.as_str()), ("quantity", quantity.as_str())],
        )
        .await
    }

    /// The raw value of the session cookie in this jar.
    pub fn cookie(&self) -> Option<String> {
        let url: Url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix("session=").map(str::to_string))
    }

    /// This browser, holding `other`'s session cookie (the same visitor,
    /// after a restart or on another instance).
    pub fn with_cookie_of(self, other: &Browser) -> Browser {
        self.set_cookie(&other.cookie().expect("a session cookie"));
        self
    }

    /// Puts a (copied) session cookie into this jar.
    pub fn set_cookie(&self, value: &str) {
        let url: Url = self.base.parse().unwrap();
        self.jar
            .add_cookie_str(&format!("session={value}; Path=/"), &url);
    }

    /// Whether the nav shows a logged-in user.
    pub async fn is_logged_in(&self) -> bool {
        self.page("/", StatusCode::OK)
            .await
            .signed_in_as()
            .is_some()
    }

    /// The number on the nav's cart badge.
    pub async fn cart_count(&self) -> i64 {
        self.page("/", StatusCode::OK).await.cart_count()
    }
}

/// The `Set-Cookie` of `res` for the cookie `name`, if it sets one.
pub fn set_cookie_named(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// A response's `Location`, or "".
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}
