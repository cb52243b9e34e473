//! `cookie-jar`: the command line (see `cookie-jar --help`). With no
//! command, or `serve`, it serves the shop, so `cargo run` starts it.

use std::io::IsTerminal;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cookie_jar::{
    app::cli,
    app::environment::{self, DevKey},
    app::startup::Application,
    domain::config::{LogFormat, Settings},
};
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: faster for the many small
/// allocations of a request, and it hands freed memory back to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "cookie-jar",
    version,
    about = "A web shop that shows how cookie-backed sessions are done right."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the shop (the default): migrate the database, then listen.
    Serve,
    /// Apply the database migrations not yet applied; a no-op when none are.
    Migrate,
    /// Print a new random cookie key for SESSION_SECRET (64 bytes, base64).
    GenKey,
    /// Create an account. The password is asked for, not echoed; or it is
    /// read from standard input when that is not a terminal.
    CreateUser {
        #[arg(long)]
        email: String,
        /// The display name.
        #[arg(long)]
        name: String,
    },
    /// Check the settings and the database; print the settings in force,
    /// secrets hidden. Changes nothing.
    CheckConfig,
    /// Copy the SQLite database to a new file, safely while the shop runs.
    Backup { path: std::path::PathBuf },
}

#[actix_web::main]
async fn main() {
    let matches = Cli::command()
        .after_help(cli::settings_help())
        .get_matches();
    let command = Cli::from_arg_matches(&matches).map_or(None, |cli| cli.command);
    if let Some(Command::GenKey) = command {
        println!("{}", cli::gen_key());
        return;
    }
    // Only `serve` (and the commands that write) may make the development
    // key; looking changes nothing.
    let looking = matches!(command, Some(Command::CheckConfig | Command::Backup { .. }));
    let dev_key = if looking {
        DevKey::DoNotWrite
    } else {
        DevKey::Create
    };
    let settings = match environment::settings(dev_key) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("cookie-jar: configuration error: {err}");
            std::process::exit(2);
        }
    };
    let done = match command {
        None | Some(Command::Serve) => serve(settings).await.map(|()| None),
        Some(Command::Migrate) => cli::migrate(&settings).await.map(Some),
        Some(Command::CreateUser { email, name }) => {
            cli::create_user(settings, &email, &name).await.map(Some)
        }
        Some(Command::CheckConfig) => cli::check_config(&settings).await.map(Some),
        Some(Command::Backup { path }) => cli::backup(&settings, &path).await.map(Some),
        Some(Command::GenKey) => unreachable!("answered above"),
    };
    match done {
        Ok(Some(report)) => println!("{report}"),
        Ok(None) => {}
        Err(err) => {
            eprintln!("cookie-jar: {err:#}");
            std::process::exit(1);
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let mut filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    // actix-http logs each malformed request (a head too large, a broken
    // connection) at ERROR, so any client could fill the log with them.
    // They are answered (400, 431) and are not the shop's errors: off,
    // unless LOG names actix_http itself.
    if !settings.log.contains("actix_http") {
        filter = filter.add_directive("actix_http::h1=off".parse().expect("a valid directive"));
    }
    // Log lines are written by a thread of their own, in batches: a request
    // hands its line over and goes on, instead of waiting for a `write` to
    // standard output. Not lossy: should the output fall behind by 128k
    // lines, requests wait for it rather than lines being dropped. When
    // `serve` returns, the guard lets the thread write what is left (it
    // waits up to a second for that).
    let (writer, _flush_on_exit) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("cookie-jar-log")
        .finish(std::io::BufWriter::new(std::io::stdout()));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match settings.log_format {
        LogFormat::Text => logs.with_ansi(std::io::stdout().is_terminal()).init(),
        // One object a line; the request's span (its id) goes with it.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    let app = Application::build(settings.clone()).await?;
    tracing::info!(
        "Cookie Jar is open at http://{}:{} ({:?}, database {})",
        settings
            .bind_addr
            .rsplit_once(':')
            .map_or("127.0.0.1", |(host, _)| host),
        app.port(),
        settings.app_env,
        settings.database_url,
    );
    app.run_until_stopped().await?;
    tracing::info!("Cookie Jar stopped");
    Ok(())
}
