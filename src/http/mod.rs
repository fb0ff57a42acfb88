//! The HTTP surface: every route in one place.

mod graphql;
mod health;

use crate::AppState;
use axum::Router;
use axum::routing::get;

/// The router the server runs, and the tests drive.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .with_state(state)
}
