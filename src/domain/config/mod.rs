//! Settings: every knob of the application, read once from the environment
//! (and `.env`, through dotenvy) and validated before anything starts.
//! No other module reads environment variables.
//!
//! Each variable is declared once, in [`variables`]; [`Settings::build`] reads
//! each through its declaration, into a typed field. The secrets, and the
//! URLs that may carry one, are types of [`secrets`] that hide themselves.
//!
//! [`variables`]: crate::domain::config::variables
//! [`Settings::build`]: crate::domain::config::Settings::build
//! [`secrets`]: crate::domain::config::secrets

pub(crate) mod secrets;
pub mod variables;

use std::{collections::HashMap, fmt, net::IpAddr, path::PathBuf, time::Duration};

use crate::domain::clock::Seconds;

use lettre::message::Mailbox;
pub use secrets::DatabaseUrl;
use secrets::RedisUrl;
pub(crate) use secrets::{SessionSecret, SmtpUrl};
use variables::Variable;

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
    pub(crate) session_secret: SessionSecret,
    /// Keys of earlier cookies, still opened (and re-sealed under
    /// [`session_secret`]) during a rotation.
    ///
    /// [`session_secret`]: Settings::session_secret
    pub(crate) session_secret_previous: Vec<SessionSecret>,
    /// `Secure` cookie with the `__Host-` name prefix, plus HSTS.
    pub(crate) cookie_secure: bool,
    pub(crate) session_idle_timeout: Seconds,
    pub(crate) session_absolute_timeout: Seconds,
    pub(crate) session_remember_me_timeout: Seconds,
    /// How long a confirmed password lets the riskiest changes through
    /// (sudo mode).
    pub(crate) reauth_window: Seconds,
    /// How long a sign-in waits for its second factor (the half-signed-in
    /// state, [`SecondStep`]).
    ///
    /// [`SecondStep`]: crate::domain::session::SecondStep
    pub(crate) two_factor_timeout: Seconds,
    /// Where session state is kept: in the cookie, or on the server.
    pub session_store: SessionStoreKind,
    /// The Redis server of `SESSION_STORE=redis`.
    pub(crate) redis_url: RedisUrl,
    /// What every Redis key of a session starts with, so that several
    /// shops (or test runs) can share one Redis.
    pub(crate) redis_key_prefix: String,
    /// tracing filter, e.g. `info` or `cookie_jar=debug,info`.
    pub log: String,
    /// Log lines as text, or as JSON objects (one a line).
    pub log_format: LogFormat,
    /// Where `/metrics` listens (Prometheus text); `None`: nowhere.
    pub(crate) metrics_addr: Option<String>,
    /// Address of a reverse proxy whose `X-Forwarded-For` and
    /// `X-Forwarded-Host` we believe.
    pub(crate) trusted_proxy: Option<IpAddr>,
    /// `https://shop.example`: the origin browsers see. When set, a form's
    /// [`Origin`]/`Referer` must be exactly this; when unset, its host must be
    /// the `Host` the request was sent to.
    pub(crate) public_origin: Option<Origin>,
    /// The SMTP server mail is sent to; `None` (development only): mail
    /// is kept in the outbox and shown at `/dev/mail`.
    pub(crate) smtp_url: Option<SmtpUrl>,
    /// The sender of every mail.
    pub(crate) mail_from: Mailbox,
    /// How long a password-reset link works.
    pub(crate) password_reset_timeout: Seconds,
    /// How long an address-verification link works.
    pub(crate) email_verification_timeout: Seconds,
    /// The folder of the static files, read once at start-up.
    pub(crate) static_dir: PathBuf,
    /// How often ended sessions and old throttle counters are deleted.
    pub(crate) housekeeping_interval: Duration,
    /// On SIGTERM, how long requests in flight may take to finish before
    /// the process exits anyway.
    pub(crate) shutdown_timeout: Duration,
    /// Failed logins per email within [`login_failure_window`] before 429.
    ///
    /// [`login_failure_window`]: Settings::login_failure_window
    pub(crate) login_max_failures: u32,
    pub(crate) login_failure_window: Seconds,
    /// POSTs to /login, /register and /password/forgot per client (an IPv4
    /// address or an IPv6 /64) within a minute before 429.
    pub(crate) client_auth_posts_per_minute: u32,
    /// New entries a server-side session store keeps for one client IP
    /// within a minute before 429.
    pub(crate) new_sessions_per_client_per_minute: u32,
    /// Each variable as it was read, secrets hidden (`check-config`).
    in_force: Vec<(&'static str, String)>,
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
    const ALL: [SessionStoreKind; 3] = [
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

/// The origin browsers see (`PUBLIC_ORIGIN`): `https://shop.example[:port]`,
/// without a path or a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin(String);

impl Origin {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A start-up error that names the variable and what it expects.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub(crate) String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Builds settings from a map of variables (tests call this directly):
    /// without `SESSION_SECRET`, in development, a key made for this
    /// process only.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        Self::build(vars, &|| Ok(SessionSecret::generate()))
    }

    /// The same, where `dev_key` gives the development key when
    /// `SESSION_SECRET` is unset ([`app::environment`] keeps it in a file,
    /// so that a restart signs nobody out).
    ///
    /// [`app::environment`]: crate::app::environment
    pub(crate) fn build(
        vars: &HashMap<String, String>,
        dev_key: &dyn Fn() -> Result<SessionSecret, ConfigError>,
    ) -> Result<Self, ConfigError> {
        use variables::*;
        let mut read = Reader {
            vars,
            in_force: Vec::new(),
        };
        let app_env: AppEnv = read.value(&APP_ENV)?;
        let production = app_env == AppEnv::Production;
        let bind_addr = read.value(&BIND_ADDR)?;
        let database_url = read.value(&DATABASE_URL)?;
        let session_secret = read.or_else(&SESSION_SECRET, || match production {
            true => Err(ConfigError(
                "SESSION_SECRET is required when APP_ENV=production: 64 random bytes in \
                 base64 (`cookie-jar gen-key` makes one)"
                    .into(),
            )),
            false => dev_key(),
        })?;
        let session_secret_previous = read.or_else(&SESSION_SECRET_PREVIOUS, || Ok(Vec::new()))?;
        let cookie_secure = read.or_else(&COOKIE_SECURE, || Ok(production))?;
        let idle: Seconds = read.value(&SESSION_IDLE_TIMEOUT)?;
        let absolute = read.value(&SESSION_ABSOLUTE_TIMEOUT)?;
        let remember = read.value(&SESSION_REMEMBER_ME_TIMEOUT)?;
        let reauth_window = read.value(&REAUTH_WINDOW)?;
        let two_factor_timeout = read.value(&TWO_FACTOR_TIMEOUT)?;
        if idle < Seconds::new(120) {
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
        let session_store = read.value(&SESSION_STORE)?;
        let redis_url = read.value(&REDIS_URL)?;
        let redis_key_prefix = read.value(&REDIS_KEY_PREFIX)?;
        let login_max_failures = read.value(&LOGIN_MAX_FAILURES)?;
        let login_failure_window = read.value(&LOGIN_FAILURE_WINDOW)?;
        let client_auth_posts_per_minute = read.value(&CLIENT_AUTH_POSTS_PER_MINUTE)?;
        let new_sessions_per_client_per_minute = read.value(&NEW_SESSIONS_PER_CLIENT_PER_MINUTE)?;
        let trusted_proxy = read.optional(&TRUSTED_PROXY)?;
        let public_origin = read.optional(&PUBLIC_ORIGIN)?;
        let smtp_url = read.optional(&SMTP_URL)?;
        if production && public_origin.is_none() {
            return Err(ConfigError(
                "PUBLIC_ORIGIN is required when APP_ENV=production: the links in the shop's \
                 mail must name it (a request's Host header is the client's to choose)"
                    .into(),
            ));
        }
        if production && smtp_url.is_none() {
            return Err(ConfigError(
                "SMTP_URL is required when APP_ENV=production: without it no mail (password \
                 resets, address checks) would ever leave the shop"
                    .into(),
            ));
        }
        Ok(Settings {
            app_env,
            bind_addr,
            database_url,
            session_secret,
            session_secret_previous,
            cookie_secure,
            session_idle_timeout: idle,
            session_absolute_timeout: absolute,
            session_remember_me_timeout: remember,
            reauth_window,
            two_factor_timeout,
            session_store,
            redis_url,
            redis_key_prefix,
            login_max_failures,
            login_failure_window,
            client_auth_posts_per_minute,
            new_sessions_per_client_per_minute,
            trusted_proxy,
            public_origin,
            smtp_url,
            mail_from: read.value(&MAIL_FROM)?,
            password_reset_timeout: read.value(&PASSWORD_RESET_TIMEOUT)?,
            email_verification_timeout: read.value(&EMAIL_VERIFICATION_TIMEOUT)?,
            static_dir: read.value(&STATIC_DIR)?,
            housekeeping_interval: read.value(&HOUSEKEEPING_INTERVAL)?,
            shutdown_timeout: read.value(&SHUTDOWN_TIMEOUT)?,
            metrics_addr: read.optional(&METRICS_ADDR)?,
            log: read.value(&LOG)?,
            log_format: read.value(&LOG_FORMAT)?,
            in_force: read.in_force,
        })
    }

    /// Every variable with the value in force, secrets hidden: what
    /// `cookie-jar check-config` prints, in the order of [`variables::ALL`].
    pub(crate) fn effective(&self) -> &[(&'static str, String)] {
        &self.in_force
    }

    /// The name of the signed CSRF cookie of a visitor without a stored
    /// session (server-side stores only).
    pub(crate) fn csrf_cookie_name(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-csrf"
        } else {
            "csrf"
        }
    }

    /// The name of the signed cookie of a browser remembered for the
    /// second step of a sign-in ("don't ask again on this browser").
    pub(crate) fn remembered_cookie_name(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-remembered"
        } else {
            "remembered"
        }
    }

    /// The cookie name: `__Host-` requires `Secure`, `Path=/` and no `Domain`.
    pub(crate) fn cookie_name(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-session"
        } else {
            "session"
        }
    }
}

