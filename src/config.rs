//! Settings: every knob of the application, read once from the environment
//! (and `.env`, through dotenvy) and validated before anything starts.
//! No other module reads environment variables.

use std::{collections::HashMap, fmt, net::IpAddr, path::PathBuf, time::Duration};

use base64::{engine::general_purpose::STANDARD, Engine};

/// Whether the app runs for a developer or for real users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// Every setting. `Debug` is safe to log: the secrets redact themselves.
#[derive(Clone, Debug)]
pub struct Settings {
    pub app_env: AppEnv,
    /// `host:port` to listen on; port 0 picks a free port (tests).
    pub bind_addr: String,
    /// `sqlite://path?mode=rwc` or `postgres://...`.
    pub database_url: DatabaseUrl,
    /// 64 bytes that encrypt and authenticate the session cookie.
    pub session_secret: SessionSecret,
    /// Keys of earlier cookies, still opened (and re-sealed under
    /// `session_secret`) during a rotation.
    pub session_secret_previous: Vec<SessionSecret>,
    /// `Secure` cookie with the `__Host-` name prefix, plus HSTS.
    pub cookie_secure: bool,
    pub session_idle_timeout: Duration,
    pub session_absolute_timeout: Duration,
    pub session_remember_me_timeout: Duration,
    /// Where session state is kept: in the cookie, or on the server.
    pub session_store: SessionStoreKind,
    /// The Redis server of `SESSION_STORE=redis`.
    pub redis_url: RedisUrl,
    /// What every Redis key of a session starts with, so that several
    /// shops (or test runs) can share one Redis.
    pub redis_key_prefix: String,
    /// tracing filter, e.g. `info` or `cookie_jar=debug,info`.
    pub log: String,
    /// Log lines as text, or as JSON objects (one a line).
    pub log_format: LogFormat,
    /// Where `/metrics` listens (Prometheus text); `None`: nowhere.
    pub metrics_addr: Option<String>,
    /// Address of a reverse proxy whose `X-Forwarded-For` and
    /// `X-Forwarded-Host` we believe.
    pub trusted_proxy: Option<IpAddr>,
    /// `https://shop.example`: the origin browsers see. When set, a form's
    /// `Origin`/`Referer` must be exactly this; when unset, its host must be
    /// the `Host` the request was sent to.
    pub public_origin: Option<String>,
    /// How often ended sessions and old throttle counters are deleted.
    pub housekeeping_interval: Duration,
    /// On SIGTERM, how long requests in flight may take to finish before
    /// the process exits anyway.
    pub shutdown_timeout: Duration,
    /// Failed logins per email within `login_failure_window` before 429.
    pub login_max_failures: u32,
    pub login_failure_window: Duration,
    /// POSTs to /login and /register per client IP within a minute before 429.
    pub client_auth_posts_per_minute: u32,
}

/// Where the session state lives (`SESSION_STORE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStoreKind {
    /// The whole state in the cookie, encrypted and authenticated: nothing
    /// kept on the server for a session (the default; needs nothing).
    Cookie,
    /// The state in the shop's own database (table `session_store`); the
    /// cookie carries only a key.
    Database,
    /// The state in Redis (`REDIS_URL`); the cookie carries only a key.
    Redis,
}

impl SessionStoreKind {
    pub const ALL: [SessionStoreKind; 3] = [
        SessionStoreKind::Cookie,
        SessionStoreKind::Database,
        SessionStoreKind::Redis,
    ];

    /// As `SESSION_STORE` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStoreKind::Cookie => "cookie",
            SessionStoreKind::Database => "database",
            SessionStoreKind::Redis => "redis",
        }
    }

    pub fn parse(value: &str) -> Option<SessionStoreKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

