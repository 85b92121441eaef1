//! `GET /health` (the process is alive) and `GET /ready` (the database answers and no
//! migration is pending; 503 otherwise, with the reason).

use super::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use store::DatabaseUrl;

/// Liveness: answers as long as the process serves HTTP.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: safe to route traffic here.
pub async fn ready(State(shared): State<Shared>) -> (StatusCode, Json<Value>) {
    let store = &shared.state.store;
    let unavailable = |reason: String| {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "reason": reason })))
    };
    // A SQLite file deleted from under us still answers on open handles; check it is there.
    if let DatabaseUrl::Sqlite { path: Some(path) } = store.url()
        && !path.exists()
    {
        // The path stays in the log: a public endpoint does not describe the server's disk.
        tracing::warn!(path = %path.display(), "readiness: the database file is missing");
        return unavailable("database file missing".into());
    }
    let check = tokio::time::timeout(std::time::Duration::from_secs(3), async {
        store.ping().await?;
        store.migration_status().await
    })
    .await;
    match check {
        Err(_) => unavailable("database did not answer within 3 s".into()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            unavailable("database unavailable".into())
        }
        Ok(Ok(status)) if !status.is_up_to_date() => unavailable("migrations pending or failed".into()),
        Ok(Ok(_)) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
    }
}