/// Reads variables through their declarations, and notes each value read
/// as `check-config` shows it.
struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    in_force: Vec<(&'static str, String)>,
}

impl<'a> Reader<'a> {
    /// The variable as set; blank is unset.
    fn set(&self, var: &Variable) -> Option<&'a str> {
        let value = self.vars.get(var.name).map(|v| v.trim());
        value.filter(|v| !v.is_empty())
    }

    fn parse<T: Setting>(&mut self, var: &Variable, text: &str) -> Result<T, ConfigError> {
        let value = T::parse(text).map_err(|why| ConfigError(format!("{} {why}", var.name)))?;
        self.in_force.push((var.name, value.show()));
        Ok(value)
    }

    /// A variable declared with a default value: as set, or that default.
    fn value<T: Setting>(&mut self, var: &Variable) -> Result<T, ConfigError> {
        let default = var.default.value();
        let text = self.set(var).or(default).unwrap_or_else(|| {
            panic!(
                "{} is read with `value` but declared without a default value",
                var.name
            )
        });
        self.parse(var, text)
    }

    /// A variable whose default is worked out here ([`WhenUnset::Derived`], or
    /// an empty list for [`WhenUnset::Unset`]).
    ///
    /// [`WhenUnset::Derived`]: variables::WhenUnset::Derived
    /// [`WhenUnset::Unset`]: variables::WhenUnset::Unset
    fn or_else<T: Setting>(
        &mut self,
        var: &Variable,
        default: impl FnOnce() -> Result<T, ConfigError>,
    ) -> Result<T, ConfigError> {
        match self.set(var) {
            Some(text) => self.parse(var, text),
            None => {
                let value = default()?;
                self.in_force.push((var.name, value.show()));
                Ok(value)
            }
        }
    }

    /// A variable that may stay unset ([`WhenUnset::Unset`]): `None` then.
    ///
    /// [`WhenUnset::Unset`]: variables::WhenUnset::Unset
    fn optional<T: Setting>(&mut self, var: &Variable) -> Result<Option<T>, ConfigError> {
        match self.set(var) {
            Some(text) => self.parse(var, text).map(Some),
            None => {
                self.in_force.push((var.name, "(unset)".into()));
                Ok(None)
            }
        }
    }
}