impl fmt::Display for SessionStoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting: its variable, its default, what it is for. `--help`
/// prints this table, and a test checks it names every variable read here.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    (
        "APP_ENV",
        "development",
        "`production` requires SESSION_SECRET and turns COOKIE_SECURE on",
    ),
    (
        "BIND_ADDR",
        "127.0.0.1:8080",
        "address to listen on; port 0 picks a free port",
    ),
    (
        "DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "sqlite://FILE?mode=rwc or postgres://USER@HOST/DB",
    ),
    (
        "SESSION_SECRET",
        "data/session.key (development)",
        "64 random bytes, base64: the cookie key (`cookie-jar gen-key`)",
    ),
    (
        "SESSION_SECRET_PREVIOUS",
        "(none)",
        "comma-separated earlier keys, still accepted during a rotation",
    ),
    (
        "COOKIE_SECURE",
        "false; true in production",
        "`Secure` cookie named __Host-session, and HSTS",
    ),
    (
        "SESSION_IDLE_TIMEOUT",
        "1800",
        "seconds without a request before a login ends (at least 120; not with \"keep me signed in\")",
    ),
    (
        "SESSION_ABSOLUTE_TIMEOUT",
        "43200",
        "seconds after sign-in at which a login ends",
    ),
    (
        "SESSION_REMEMBER_ME_TIMEOUT",
        "2592000",
        "the same with \"keep me signed in\"; a guest cookie's lifetime",
    ),
    (
        "SESSION_STORE",
        "cookie",
        "where session state lives: `cookie` (sealed in it), `database` or `redis` (the cookie carries a key)",
    ),
    (
        "REDIS_URL",
        DEFAULT_REDIS_URL,
        "the Redis server of SESSION_STORE=redis (redis://[:PASSWORD@]HOST:PORT[/DB])",
    ),
    (
        "REDIS_KEY_PREFIX",
        DEFAULT_REDIS_KEY_PREFIX,
        "what each session's Redis key starts with",
    ),
    (
        "LOGIN_MAX_FAILURES",
        "5",
        "password attempts per email and window before 429",
    ),
    ("LOGIN_FAILURE_WINDOW", "900", "seconds of that window"),
    (
        "CLIENT_AUTH_POSTS_PER_MINUTE",
        "30",
        "POSTs to /login and /register per client IP and minute",
    ),
    (
        "TRUSTED_PROXY",
        "(none)",
        "IP of the reverse proxy whose X-Forwarded-For/-Host are believed",
    ),
    (
        "PUBLIC_ORIGIN",
        "(none)",
        "https://shop.example: the only origin a form may come from",
    ),
    (
        "HOUSEKEEPING_INTERVAL",
        "600",
        "seconds between deletions of ended sessions and old counters",
    ),
    (
        "SHUTDOWN_TIMEOUT",
        "30",
        "seconds requests in flight get to finish on SIGTERM",
    ),
    (
        "METRICS_ADDR",
        "(none: off)",
        "address of a second listener that serves /metrics",
    ),
    (
        "LOG",
        "info",
        "log filter, e.g. `debug` or `cookie_jar=debug,info`",
    ),
    (
        "LOG_FORMAT",
        "text",
        "`text`, or `json` for one JSON object a line",
    ),
];

/// A cookie key. Its `Debug` never prints the bytes.
#[derive(Clone)]
pub struct SessionSecret(pub [u8; 64]);

impl SessionSecret {
    /// A new random key.
    pub fn generate() -> Self {
        SessionSecret(crate::ids::random_bytes())
    }

    /// As `SESSION_SECRET` takes it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret(..)")
    }
}

/// A database URL. `Debug` and `Display` hide the password in it, so the
/// settings can be logged; `expose` gives the URL itself to the driver.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

/// A Redis URL; like `DatabaseUrl`, it hides its password when shown.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

