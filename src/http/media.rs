//! `GET`/`HEAD /media/HASH/FILE`: photos' image files.
//!
//! `FILE` is a derivative (`640.webp`, `1280.jpg`): public while a photo
//! readers see shows the image, with `Cache-Control: public,
//! max-age=31536000, immutable` (a hash's files never change), an `ETag`
//! (`If-None-Match` gives 304) and byte ranges (206, or 416). Once the
//! photo (or what it belongs to) is deleted, anonymous callers get 404;
//! token holders still get the files, privately. A CDN that cached a
//! deleted photo's files keeps them until purged.
//!
//! `original` is the archival master as uploaded: for token holders only
//! (401 without a token), never cached by shared caches.

use crate::AppState;
use crate::media::probe::Format;
use crate::media::{MediaError, is_hash};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// How long files may be cached: a year (they never change).
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `GET /media/{hash}/{file}`.
pub async fn file(
    State(state): State<AppState>,
    Path((hash, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match serve(&state, &hash, &file, &headers).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, %hash, %file, "cannot serve a media file");
            (StatusCode::SERVICE_UNAVAILABLE, "the media store failed").into_response()
        }
    }
}

async fn serve(
    state: &AppState,
    hash: &str,
    file: &str,
    headers: &HeaderMap,
) -> Result<Response, MediaError> {
    let not_found = || (StatusCode::NOT_FOUND, "no such file").into_response();
    if !is_hash(hash) {
        return Ok(not_found());
    }
    let token_holder = token_holder(state, headers).await;
    let media = &state.media;
    if file == "original" {
        if !token_holder {
            return Ok(unauthorized());
        }
        let Some(row) = media.image(hash).await? else {
            return Ok(not_found());
        };
        let Some(bytes) = media.original(hash).await? else {
            return Ok(not_found());
        };
        let format = Format::of_content_type(&row.content_type).unwrap_or(Format::Jpeg);
        let name = format!("{hash}.{}", format.extension());
        let mut response = send(
            headers,
            bytes,
            format.content_type(),
            &format!("{hash}-original"),
            "private, no-store",
        );
        if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
        return Ok(response);
    }
    let Some(content_type) = derivative_type(file) else {
        return Ok(not_found());
    };
    let cache = match media.is_public(hash).await? {
        true => IMMUTABLE,
        false if token_holder && media.is_named(hash).await? => "private, no-store",
        false => return Ok(not_found()),
    };
    let Some(bytes) = media.derivative(hash, file).await? else {
        return Ok(not_found());
    };
    Ok(send(
        headers,
        bytes,
        content_type,
        &format!("{hash}-{file}"),
        cache,
    ))
}

/// The type of a derivative's name (`WIDTH.jpg` or `WIDTH.webp`).
fn derivative_type(file: &str) -> Option<&'static str> {
    let (width, extension) = file.split_once('.')?;
    if width.is_empty() || width.len() > 5 || !width.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match extension {
        "jpg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

/// Whether the request carries a valid token.
async fn token_holder(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(authorization) = headers.get(header::AUTHORIZATION) else {
        return false;
    };
    let authorization = authorization.to_str().unwrap_or("");
    matches!(
        state.pipeline.authenticate(Some(authorization)).await,
        Ok(Some(_))
    )
}

fn unauthorized() -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, "originals need a token").into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"medexchange\""),
    );
    response
}

/// A file's answer: 304 when the client has it, a byte range when one is
/// asked for, else the whole file.
pub fn send(
    headers: &HeaderMap,
    bytes: Bytes,
    content_type: &str,
    tag: &str,
    cache: &str,
) -> Response {
    let etag = format!("\"{tag}\"");
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
            Some(range) => ranged(range, bytes),
            None => bytes.into_response(),
        }
    };
    let with_file = matches!(
        response.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT
    );
    let out = response.headers_mut();
    let set = |out: &mut HeaderMap, name, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            out.insert(name, value);
        }
    };
    if with_file {
        set(out, header::CONTENT_TYPE, content_type);
    }
    set(out, header::ETAG, &etag);
    set(out, header::CACHE_CONTROL, cache);
    set(out, header::ACCEPT_RANGES, "bytes");
    set(out, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(out, header::CONTENT_SECURITY_POLICY, "default-src 'none'");
    set(out, header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    response
}

/// One byte range of `bytes` (206), or 416 when it cannot be served.
/// Several ranges are answered with the whole file, as RFC 9110 allows.
fn ranged(range: &str, bytes: Bytes) -> Response {
    let len = bytes.len() as u64;
    let unsatisfiable = || {
        let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
        if let Ok(value) = HeaderValue::from_str(&format!("bytes */{len}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        response
    };
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return bytes.into_response();
    };
    if spec.contains(',') {
        return bytes.into_response();
    }
    let Some((start, end)) = spec.split_once('-') else {
        return unsatisfiable();
    };
    let (start, end) = match (start.trim().parse::<u64>(), end.trim().parse::<u64>()) {
        (Ok(start), Ok(end)) => (start, end.min(len.saturating_sub(1))),
        (Ok(start), Err(_)) if end.trim().is_empty() => (start, len.saturating_sub(1)),
        (Err(_), Ok(suffix)) if start.trim().is_empty() && suffix > 0 => {
            (len.saturating_sub(suffix), len.saturating_sub(1))
        }
        _ => return unsatisfiable(),
    };
    if start >= len || start > end {
        return unsatisfiable();
    }
    let part = bytes.slice(start as usize..=end as usize);
    let mut response = (StatusCode::PARTIAL_CONTENT, part).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
        response.headers_mut().insert(header::CONTENT_RANGE, value);
    }
    response
}