/// The type of a setting: how a variable's text becomes it, and how
/// `check-config` shows it. [`parse`] says what went wrong after the
/// variable's name ("must be a whole number, got `soon`"); a secret's never
/// repeats what it was given.
///
/// [`parse`]: Setting::parse
trait Setting: Sized {
    fn parse(text: &str) -> Result<Self, String>;
    fn show(&self) -> String;
}

impl Setting for String {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

impl Setting for PathBuf {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(PathBuf::from(text))
    }
    fn show(&self) -> String {
        self.display().to_string()
    }
}

impl Setting for u32 {
    fn parse(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|_| format!("must be a whole number, got `{text}`"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// Whole seconds, more than zero.
impl Setting for Seconds {
    fn parse(text: &str) -> Result<Self, String> {
        Duration::parse(text).map(|d| Seconds::new(d.as_secs() as i64))
    }
    fn show(&self) -> String {
        self.get().to_string()
    }
}

/// Whole seconds, more than zero.
impl Setting for Duration {
    fn parse(text: &str) -> Result<Self, String> {
        match text.parse::<u64>() {
            Ok(0) => Err("must be a positive number of seconds".into()),
            Ok(secs) => Ok(Duration::from_secs(secs)),
            Err(_) => Err(format!("must be a whole number, got `{text}`")),
        }
    }
    fn show(&self) -> String {
        self.as_secs().to_string()
    }
}

impl Setting for bool {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(format!("must be `true` or `false`, got `{text}`")),
        }
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Setting for IpAddr {
    fn parse(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|_| format!("must be an IP address, got `{text}`"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Setting for AppEnv {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "development" => Ok(AppEnv::Development),
            "production" => Ok(AppEnv::Production),
            _ => Err(format!(
                "must be `development` or `production`, got `{text}`"
            )),
        }
    }
    fn show(&self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

impl Setting for SessionStoreKind {
    fn parse(text: &str) -> Result<Self, String> {
        SessionStoreKind::parse(text)
            .ok_or_else(|| format!("must be `cookie`, `database` or `redis`, got `{text}`"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Setting for LogFormat {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("must be `text` or `json`, got `{text}`")),
        }
    }
    fn show(&self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

impl Setting for Origin {
    fn parse(text: &str) -> Result<Self, String> {
        let host = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"));
        match host {
            Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@']) => {
                Ok(Origin(text.to_string()))
            }
            _ => Err(format!(
                "must look like `https://shop.example` (scheme and host, no path), got `{text}`"
            )),
        }
    }
    fn show(&self) -> String {
        self.0.clone()
    }
}

/// Shown without its password.
impl Setting for DatabaseUrl {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(DatabaseUrl::new(text))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// `smtp://` or `smtps://` with a host; shown without its password. What
/// lettre makes of the rest (`?tls=required`) is checked when the mail
/// worker starts.
impl Setting for SmtpUrl {
    fn parse(text: &str) -> Result<Self, String> {
        let rest = text
            .strip_prefix("smtp://")
            .or_else(|| text.strip_prefix("smtps://"));
        let host = rest.map(|rest| rest.rsplit('@').next().unwrap_or_default());
        match host {
            Some(host) if !host.is_empty() && !host.starts_with([':', '/', '?']) => {
                Ok(SmtpUrl::new(text))
            }
            _ => Err(format!(
                "must look like `smtp://HOST:PORT` or `smtps://USER:PASSWORD@HOST`, got `{}`",
                SmtpUrl::new(text)
            )),
        }
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// `Name <address>` or a bare address.
impl Setting for Mailbox {
    fn parse(text: &str) -> Result<Self, String> {
        text.parse().map_err(|_| {
            format!("must be an address, e.g. `Cookie Jar <shop@example.com>`, got `{text}`")
        })
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// Shown without its password.
impl Setting for RedisUrl {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(RedisUrl::new(text))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Setting for SessionSecret {
    fn parse(text: &str) -> Result<Self, String> {
        SessionSecret::from_base64(text)
    }
    fn show(&self) -> String {
        "(set, hidden)".into()
    }
}

/// A comma-separated list of keys (`SESSION_SECRET_PREVIOUS`).
impl Setting for Vec<SessionSecret> {
    fn parse(text: &str) -> Result<Self, String> {
        let keys = text.split(',').map(str::trim).filter(|key| !key.is_empty());
        keys.map(SessionSecret::from_base64).collect()
    }
    fn show(&self) -> String {
        match self.len() {
            0 => "(none)".to_string(),
            n => format!("{n} key(s), hidden"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{engine::general_purpose::STANDARD, Engine};

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
        assert_eq!(
            err.0,
            "SESSION_SECRET must decode to exactly 64 bytes, got 5"
        );
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
    fn every_declared_variable_is_read_once_in_order_and_shown_as_read() {
        let key = STANDARD.encode([7u8; 64]);
        let names: Vec<&str> = variables::ALL.iter().map(|v| v.name).collect();
        // Unset: each default is parsed like a value that was set.
        let defaults = Settings::from_vars(&vars(&[("SESSION_SECRET", &key)])).unwrap();
        let read: Vec<&str> = defaults.effective().iter().map(|(n, _)| *n).collect();
        assert_eq!(
            read, names,
            "build reads every variable of ALL, once, in order"
        );
        for (var, (_, shown)) in variables::ALL.iter().zip(defaults.effective()) {
            if let Some(default) = var.default.value() {
                assert_eq!(shown, default, "{}'s default is the one declared", var.name);
            }
        }
        // Set, each to a value of its own: each lands where it is declared.
        let set: Vec<(&str, &str)> = vec![
            ("APP_ENV", "production"),
            ("BIND_ADDR", "127.0.0.1:9999"),
            ("DATABASE_URL", "postgres://shop:hunter2@db/shop"),
            ("SESSION_SECRET", &key),
            ("SESSION_SECRET_PREVIOUS", &key),
            ("COOKIE_SECURE", "false"),
            ("SESSION_IDLE_TIMEOUT", "121"),
            ("SESSION_ABSOLUTE_TIMEOUT", "122"),
            ("SESSION_REMEMBER_ME_TIMEOUT", "123"),
            ("REAUTH_WINDOW", "127"),
            ("TWO_FACTOR_TIMEOUT", "131"),
            ("SESSION_STORE", "redis"),
            ("REDIS_URL", "redis://:hunter2@cache:6379/1"),
            ("REDIS_KEY_PREFIX", "p:"),
            ("LOGIN_MAX_FAILURES", "6"),
            ("LOGIN_FAILURE_WINDOW", "124"),
            ("CLIENT_AUTH_POSTS_PER_MINUTE", "7"),
            ("NEW_SESSIONS_PER_CLIENT_PER_MINUTE", "8"),
            ("TRUSTED_PROXY", "10.0.0.1"),
            ("PUBLIC_ORIGIN", "https://shop.example"),
            ("SMTP_URL", "smtps://shop:hunter2@mail.example"),
            ("MAIL_FROM", "Shop <shop@example.com>"),
            ("PASSWORD_RESET_TIMEOUT", "128"),
            ("EMAIL_VERIFICATION_TIMEOUT", "129"),
            ("STATIC_DIR", "/opt/cookie-jar/static"),
            ("HOUSEKEEPING_INTERVAL", "125"),
            ("SHUTDOWN_TIMEOUT", "126"),
            ("METRICS_ADDR", "127.0.0.1:9100"),
            ("LOG", "debug"),
            ("LOG_FORMAT", "json"),
        ];
        let given: Vec<&str> = set.iter().map(|(n, _)| *n).collect();
        assert_eq!(given, names, "this test sets every variable");
        let s = Settings::from_vars(&vars(&set)).unwrap();
        let shown: Vec<String> = s.effective().iter().map(|(_, v)| v.clone()).collect();
        let expected = [
            "production",
            "127.0.0.1:9999",
            "postgres://shop:…@db/shop",
            "(set, hidden)",
            "1 key(s), hidden",
            "false",
            "121",
            "122",
            "123",
            "127",
            "131",
            "redis",
            "redis://:…@cache:6379/1",
            "p:",
            "6",
            "124",
            "7",
            "8",
            "10.0.0.1",
            "https://shop.example",
            "smtps://shop:…@mail.example",
            "Shop <shop@example.com>",
            "128",
            "129",
            "/opt/cookie-jar/static",
            "125",
            "126",
            "127.0.0.1:9100",
            "debug",
            "json",
        ];
        assert_eq!(shown, expected);
        assert_eq!(s.session_idle_timeout, Seconds::new(121));
        assert_eq!(s.login_failure_window, Seconds::new(124));
        assert_eq!(s.shutdown_timeout, Duration::from_secs(126));
        assert_eq!(s.client_auth_posts_per_minute, 7);
        assert_eq!(s.new_sessions_per_client_per_minute, 8);
        assert_eq!(s.reauth_window, Seconds::new(127));
        assert_eq!(s.two_factor_timeout, Seconds::new(131));
        assert_eq!(s.password_reset_timeout, Seconds::new(128));
        assert_eq!(s.email_verification_timeout, Seconds::new(129));
        assert!(!s.cookie_secure, "set beats the production default");
        assert!(shown.iter().all(|value| !value.contains(&key)));
        assert!(shown.iter().all(|value| !value.contains("hunter2")));
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
    fn production_without_an_smtp_server_or_a_public_origin_is_refused() {
        let key = STANDARD.encode([7u8; 64]);
        let origin = ("PUBLIC_ORIGIN", "https://shop.example");
        let smtp = ("SMTP_URL", "smtp://127.0.0.1:25");
        let base = [("APP_ENV", "production"), ("SESSION_SECRET", key.as_str())];
        let without_smtp = Settings::from_vars(&vars(&[&base[..], &[origin]].concat()));
        assert!(without_smtp
            .unwrap_err()
            .0
            .starts_with("SMTP_URL is required"));
        let without_origin = Settings::from_vars(&vars(&[&base[..], &[smtp]].concat()));
        assert!(without_origin
            .unwrap_err()
            .0
            .starts_with("PUBLIC_ORIGIN is required"));
        for bad in [
            "mail.example:25",
            "http://mail.example",
            "smtp://",
            "smtp://user@",
        ] {
            let err =
                Settings::from_vars(&vars(&[&base[..], &[origin, ("SMTP_URL", bad)]].concat()));
            assert!(
                err.unwrap_err().0.starts_with("SMTP_URL must look like"),
                "{bad}"
            );
        }
    }

    #[test]
    fn production_defaults_to_secure_cookies() {
        let key = STANDARD.encode([7u8; 64]);
        let s = Settings::from_vars(&vars(&[
            ("APP_ENV", "production"),
            ("SESSION_SECRET", &key),
            ("PUBLIC_ORIGIN", "https://shop.example"),
            ("SMTP_URL", "smtp://127.0.0.1:25"),
        ]))
        .unwrap();
        assert!(s.cookie_secure);
        assert_eq!(s.cookie_name(), "__Host-session");
    }
}