impl RedisUrl {
    pub fn new(url: impl Into<String>) -> Self {
        RedisUrl(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        without_password(&self.0, f)
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        without_password(&self.0, f)
    }
}

/// `postgres://shop:secret@db/shop` -> `postgres://shop:…@db/shop`, and
/// `…?password=secret` -> `…?password=…`.
fn without_password(url: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let (address, query) = match url.split_once('?') {
        Some((address, query)) => (address, Some(query)),
        None => (url, None),
    };
    match (address.find("://"), address.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &address[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') { ":…" } else { "" };
            let (scheme, host) = (&address[..scheme_end], &address[at + 1..]);
            write!(f, "{scheme}://{user}{hidden}@{host}")?;
        }
        _ => f.write_str(address)?,
    }
    let Some(query) = query else { return Ok(()) };
    let shown: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.to_ascii_lowercase().contains("pass") => format!("{key}=…"),
            _ => pair.to_string(),
        })
        .collect();
    write!(f, "?{}", shown.join("&"))
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// A start-up error that names the variable and what it expects.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Where the development key is kept so a restart logs nobody out.
pub const DEV_KEY_FILE: &str = "data/session.key";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/cookie_jar.db?mode=rwc";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
pub const DEFAULT_REDIS_KEY_PREFIX: &str = "cookie-jar:session:";

/// Whether reading the settings may write the development key file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DevKey {
    /// Serving: a missing `data/session.key` is made, once.
    Create,
    /// Looking only (`check-config`, `backup`): nothing is written; a
    /// missing key file is a key that exists in memory only.
    DoNotWrite,
}

