//! TestApp: the real application on a free port with a fresh database (a
//! SQLite file in a temporary folder; or, when `TEST_POSTGRES_URL` names a
//! PostgreSQL server, a new database there), and Browser: a reqwest client
//! with its own cookie jar that speaks to it like a browser does (forms,
//! cookies, no automatic redirects).

use std::{collections::HashMap, sync::Arc};

use base64::{engine::general_purpose::STANDARD, Engine};
use cookie_jar::{clock::Clock, config::Settings, db::Pool, startup::Application};
use reqwest::{cookie::CookieStore, cookie::Jar, redirect::Policy, StatusCode, Url};
use sqlx::Connection;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub clock: Clock,
    pub pool: Pool,
    pub database_url: String,
    handle: actix_web::dev::ServerHandle,
    _dir: Arc<tempfile::TempDir>,
}

/// A fresh, empty database for one test.
async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(server) if !server.is_empty() => {
            let name = format!("cookie_jar_test_{}", cookie_jar::ids::row_id());
            let mut admin = sqlx::postgres::PgConnection::connect(&format!("{server}/postgres"))
                .await
                .expect("TEST_POSTGRES_URL reaches a PostgreSQL server");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("CREATE DATABASE");
            format!("{server}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("shop.db").display()),
    }
}

/// The variables every test app starts from; `extra` overrides them.
fn test_settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = [
        ("APP_ENV", "development".to_string()),
        ("BIND_ADDR", "127.0.0.1:0".into()),
        ("DATABASE_URL", database_url.to_string()),
        ("SESSION_SECRET", STANDARD.encode([42u8; 64])),
        ("LOG", "warn".into()),
        // Tests register many accounts from 127.0.0.1; the per-client
        // limit has its own test with a low value.
        ("CLIENT_AUTH_POSTS_PER_MINUTE", "10000".into()),
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
        Self::start(dir, database_url, extra).await
    }

    /// A second server on the same database file (a restart).
    pub async fn restart(&self) -> TestApp {
        self.handle.stop(true).await;
        Self::start(self._dir.clone(), self.database_url.clone(), &[]).await
    }

    async fn start(
        dir: Arc<tempfile::TempDir>,
        database_url: String,
        extra: &[(&str, &str)],
    ) -> TestApp {
        let settings = test_settings(&database_url, extra);
        let clock = Clock::default();
        let app = Application::build_with_clock(settings, clock.clone())
            .await
            .expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let pool = app.state.pool.clone();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            clock,
            pool,
            database_url,
            handle,
            _dir: dir,
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
        sqlx::query(statement)
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

    pub async fn scalar(&self, query: &str) -> i64 {
        sqlx::query_scalar(query)
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

pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
            .build()
            .expect("client");
        Browser {
            client,
            jar,
            base: base.to_string(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET, expecting a page with `status`; returns its HTML.
    pub async fn page(&self, path: &str, status: StatusCode) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), status, "GET {path}");
        res.text().await.expect("body")
    }

    /// The CSRF token of the current session, as a form on a page has it.
    pub async fn csrf_token(&self) -> String {
        let html = self.page("/preferences", StatusCode::OK).await;
        hidden_value(&html, "csrf_token").expect("the page has a CSRF token")
    }

    /// POSTs a form with this session's CSRF token, like a browser would.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form).await
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
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

    /// Puts a (copied) session cookie into this jar.
    pub fn set_cookie(&self, value: &str) {
        let url: Url = self.base.parse().unwrap();
        self.jar
            .add_cookie_str(&format!("session={value}; Path=/"), &url);
    }

    /// Whether the nav shows a logged-in user.
    pub async fn is_logged_in(&self) -> bool {
        let html = self.page("/", StatusCode::OK).await;
        html.contains("action=\"/logout\"")
    }

    pub async fn cart_count(&self) -> i64 {
        let html = self.page("/", StatusCode::OK).await;
        let marker = "data-testid=\"cart-count\">";
        let start = html.find(marker).expect("cart count in nav") + marker.len();
        html[start..]
            .split('<')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

/// The value of `<input type="hidden" name="{name}" value="...">`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_string())
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}
