//! Health for load balancers and monitors: `/livez` (the process answers),
//! `/readyz` (the database answers and has every migration, and the session
//! store answers), `/healthz` (the database answers).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::{services::state::AppState, web::session::SessionAdapter};

pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub(crate) async fn ready(
    app: web::Data<AppState>,
    sessions: web::Data<SessionAdapter>,
) -> HttpResponse {
    let store = sessions.store();
    // Both at once: a database that is away costs one wait, not two.
    let (pinged, migrations) = tokio::join!(store.ping(), app.db.migrations_applied());
    let session_store = match pinged {
        Ok(()) => "ok",
        Err(err) => {
            tracing::warn!(error = %err, "readiness: session store unavailable");
            "unavailable"
        }
    };
    let report = |status: &str, database: &str, migrations: String| {
        json!({
            "status": status,
            "database": database,
            "migrations": migrations,
            "session_store": session_store,
            "session_store_kind": store.kind().as_str(),
        })
    };
    match migrations {
        Ok((applied, known)) if applied == known && session_store == "ok" => {
            HttpResponse::Ok().json(report("ok", "ok", "applied".into()))
        }
        Ok((applied, known)) => {
            let migrations = match applied == known {
                true => "applied".into(),
                false => format!("{applied} of {known}"),
            };
            HttpResponse::ServiceUnavailable().json(report("error", "ok", migrations))
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness: database unavailable");
            HttpResponse::ServiceUnavailable().json(report("error", "unavailable", "-".into()))
        }
    }
}

pub(crate) async fn check(app: web::Data<AppState>) -> HttpResponse {
    match app.db.ping().await {
        Ok(_) => HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"})),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unavailable");
            unavailable()
        }
    }
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(json!({"status": "error", "database": "unavailable"}))
}
