//! `POST /graphql` as `multipart/form-data`: the GraphQL multipart request
//! spec (`operations`, `map`, then the files), for attaching images.
//!
//! Only token holders upload: the token is checked before the body is
//! read, so an anonymous caller cannot make the server read (or store) a
//! large body; without one the answer is 401. The body may hold
//! `--max-upload-files` files of at most `--max-image-bytes` each (413
//! beyond). Files wait in temporary files while the operation runs, and
//! are gone after it.

use super::execute::{refused, run_upload};
use super::reply::Reply;
use crate::pipeline::Refusal;
use async_graphql::http::MultipartOptions;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

/// Room for the `operations` and `map` parts beside the files.
const FORM_OVERHEAD_BYTES: usize = 1024 * 1024;

/// Whether the request is a multipart form.
pub(super) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Runs a multipart request.
pub(super) async fn post(reply: &Reply<'_>, headers: &HeaderMap, body: Body) -> Response {
    let state = reply.state;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or(""));
    let caller = match state.pipeline.authenticate(authorization).await {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            let refusal = Refusal::Unauthenticated {
                message: [
                    "上传需要令牌：请发送 `Authorization: Bearer <令牌>`。",
                    "アップロードにはトークンが必要です：`Authorization: Bearer <トークン>` を送ってください。",
                    "uploads need a token: send `Authorization: Bearer <token>`",
                ],
                invalid_token: false,
            };
            return refused(reply, refusal);
        }
        Err(refusal) => return refused(reply, refusal),
    };
    let media = state.media.options();
    let max_file = media.limits.max_bytes as usize;
    let limit = max_file
        .saturating_mul(media.max_files)
        .saturating_add(FORM_OVERHEAD_BYTES);
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        let message = format!(
            "the upload is larger than {limit} bytes ({} files of at most {max_file} bytes)",
            media.max_files
        );
        return reply.request_error(StatusCode::PAYLOAD_TOO_LARGE, &message);
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let options = MultipartOptions::default()
        // One byte more than a file may have, so the file's own check
        // names its size rather than the form failing.
        .max_file_size(max_file + 1)
        .max_num_files(media.max_files);
    match async_graphql::http::receive_body(content_type, &body[..], options).await {
        Ok(request) => run_upload(reply, Some(caller), request).await,
        Err(async_graphql::ParseRequestError::PayloadTooLarge) => {
            let message = format!(
                "a file is larger than {max_file} bytes, or there are more than {} files",
                media.max_files
            );
            reply.request_error(StatusCode::PAYLOAD_TOO_LARGE, &message)
        }
        Err(error) => {
            let message = format!("the multipart request is malformed: {error}");
            reply.request_error(StatusCode::BAD_REQUEST, &message)
        }
    }
}
