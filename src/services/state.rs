//! [`AppState`]: what every service and handler may need, built once at
//! start-up and shared by all workers. It sits below the services so that
//! they can take it without knowing how the application is put together.
//!
//! [`AppState`]: crate::services::state::AppState

use crate::{
    data::db, domain::clock::Clock, domain::config::Settings, domain::sealed::Sealer,
    services::mail::Mailer, services::password::Hasher,
};

/// How long the browser has to answer a passkey's challenge, in seconds.
pub(crate) const PASSKEY_CEREMONY_SECONDS: i64 = 300;

pub struct AppState {
    /// The pool (`app.db.pool`) and the backend behind it.
    pub db: db::Database,
    pub settings: Settings,
    pub(crate) clock: Clock,
    pub(crate) hasher: Hasher,
    /// Where mail links point; wakes the outbox worker.
    pub(crate) mail: Mailer,
    /// Seals the secrets kept at rest (a TOTP secret) under keys derived
    /// from `SESSION_SECRET` and `SESSION_SECRET_PREVIOUS`.
    pub(crate) sealer: Sealer,
    /// The relying party of passkeys ([`services::auth::passkeys`]).
    ///
    /// [`services::auth::passkeys`]: crate::services::auth::passkeys
    /// `None` when `PUBLIC_ORIGIN` names an IP address: passkeys belong to
    /// a domain, and the rest of the shop runs without them.
    pub(crate) webauthn: Option<webauthn_rs::Webauthn>,
}

impl AppState {
    /// The state for `settings`: the database, migrated, and the hasher,
    /// warmed up. Mail links start with `PUBLIC_ORIGIN`, or else with
    /// `http://` and `listening_on` (the address the shop was bound to).
    pub(crate) async fn open(
        settings: Settings,
        clock: Clock,
        listening_on: &str,
    ) -> anyhow::Result<AppState> {
        let db = db::connect(&settings.database_url).await?;
        let hasher = Hasher::new();
        hasher
            .warm_up()
            .await
            .map_err(|e| anyhow::anyhow!("cannot warm the hasher up: {e}"))?;
        let origin = match &settings.public_origin {
            Some(origin) => origin.as_str().to_string(),
            None => format!("http://{listening_on}"),
        };
        let sealer = Sealer::new(&settings.session_secret, &settings.session_secret_previous);
        let webauthn = relying_party(&settings, listening_on)
            .inspect_err(|e| tracing::warn!(error = %e, "passkeys are off: {e}"))
            .ok();
        Ok(AppState {
            db,
            sealer,
            webauthn,
            settings,
            clock,
            hasher,
            mail: Mailer::new(origin),
        })
    }
}

/// The relying party of passkeys, which webauthn-rs checks every answer
/// against: `PUBLIC_ORIGIN`, or in development `http://localhost:PORT` on
/// the port the shop listens on (a passkey belongs to a domain, never to
/// an IP address).
fn relying_party(settings: &Settings, listening_on: &str) -> anyhow::Result<webauthn_rs::Webauthn> {
    let origin = match &settings.public_origin {
        Some(origin) => origin.as_str().to_string(),
        None => {
            let port = listening_on.rsplit(':').next().unwrap_or("8080");
            format!("http://localhost:{port}")
        }
    };
    let origin = webauthn_rs::prelude::Url::parse(&origin)?;
    let rp_id = origin
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("PUBLIC_ORIGIN has no host"))?
        .to_string();
    let webauthn = webauthn_rs::WebauthnBuilder::new(&rp_id, &origin)?
        .rp_name("Cookie Jar")
        .timeout(std::time::Duration::from_secs(
            PASSKEY_CEREMONY_SECONDS as u64,
        ))
        .build()?;
    Ok(webauthn)
}
