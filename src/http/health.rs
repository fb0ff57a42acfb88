//! Liveness and readiness probes, and metrics.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// `GET /healthz`: the process is up.
pub async fn live() -> &'static str {
    "ok"
}

/// `GET /readyz`: the primary answers, or a standby in rotation does
/// (queries are answered; writes fail until the primary is back); 503
/// when none does. Then which database each pool is using, a line each
/// (`writes: the primary`, `reads: standby HOST:PORT/DB (in rotation, lag
/// 2 ms)`, ...).
pub async fn ready(State(state): State<AppState>) -> (StatusCode, String) {
    let pools = state.replicas.describe();
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, format!("ready\n{pools}")),
        Err(_) if state.replicas.standby_in_rotation() => {
            let message = format!("ready for reads only: the primary does not answer\n{pools}");
            (StatusCode::OK, message)
        }
        Err(error) => {
            tracing::warn!(%error, "readiness check: database unreachable");
            let message = format!("database unreachable\n{pools}");
            (StatusCode::SERVICE_UNAVAILABLE, message)
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render()
            + &state.responses.render_metrics()
            + &subscribers(&state)
            + &state.analytics.render_metrics()
            + &trusted_documents(&state)
            + &state.replicas.render_metrics(),
    )
}

/// How many trusted documents the process holds (after the last SIGHUP).
fn trusted_documents(state: &AppState) -> String {
    match &state.options.trusted_documents {
        None => String::new(),
        Some(trusted) => format!(
            "# HELP medexchange_trusted_documents Trusted documents read from the manifests.\n\
             # TYPE medexchange_trusted_documents gauge\n\
             medexchange_trusted_documents {}\n",
            trusted.len()
        ),
    }
}

/// The subscribers listening to this process's change feed.
fn subscribers(state: &AppState) -> String {
    format!(
        "# HELP medexchange_subscribers Subscriptions listening for changes.\n\
         # TYPE medexchange_subscribers gauge\n\
         medexchange_subscribers {}\n",
        state.feed.subscribers()
    )
}