impl Settings {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(DevKey::Create)
    }

    pub fn from_env_with(dev_key: DevKey) -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::build(&std::env::vars().collect(), dev_key)
    }

    /// Builds settings from a map of variables; tests call this directly.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        Self::build(vars, DevKey::Create)
    }

    fn build(vars: &HashMap<String, String>, dev_key: DevKey) -> Result<Self, ConfigError> {
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());

        let app_env = match get("APP_ENV").unwrap_or("development") {
            "development" => AppEnv::Development,
            "production" => AppEnv::Production,
            other => {
                return Err(ConfigError(format!(
                    "APP_ENV must be `development` or `production`, got `{other}`"
                )))
            }
        };
        let production = app_env == AppEnv::Production;

        let session_secret = match get("SESSION_SECRET") {
            Some(value) => parse_secret("SESSION_SECRET", value)?,
            None if production => {
                return Err(ConfigError(
                    "SESSION_SECRET is required when APP_ENV=production: 64 random bytes in \
                     base64 (`cookie-jar gen-key` makes one)"
                        .into(),
                ))
            }
            None => dev_secret(&PathBuf::from(DEV_KEY_FILE), dev_key)?,
        };

        let idle = seconds(get, "SESSION_IDLE_TIMEOUT", 30 * 60)?;
        let absolute = seconds(get, "SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)?;
        let remember = seconds(get, "SESSION_REMEMBER_ME_TIMEOUT", 30 * 24 * 60 * 60)?;
        if idle < Duration::from_secs(120) {
            // "Last seen" is written at most once a minute (session.rs), so
            // a shorter idle timeout would end sessions that are in use.
            return Err(ConfigError(
                "SESSION_IDLE_TIMEOUT must be at least 120 seconds".into(),
            ));
        }
        if remember < absolute {
            return Err(ConfigError(
                "SESSION_REMEMBER_ME_TIMEOUT must be at least SESSION_ABSOLUTE_TIMEOUT".into(),
            ));
        }

        Ok(Settings {
            app_env,
            bind_addr: get("BIND_ADDR").unwrap_or("127.0.0.1:8080").to_string(),
            database_url: DatabaseUrl::new(get("DATABASE_URL").unwrap_or(DEFAULT_DATABASE_URL)),
            session_secret,
            session_secret_previous: match get("SESSION_SECRET_PREVIOUS") {
                None => Vec::new(),
                Some(list) => list
                    .split(',')
                    .map(str::trim)
                    .filter(|key| !key.is_empty())
                    .map(|key| parse_secret("SESSION_SECRET_PREVIOUS", key))
                    .collect::<Result<_, _>>()?,
            },
            cookie_secure: boolean(get, "COOKIE_SECURE", production)?,
            session_store: session_store(get("SESSION_STORE").unwrap_or("cookie"))?,
            redis_url: RedisUrl::new(get("REDIS_URL").unwrap_or(DEFAULT_REDIS_URL)),
            redis_key_prefix: get("REDIS_KEY_PREFIX")
                .unwrap_or(DEFAULT_REDIS_KEY_PREFIX)
                .to_string(),
            session_idle_timeout: idle,
            session_absolute_timeout: absolute,
            session_remember_me_timeout: remember,
            log: get("LOG").unwrap_or("info").to_string(),
            log_format: match get("LOG_FORMAT").unwrap_or("text") {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(ConfigError(format!(
                        "LOG_FORMAT must be `text` or `json`, got `{other}`"
                    )))
                }
            },
            metrics_addr: get("METRICS_ADDR").map(str::to_string),
            trusted_proxy: match get("TRUSTED_PROXY") {
                None => None,
                Some(v) => Some(v.parse().map_err(|_| {
                    ConfigError(format!("TRUSTED_PROXY must be an IP address, got `{v}`"))
                })?),
            },
            public_origin: match get("PUBLIC_ORIGIN") {
                None => None,
                Some(v) => Some(origin(v)?),
            },
            housekeeping_interval: seconds(get, "HOUSEKEEPING_INTERVAL", 10 * 60)?,
            shutdown_timeout: seconds(get, "SHUTDOWN_TIMEOUT", 30)?,
            login_max_failures: number(get, "LOGIN_MAX_FAILURES", 5)?,
            login_failure_window: seconds(get, "LOGIN_FAILURE_WINDOW", 15 * 60)?,
            client_auth_posts_per_minute: number(get, "CLIENT_AUTH_POSTS_PER_MINUTE", 30)?,
        })
    }

    /// Every variable with the value in force, secrets hidden: what
    /// `cookie-jar check-config` prints.
    pub fn effective(&self) -> Vec<(&'static str, String)> {
        let shown = |o: &Option<String>| o.clone().unwrap_or_else(|| "(unset)".into());
        let keys = match self.session_secret_previous.len() {
            0 => "(none)".to_string(),
            n => format!("{n} key(s), hidden"),
        };
        vec![
            ("APP_ENV", format!("{:?}", self.app_env).to_lowercase()),
            ("BIND_ADDR", self.bind_addr.clone()),
            ("DATABASE_URL", self.database_url.to_string()),
            ("SESSION_SECRET", "(set, hidden)".into()),
            ("SESSION_SECRET_PREVIOUS", keys),
            ("COOKIE_SECURE", self.cookie_secure.to_string()),
            (
                "SESSION_IDLE_TIMEOUT",
                self.session_idle_timeout.as_secs().to_string(),
            ),
            (
                "SESSION_ABSOLUTE_TIMEOUT",
                self.session_absolute_timeout.as_secs().to_string(),
            ),
            (
                "SESSION_REMEMBER_ME_TIMEOUT",
                self.session_remember_me_timeout.as_secs().to_string(),
            ),
            ("SESSION_STORE", self.session_store.to_string()),
            ("REDIS_URL", self.redis_url.to_string()),
            ("REDIS_KEY_PREFIX", self.redis_key_prefix.clone()),
            ("LOGIN_MAX_FAILURES", self.login_max_failures.to_string()),
            (
                "LOGIN_FAILURE_WINDOW",
                self.login_failure_window.as_secs().to_string(),
            ),
            (
                "CLIENT_AUTH_POSTS_PER_MINUTE",
                self.client_auth_posts_per_minute.to_string(),
            ),
            (
                "TRUSTED_PROXY",
                shown(&self.trusted_proxy.map(|ip| ip.to_string())),
            ),
            ("PUBLIC_ORIGIN", shown(&self.public_origin)),
            (
                "HOUSEKEEPING_INTERVAL",
                self.housekeeping_interval.as_secs().to_string(),
            ),
            (
                "SHUTDOWN_TIMEOUT",
                self.shutdown_timeout.as_secs().to_string(),
            ),
            ("METRICS_ADDR", shown(&self.metrics_addr)),
            ("LOG", self.log.clone()),
            (
                "LOG_FORMAT",
                format!("{:?}", self.log_format).to_lowercase(),
            ),
        ]
    }

    /// The name of the signed CSRF cookie of a visitor without a stored
    /// session (server-side stores only).
    pub fn csrf_cookie_name(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-csrf"
        } else {
            "csrf"
        }
    }

    /// The cookie name: `__Host-` requires `Secure`, `Path=/` and no `Domain`.
    pub fn cookie_name(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-session"
        } else {
            "session"
        }
    }
}

