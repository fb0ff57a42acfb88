//! IIIF over HTTP: the Image API 3.0 (level 2) at `/iiif/3/HASH/…` for
//! every image a photo readers see shows, and Presentation API 3.0
//! manifests at `/iiif/manifest/{exchange,aid-shipment,news}/SLUG` and
//! collections at `/iiif/collection/fyYEAR`. Every answer allows any
//! origin (viewers run on other sites), as the Image API asks.
//!
//! IIIF documents hold absolute URLs: of `--public-url` when set, else of
//! the request's `Host`.

use crate::AppState;
use crate::media::iiif::Drawn;
use crate::media::iiif::image_api::ImageRequest;
use crate::media::iiif::presentation::{Described, image_service_path};
use crate::media::{MediaError, is_hash};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

const IMAGE_CONTEXT: &str = "http://iiif.io/api/image/3/context.json";
const PRESENTATION_CONTEXT: &str = "http://iiif.io/api/presentation/3/context.json";

/// `GET /iiif/3/{hash}`: the base URI redirects to its `info.json`.
pub async fn base(Path(hash): Path<String>) -> Response {
    if !is_hash(&hash) {
        return not_found();
    }
    let location = format!("{}/info.json", image_service_path(&hash));
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    with_cors(response)
}

/// `GET /iiif/3/{hash}/info.json`.
pub async fn info(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let Some(row) = public_image(&state, &hash).await? else {
            return Ok(not_found());
        };
        let Some(origin) = origin(&state, &headers) else {
            return Ok(bad_request("the Host header is missing or malformed"));
        };
        let base = format!("{origin}{}", image_service_path(&hash));
        let info = state.media.iiif_info(&row, &base);
        Ok(json(
            &headers,
            &info,
            IMAGE_CONTEXT,
            "public, max-age=86400",
        ))
    };
    answer.await.unwrap_or_else(failed)
}

/// `GET /iiif/3/{hash}/{region}/{size}/{rotation}/{quality}.{format}`.
pub async fn image(
    State(state): State<AppState>,
    Path((hash, region, size, rotation, quality)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let Some(row) = public_image(&state, &hash).await? else {
            return Ok(not_found());
        };
        let request = match ImageRequest::parse(&region, &size, &rotation, &quality) {
            Ok(request) => request,
            Err(message) => return Ok(bad_request(&message)),
        };
        let path = format!("{region}/{size}/{rotation}/{quality}");
        let bytes = match state.media.iiif_image(&row, &request, &path).await? {
            Drawn::Image(bytes) => bytes,
            Drawn::BadRequest(message) => return Ok(bad_request(&message)),
            Drawn::Missing => return Ok(not_found()),
        };
        let content_type = request.encoding.content_type();
        let tag = format!("{hash}-{}", path.replace('/', "_"));
        Ok(super::media::send(
            &headers,
            bytes,
            content_type,
            &tag,
            super::media::IMMUTABLE,
        ))
    };
    answer.await.unwrap_or_else(failed)
}

/// `GET /iiif/manifest/{kind}/{slug}`.
pub async fn manifest(
    State(state): State<AppState>,
    Path((kind, slug)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let Some(kind) = Described::of_segment(&kind) else {
            return Ok(not_found());
        };
        let Some(origin) = origin(&state, &headers) else {
            return Ok(bad_request("the Host header is missing or malformed"));
        };
        Ok(match state.media.manifest(kind, &slug, &origin).await? {
            Some(manifest) => json(
                &headers,
                &manifest,
                PRESENTATION_CONTEXT,
                "public, max-age=60",
            ),
            None => not_found(),
        })
    };
    answer.await.unwrap_or_else(failed)
}

/// `GET /iiif/collection/fy{year}`.
pub async fn collection(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let year = name.strip_prefix("fy").and_then(|y| y.parse::<i32>().ok());
        let Some(year) = year.filter(|y| crate::domain::vocabulary::YEARS.contains(y)) else {
            return Ok(not_found());
        };
        let Some(origin) = origin(&state, &headers) else {
            return Ok(bad_request("the Host header is missing or malformed"));
        };
        let collection = state.media.collection(year, &origin).await?;
        Ok(json(
            &headers,
            &collection,
            PRESENTATION_CONTEXT,
            "public, max-age=60",
        ))
    };
    answer.await.unwrap_or_else(failed)
}

/// The stored image `hash`, when a photo readers see shows it.
async fn public_image(
    state: &AppState,
    hash: &str,
) -> Result<Option<crate::store::rows::image::Model>, MediaError> {
    if !is_hash(hash) || !state.media.is_public(hash).await? {
        return Ok(None);
    }
    Ok(state.media.image(hash).await?)
}

/// `--public-url`, else `http://` and the request's `Host`.
fn origin(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(url) = &state.media.options().public_url {
        return Some(url.clone());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let well_formed = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    well_formed.then(|| format!("http://{host}"))
}

/// A IIIF JSON document: JSON-LD with its context's profile when the
/// client asks for JSON-LD, else plain JSON.
fn json(headers: &HeaderMap, document: &Value, context: &str, cache: &str) -> Response {
    let wants_ld = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/ld+json"));
    let content_type = match wants_ld {
        true => format!("application/ld+json;profile=\"{context}\""),
        false => "application/json".to_owned(),
    };
    let mut response = (StatusCode::OK, document.to_string()).into_response();
    let out = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type.as_str()),
        (header::CACHE_CONTROL, cache),
        (header::VARY, "Accept"),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            out.insert(name, value);
        }
    }
    with_cors(response)
}

fn with_cors(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

fn not_found() -> Response {
    with_cors((StatusCode::NOT_FOUND, "not found").into_response())
}

fn bad_request(message: &str) -> Response {
    with_cors((StatusCode::BAD_REQUEST, message.to_owned()).into_response())
}

fn failed(error: MediaError) -> Response {
    tracing::error!(%error, "cannot serve a IIIF request");
    with_cors((StatusCode::SERVICE_UNAVAILABLE, "the media store failed").into_response())
}
