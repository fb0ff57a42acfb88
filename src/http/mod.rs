//! The HTTP surface: every route in one place.

pub mod csv;
mod graphiql;
pub use graphiql::EDITING_EXAMPLE as GRAPHIQL_EDITING_EXAMPLE;
pub use graphiql::EXAMPLES as GRAPHIQL_EXAMPLES;
mod graphql;
mod health;
mod iiif;
mod media;
pub mod metrics;
pub mod options;
pub mod persisted;
pub mod request_id;
pub mod response_cache;
pub mod trusted;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The router the server runs, and the tests drive.
pub fn router(state: AppState) -> Router {
    let body_limit = DefaultBodyLimit::max(state.pipeline.limits().max_body_bytes);
    let cors = cors_layer(&state.options.cors_allowed_origins);
    let router = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/media/{hash}/{file}", get(media::file))
        .route("/iiif/3/{hash}", get(iiif::base))
        .route("/iiif/3/{hash}/info.json", get(iiif::info))
        .route(
            "/iiif/3/{hash}/{region}/{size}/{rotation}/{quality}",
            get(iiif::image),
        )
        .route("/iiif/manifest/{kind}/{slug}", get(iiif::manifest))
        .route("/iiif/collection/{name}", get(iiif::collection))
        .layer(body_limit)
        .layer(CompressionLayer::new().gzip(true).br(true));
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_id::layer,
        ))
        .with_state(state)
}

/// CORS for the configured origins: none (no CORS headers), `*` (any), or
/// a list. Browsers may send the headers GraphQL clients use, the
/// writers' `Authorization` included (tokens are sent as headers, never as
/// cookies, so credentials mode stays off and `*` is safe).
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::AUTHORIZATION,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("medexchange-read-after"),
        ])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            header::CONTENT_LANGUAGE,
            header::ETAG,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
            HeaderName::from_static("medexchange-read-after"),
        ])
        .max_age(std::time::Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        return Some(layer.allow_origin(AllowOrigin::any()));
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(layer.allow_origin(AllowOrigin::list(list)))
}
