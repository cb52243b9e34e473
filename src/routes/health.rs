//! `GET /healthz`: for load balancers and uptime checks.

use actix_web::{web, HttpResponse};

use crate::{db, state::AppState};

pub async fn check(app: web::Data<AppState>) -> HttpResponse {
    match db::ping(&app.pool).await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({"status": "ok", "database": "ok"})),
        Err(err) => {
            tracing::error!(error = %err, "health check: database unavailable");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "error", "database": "unavailable"}))
        }
    }
}
