//! `cargo run`: read the settings, start logging, serve.

use cookie_jar::{config::Settings, startup::Application};
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("cookie-jar: configuration error: {err}");
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

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
