//! Every setting, declared once: its variable, its default and what it is
//! for. [`Settings::build`] reads each of these through its declaration (a
//! default is written here only, and parsed like a value that was set);
//! `--help` prints this table; `check-config` shows each variable as it was
//! read. Tests check `.env.example` and the README's table against it, and
//! that [`build`] reads every variable here, once, in this order.
//!
//! [`Settings::build`]: crate::domain::config::Settings::build
//! [`build`]: crate::domain::config::Settings::build

/// One environment variable the shop reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variable {
    pub name: &'static str,
    pub default: WhenUnset,
    /// One line for `--help`.
    pub help: &'static str,
}

/// What an unset (or blank) variable means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenUnset {
    /// This value, as the variable would spell it: it is parsed like one
    /// that was set.
    Value(&'static str),
    /// Worked out from other settings when the shop starts; the words say
    /// how.
    Derived(&'static str),
    /// Nothing: the feature is off, or the check it enables is not made;
    /// the words say what that means.
    Unset(&'static str),
}

impl WhenUnset {
    /// The default value, when it is one.
    pub(crate) fn value(self) -> Option<&'static str> {
        match self {
            WhenUnset::Value(value) => Some(value),
            WhenUnset::Derived(_) | WhenUnset::Unset(_) => None,
        }
    }

    /// As `--help` shows it.
    pub fn describe(self) -> &'static str {
        match self {
            WhenUnset::Value(text) | WhenUnset::Derived(text) | WhenUnset::Unset(text) => text,
        }
    }
}

const fn var(name: &'static str, default: WhenUnset, help: &'static str) -> Variable {
    Variable {
        name,
        default,
        help,
    }
}

use WhenUnset::{Derived, Unset, Value};