fn session_store(value: &str) -> Result<SessionStoreKind, ConfigError> {
    SessionStoreKind::parse(value).ok_or_else(|| {
        ConfigError(format!(
            "SESSION_STORE must be `cookie`, `database` or `redis`, got `{value}`"
        ))
    })
}

fn parse_secret(name: &str, value: &str) -> Result<SessionSecret, ConfigError> {
    let bytes = STANDARD
        .decode(value)
        .map_err(|_| ConfigError(format!("{name} must be base64 (of 64 random bytes)")))?;
    let key: [u8; 64] = bytes.try_into().map_err(|b: Vec<u8>| {
        ConfigError(format!(
            "{name} must decode to exactly 64 bytes, got {}",
            b.len()
        ))
    })?;
    Ok(SessionSecret(key))
}

/// Development only: a key generated once and kept on disk.
fn dev_secret(path: &PathBuf, dev_key: DevKey) -> Result<SessionSecret, ConfigError> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return parse_secret("SESSION_SECRET", text.trim())
            .map_err(|e| ConfigError(format!("{} ({})", e, path.display())));
    }
    let key = SessionSecret::generate();
    if dev_key == DevKey::DoNotWrite {
        return Ok(key);
    }
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_private(path, key.to_base64().as_bytes())
    };
    write().map_err(|e| {
        ConfigError(format!(
            "SESSION_SECRET is unset and {} could not be written: {e}",
            path.display()
        ))
    })?;
    Ok(key)
}

/// Writes a file only its owner can read (the key must not be world-readable).
fn write_private(path: &PathBuf, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents)
}

/// `https://shop.example[:port]`, without a path or a trailing slash.
fn origin(value: &str) -> Result<String, ConfigError> {
    let host = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@']) => {
            Ok(value.to_string())
        }
        _ => Err(ConfigError(format!(
            "PUBLIC_ORIGIN must look like `https://shop.example` (scheme and host, no path), \
             got `{value}`"
        ))),
    }
}

fn seconds<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    name: &str,
    default: u64,
) -> Result<Duration, ConfigError> {
    let secs: u64 = number(get, name, default)?;
    if secs == 0 {
        return Err(ConfigError(format!(
            "{name} must be a positive number of seconds"
        )));
    }
    Ok(Duration::from_secs(secs))
}

fn number<'a, T: std::str::FromStr>(
    get: impl Fn(&str) -> Option<&'a str>,
    name: &str,
    default: T,
) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| ConfigError(format!("{name} must be a whole number, got `{v}`"))),
    }
}

