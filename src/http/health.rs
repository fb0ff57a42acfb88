//! Liveness and readiness probes, and metrics.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// `GET /healthz`: the process is up.
pub async fn live() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers; 503 when it does not.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
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
            + &trusted_documents(&state),
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