pub(crate) const APP_ENV: Variable = var(
    "APP_ENV",
    Value("development"),
    "`production` requires SESSION_SECRET, PUBLIC_ORIGIN and SMTP_URL, and turns COOKIE_SECURE on",
);
pub(crate) const BIND_ADDR: Variable = var(
    "BIND_ADDR",
    Value("127.0.0.1:8080"),
    "address to listen on; port 0 picks a free port",
);
pub(crate) const DATABASE_URL: Variable = var(
    "DATABASE_URL",
    Value("sqlite://data/cookie_jar.db?mode=rwc"),
    "sqlite://FILE?mode=rwc or postgres://USER@HOST/DB",
);
pub(crate) const SESSION_SECRET: Variable = var(
    "SESSION_SECRET",
    Derived("generated into data/session.key (development only)"),
    "64 random bytes, base64: the cookie key (`cookie-jar gen-key`)",
);
pub(crate) const SESSION_SECRET_PREVIOUS: Variable = var(
    "SESSION_SECRET_PREVIOUS",
    Unset("(none)"),
    "comma-separated earlier keys, still accepted during a rotation",
);
pub(crate) const COOKIE_SECURE: Variable = var(
    "COOKIE_SECURE",
    Derived("false; true in production"),
    "`Secure` cookie named __Host-session, and HSTS",
);
pub(crate) const SESSION_IDLE_TIMEOUT: Variable = var(
    "SESSION_IDLE_TIMEOUT",
    Value("1800"),
    "seconds without a request before a login ends (at least 120; not with \"keep me signed in\")",
);
pub(crate) const SESSION_ABSOLUTE_TIMEOUT: Variable = var(
    "SESSION_ABSOLUTE_TIMEOUT",
    Value("43200"),
    "seconds after sign-in at which a login ends",
);
pub(crate) const SESSION_REMEMBER_ME_TIMEOUT: Variable = var(
    "SESSION_REMEMBER_ME_TIMEOUT",
    Value("2592000"),
    "the same with \"keep me signed in\"; a guest cookie's lifetime",
);
pub(crate) const REAUTH_WINDOW: Variable = var(
    "REAUTH_WINDOW",
    Value("600"),
    "seconds a typed password counts for signing out other browsers (sudo mode)",
);
pub(crate) const TWO_FACTOR_TIMEOUT: Variable = var(
    "TWO_FACTOR_TIMEOUT",
    Value("300"),
    "seconds a right password waits for its second factor before it is asked again",
);
pub(crate) const SESSION_STORE: Variable = var(
    "SESSION_STORE",
    Value("cookie"),
    "where session state lives: `cookie` (sealed in it), `database` or `redis` (the cookie carries a key)",
);
pub(crate) const REDIS_URL: Variable = var(
    "REDIS_URL",
    Value("redis://127.0.0.1:6379"),
    "the Redis server of SESSION_STORE=redis (redis://[:PASSWORD@]HOST:PORT[/DB])",
);
pub(crate) const REDIS_KEY_PREFIX: Variable = var(
    "REDIS_KEY_PREFIX",
    Value("cookie-jar:session:"),
    "what each session's Redis key starts with",
);
pub(crate) const LOGIN_MAX_FAILURES: Variable = var(
    "LOGIN_MAX_FAILURES",
    Value("5"),
    "password attempts per email and window before 429",
);
pub(crate) const LOGIN_FAILURE_WINDOW: Variable = var(
    "LOGIN_FAILURE_WINDOW",
    Value("900"),
    "seconds of that window",
);
pub(crate) const CLIENT_AUTH_POSTS_PER_MINUTE: Variable = var(
    "CLIENT_AUTH_POSTS_PER_MINUTE",
    Value("30"),
    "POSTs to /login, /register and /password/forgot per client (IPv4 address or IPv6 /64) and minute",
);
pub(crate) const NEW_SESSIONS_PER_CLIENT_PER_MINUTE: Variable = var(
    "NEW_SESSIONS_PER_CLIENT_PER_MINUTE",
    Value("30"),
    "new entries a server-side session store keeps per client (IPv4 address or IPv6 /64) and minute, sign-ins not counted, before 429",
);
pub(crate) const TRUSTED_PROXY: Variable = var(
    "TRUSTED_PROXY",
    Unset("(none)"),
    "IP of the reverse proxy whose X-Forwarded-For/-Host are believed",
);
pub(crate) const PUBLIC_ORIGIN: Variable = var(
    "PUBLIC_ORIGIN",
    Unset("(none)"),
    "https://shop.example: the only origin a form may come from, and where mail links point",
);
pub(crate) const SMTP_URL: Variable = var(
    "SMTP_URL",
    Unset("(none: mail is kept for /dev/mail; production refuses to start)"),
    "smtp://HOST:PORT, smtp://USER:PASS@HOST:587?tls=required (STARTTLS) or smtps://USER:PASS@HOST",
);
pub(crate) const MAIL_FROM: Variable = var(
    "MAIL_FROM",
    Value("Cookie Jar <shop@localhost>"),
    "the sender of the shop's mail",
);
pub(crate) const PASSWORD_RESET_TIMEOUT: Variable = var(
    "PASSWORD_RESET_TIMEOUT",
    Value("1800"),
    "seconds a password-reset link works",
);
pub(crate) const EMAIL_VERIFICATION_TIMEOUT: Variable = var(
    "EMAIL_VERIFICATION_TIMEOUT",
    Value("86400"),
    "seconds an address-verification link works",
);
pub(crate) const STATIC_DIR: Variable = var(
    "STATIC_DIR",
    Value("static"),
    "the folder of the static files (stylesheet, pictures): a release ships it beside the binary",
);
pub(crate) const HOUSEKEEPING_INTERVAL: Variable = var(
    "HOUSEKEEPING_INTERVAL",
    Value("600"),
    "seconds between deletions of ended sessions and old counters",
);
pub(crate) const SHUTDOWN_TIMEOUT: Variable = var(
    "SHUTDOWN_TIMEOUT",
    Value("30"),
    "seconds requests in flight get to finish on SIGTERM",
);
pub(crate) const METRICS_ADDR: Variable = var(
    "METRICS_ADDR",
    Unset("(none: off)"),
    "address of a second listener that serves /metrics",
);
pub(crate) const LOG: Variable = var(
    "LOG",
    Value("info"),
    "log filter, e.g. `debug` or `cookie_jar=debug,info`",
);
pub(crate) const LOG_FORMAT: Variable = var(
    "LOG_FORMAT",
    Value("text"),
    "`text`, or `json` for one JSON object a line",
);

/// Every variable, in the order `--help` and `check-config` list them.
pub const ALL: &[Variable] = &[
    APP_ENV,
    BIND_ADDR,
    DATABASE_URL,
    SESSION_SECRET,
    SESSION_SECRET_PREVIOUS,
    COOKIE_SECURE,
    SESSION_IDLE_TIMEOUT,
    SESSION_ABSOLUTE_TIMEOUT,
    SESSION_REMEMBER_ME_TIMEOUT,
    REAUTH_WINDOW,
    TWO_FACTOR_TIMEOUT,
    SESSION_STORE,
    REDIS_URL,
    REDIS_KEY_PREFIX,
    LOGIN_MAX_FAILURES,
    LOGIN_FAILURE_WINDOW,
    CLIENT_AUTH_POSTS_PER_MINUTE,
    NEW_SESSIONS_PER_CLIENT_PER_MINUTE,
    TRUSTED_PROXY,
    PUBLIC_ORIGIN,
    SMTP_URL,
    MAIL_FROM,
    PASSWORD_RESET_TIMEOUT,
    EMAIL_VERIFICATION_TIMEOUT,
    STATIC_DIR,
    HOUSEKEEPING_INTERVAL,
    SHUTDOWN_TIMEOUT,
    METRICS_ADDR,
    LOG,
    LOG_FORMAT,
];