fn boolean<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    name: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(v) => Err(ConfigError(format!(
            "{name} must be `true` or `false`, got `{v}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn production_without_a_secret_is_refused() {
        let err = Settings::from_vars(&vars(&[("APP_ENV", "production")])).unwrap_err();
        assert!(err.0.contains("SESSION_SECRET is required"), "{err}");
    }

    #[test]
    fn a_short_secret_is_refused() {
        let err = Settings::from_vars(&vars(&[("SESSION_SECRET", "c2hvcnQ=")])).unwrap_err();
        assert!(err.0.contains("exactly 64 bytes"), "{err}");
    }

    #[test]
    fn a_bad_number_names_the_variable() {
        let key = STANDARD.encode([7u8; 64]);
        let err = Settings::from_vars(&vars(&[
            ("SESSION_SECRET", &key),
            ("SESSION_IDLE_TIMEOUT", "soon"),
        ]))
        .unwrap_err();
        assert!(err.0.starts_with("SESSION_IDLE_TIMEOUT"), "{err}");
    }

    #[test]
    fn an_idle_timeout_shorter_than_the_last_seen_granularity_is_refused() {
        let key = STANDARD.encode([7u8; 64]);
        let err = Settings::from_vars(&vars(&[
            ("SESSION_SECRET", &key),
            ("SESSION_IDLE_TIMEOUT", "60"),
        ]))
        .unwrap_err();
        assert!(err.0.contains("at least 120 seconds"), "{err}");
    }

    #[test]
    fn debug_output_hides_the_database_password_and_the_key() {
        let key = STANDARD.encode([7u8; 64]);
        let s = Settings::from_vars(&vars(&[
            ("SESSION_SECRET", &key),
            (
                "DATABASE_URL",
                "postgres://shop:hunter2@db.internal:5432/shop",
            ),
        ]))
        .unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains(&key), "{debug}");
        assert!(
            debug.contains("postgres://shop:…@db.internal:5432/shop"),
            "{debug}"
        );
        let in_query = DatabaseUrl::new("postgres://shop@db/shop?sslmode=require&password=hunter2");
        assert_eq!(
            in_query.to_string(),
            "postgres://shop@db/shop?sslmode=require&password=…"
        );
        assert_eq!(
            s.database_url.expose(),
            "postgres://shop:hunter2@db.internal:5432/shop"
        );
    }

    #[test]
    fn a_public_origin_has_no_path() {
        let key = STANDARD.encode([7u8; 64]);
        for bad in ["shop.example", "https://shop.example/", "https://"] {
            let err =
                Settings::from_vars(&vars(&[("SESSION_SECRET", &key), ("PUBLIC_ORIGIN", bad)]))
                    .unwrap_err();
            assert!(err.0.starts_with("PUBLIC_ORIGIN"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_help_table_names_every_variable_read_here() {
        let source = include_str!("config.rs");
        let read: Vec<&str> = source
            .split("get(\"")
            .skip(1)
            .chain(source.split("(get, \"").skip(1))
            .filter_map(|rest| rest.split('"').next())
            .filter(|name| name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .collect();
        assert!(read.len() >= 15, "{read:?}");
        for name in &read {
            assert!(
                VARIABLES.iter().any(|(v, ..)| v == name),
                "{name} not in VARIABLES"
            );
        }
        for (name, ..) in VARIABLES {
            assert!(read.contains(name), "{name} in VARIABLES but never read");
        }
        let key = STANDARD.encode([7u8; 64]);
        let shown = Settings::from_vars(&vars(&[("SESSION_SECRET", &key)]))
            .unwrap()
            .effective();
        let names: Vec<&str> = shown.iter().map(|(name, _)| *name).collect();
        let listed: Vec<&str> = VARIABLES.iter().map(|(name, ..)| *name).collect();
        assert_eq!(names, listed, "check-config shows every variable, in order");
        assert!(shown.iter().all(|(_, value)| !value.contains(&key)));
    }

    #[test]
    fn previous_keys_are_a_comma_separated_list() {
        let (k1, k2, k3) = (
            STANDARD.encode([1u8; 64]),
            STANDARD.encode([2u8; 64]),
            STANDARD.encode([3u8; 64]),
        );
        let s = Settings::from_vars(&vars(&[
            ("SESSION_SECRET", &k1),
            ("SESSION_SECRET_PREVIOUS", &format!("{k2}, {k3},")),
        ]))
        .unwrap();
        assert_eq!(s.session_secret_previous.len(), 2);
        assert_eq!(s.session_secret_previous[1].0, [3u8; 64]);
        let err = Settings::from_vars(&vars(&[
            ("SESSION_SECRET", &k1),
            ("SESSION_SECRET_PREVIOUS", "bad"),
        ]))
        .unwrap_err();
        assert!(err.0.starts_with("SESSION_SECRET_PREVIOUS"), "{err}");
    }

    #[test]
    fn production_defaults_to_secure_cookies() {
        let key = STANDARD.encode([7u8; 64]);
        let s = Settings::from_vars(&vars(&[
            ("APP_ENV", "production"),
            ("SESSION_SECRET", &key),
        ]))
        .unwrap();
        assert!(s.cookie_secure);
        assert_eq!(s.cookie_name(), "__Host-session");
    }
}
