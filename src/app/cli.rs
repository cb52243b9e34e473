//! The command line: `cookie-jar [serve]`, `migrate`, `gen-key`,
//! `create-user`, `check-config`, `backup`. `main.rs` parses it (clap) and calls
//! these; each prints what it did, and fails with a message and a non-zero
//! exit status.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};

use crate::{
    data::db,
    domain::client::ClientInfo,
    domain::clock::Clock,
    domain::config::{variables, SessionSecret, SessionStoreKind, Settings},
    services::auth::login::{self, NewAccount},
    services::mail,
    services::state::AppState,
    web::{assets, session::Store},
};

/// What `--help` says after the commands: every setting, its default and
/// what it is for.
pub fn settings_help() -> String {
    let mut help = String::from(
        "Settings (environment variables; a .env file in the working folder or above it is read too):\n",
    );
    for var in variables::ALL {
        help.push_str(&format!(
            "  {:<29} {}\n  {:<29} default: {}\n",
            var.name,
            var.help,
            "",
            var.default.describe()
        ));
    }
    help
}

/// `gen-key`: a new `SESSION_SECRET`.
pub fn gen_key() -> String {
    SessionSecret::generate().to_base64()
}

/// `migrate`: applies the migrations the database has not had; running it
/// again changes nothing.
pub async fn migrate(settings: &Settings) -> anyhow::Result<String> {
    let db = db::open(&settings.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", settings.database_url))?;
    let (before, known) = db.migrations_applied().await?;
    db::MIGRATIONS.run(&db.pool).await?;
    db.pool.close().await;
    Ok(match known - before {
        0 => format!("The database is up to date ({known} migrations)."),
        n => format!("Applied {n} migration(s); the database is up to date ({known})."),
    })
}

/// `create-user`: an account, with the password asked for without echo
/// (or read from standard input when it is not a terminal).
pub async fn create_user(settings: Settings, email: &str, name: &str) -> anyhow::Result<String> {
    let (password, confirm) = read_password()?;
    let listening_on = settings.bind_addr.clone();
    let app = AppState::open(settings, Clock::default(), &listening_on).await?;
    let client = ClientInfo::new("command line".into(), "cookie-jar create-user");
    let form = NewAccount {
        email,
        display_name: name,
        password: &password,
        password_confirm: &confirm,
    };
    let created = login::create_account(&app, &client, form).await;
    app.db.pool.close().await;
    match created.map_err(|e| anyhow::anyhow!("{e}"))? {
        Ok(id) => Ok(format!(
            "Created the account {} (id {id}).",
            crate::domain::validate::normalize_email(email)
        )),
        Err(errors) => {
            let why: Vec<String> = errors
                .into_iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect();
            bail!("the account was not created:\n  {}", why.join("\n  "))
        }
    }
}

fn read_password() -> anyhow::Result<(String, String)> {
    if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password("Password: ")?;
        let confirm = rpassword::prompt_password("Password again: ")?;
        return Ok((password, confirm));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    Ok((password.clone(), password))
}

/// `backup PATH`: a consistent copy of the SQLite database, taken while
/// the shop runs ([`data::db::Database::backup`]). PostgreSQL has its own tools.
///
/// [`data::db::Database::backup`]: crate::data::db::Database::backup
pub async fn backup(settings: &Settings, path: &std::path::Path) -> anyhow::Result<String> {
    let Some(target) = path.to_str().filter(|p| !p.starts_with("file:")) else {
        bail!("give the backup a plain file name (not a `file:` URI, valid UTF-8)");
    };
    if path.exists() {
        bail!("{target} exists already; choose a new file");
    }
    let db = db::open_read_only(&settings.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", settings.database_url))?;
    if db.migrations_applied().await?.0 == 0 {
        bail!(
            "{} is not a Cookie Jar database (no migration applied): is DATABASE_URL right?",
            settings.database_url
        );
    }
    let done = db.backup(target).await;
    db.pool.close().await;
    done.with_context(|| format!("cannot write the backup to {target}"))?;
    if !path.is_file() {
        bail!("the database reported success but wrote no {target}");
    }
    Ok(format!("Backed up {} to {target}.", settings.database_url))
}

/// `check-config`: the settings as they are in force, secrets hidden,
/// whether the database answers and how far it is migrated, and which
/// session store is in use and whether it answers. Changes nothing.
pub async fn check_config(settings: &Settings) -> anyhow::Result<String> {
    let mut report = String::from("Settings in force:\n");
    for (name, value) in settings.effective() {
        report.push_str(&format!("  {name:<29} {value}\n"));
    }
    let db = db::open_read_only(&settings.database_url)
        .await
        .with_context(|| format!("the database {} does not answer", settings.database_url))?;
    db.ping().await.context("the database does not answer")?;
    let (applied, known) = db.migrations_applied().await?;
    report.push_str(&format!(
        "Database: reachable; {applied} of {known} migrations applied"
    ));
    if applied < known {
        report.push_str(" (`cookie-jar migrate`, or `serve`, applies the rest)");
    }
    let store = settings.session_store;
    let answers = match Store::connect(settings, &db.pool, &Clock::default()).await {
        Ok(store) => store.ping().await.map_err(|e| anyhow::anyhow!("{e}")),
        Err(e) => Err(e),
    };
    db.pool.close().await;
    let session_store = match store {
        SessionStoreKind::Cookie => {
            "cookie (the state sealed in the cookie; nothing to reach)".into()
        }
        SessionStoreKind::Database => "database (table session_store of the database above)".into(),
        SessionStoreKind::Redis => format!(
            "redis at {} (keys {}…)",
            settings.redis_url, settings.redis_key_prefix
        ),
    };
    answers.with_context(|| format!("the session store {session_store} does not answer"))?;
    report.push_str(&format!("\nSession store: {session_store}: answers"));
    let statics = assets::check(&settings.static_dir)?;
    report.push_str(&format!("\nStatic files: {}", statics.display()));
    match &settings.smtp_url {
        // Not a failure: the shop serves without it, and mail waits in the
        // outbox until the server is back (a unit's ExecStartPre would
        // otherwise keep the shop down for a mail relay).
        Some(smtp) => match mail::worker::check(smtp).await {
            Ok(()) => report.push_str(&format!("\nMail: SMTP at {smtp}: answers")),
            Err(e) => report.push_str(&format!(
                "\nMail: {e:#}; mail waits in the outbox until it answers"
            )),
        },
        None => report.push_str(
            "\nMail: kept in the outbox and shown at /dev/mail (no SMTP_URL; production \
             refuses to start without one)",
        ),
    }
    Ok(report)
}
