//! Health for load balancers and monitors: `/livez` (the process answers),
//! `/readyz` (the database answers and has every migration), `/healthz`
//! (the database answers).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::{db, state::AppState};

pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn ready(app: web::Data<AppState>) -> HttpResponse {
    match db::migrations_applied(&app.pool).await {
        Ok((applied, known)) if applied == known => HttpResponse::Ok()
            .json(json!({"status": "ok", "database": "ok", "migrations": "applied"})),
        Ok((applied, known)) => HttpResponse::ServiceUnavailable().json(json!({
            "status": "error", "database": "ok", "migrations": format!("{applied} of {known}")
        })),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: database unavailable");
            unavailable()
        }
    }
}

pub async fn check(app: web::Data<AppState>) -> HttpResponse {
    match db::ping(&app.pool).await {
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
