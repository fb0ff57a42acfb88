//! OTLP over HTTP/protobuf: finished spans encoded as an
//! `ExportTraceServiceRequest` (opentelemetry-proto's `trace.proto`,
//! written by hand: the few messages and fields a span needs) and sent
//! in batches to `ENDPOINT/v1/traces`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Most spans one export carries.
const BATCH: usize = 512;
/// Longest a finished span waits before it is sent.
const EVERY: Duration = Duration::from_millis(500);

/// A span's attribute value.
#[derive(Clone, Debug)]
pub enum Value {
    Text(String),
    /// A text many spans hold (a statement's).
    Shared(std::sync::Arc<str>),
    Int(i64),
    Bool(bool),
}

/// A finished span, as it is exported.
#[derive(Clone, Debug)]
pub struct Span {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub parent_span_id: Option<[u8; 8]>,
    pub name: std::borrow::Cow<'static, str>,
    /// 1 internal, 2 server, 3 client.
    pub kind: u64,
    pub start: SystemTime,
    pub end: SystemTime,
    pub attributes: Vec<(&'static str, Value)>,
    /// Status: an error, with its message.
    pub error: Option<String>,
}

/// Sends batches of spans to `url` (`…/v1/traces`) until every sender is
/// gone, as `service` (the resource's `service.name`).
pub async fn export(mut spans: mpsc::Receiver<Span>, url: String, service: String) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default();
    let mut failing = false;
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let deadline = tokio::time::sleep(EVERY);
        tokio::pin!(deadline);
        let open = loop {
            tokio::select! {
                span = spans.recv() => match span {
                    Some(span) => {
                        batch.push(span);
                        if batch.len() >= BATCH { break true; }
                    }
                    None => break false,
                },
                () = &mut deadline => break true,
            }
        };
        if !batch.is_empty() {
            let body = encode_request(&service, &batch);
            batch.clear();
            let sent = client
                .post(&url)
                .header("content-type", "application/x-protobuf")
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| match r.status().is_success() {
                    true => Ok(()),
                    false => Err(format!("HTTP {}", r.status())),
                });
            match (sent, failing) {
                (Err(error), false) => {
                    tracing::warn!(%url, error, "cannot export traces; spans are dropped until it works again");
                    failing = true;
                }
                (Ok(()), true) => {
                    tracing::info!(%url, "exporting traces again");
                    failing = false;
                }
                _ => {}
            }
        }
        if !open {
            return;
        }
    }
}

/// `ExportTraceServiceRequest { resource_spans: [ResourceSpans { resource,
/// scope_spans: [ScopeSpans { scope, spans }] }] }`, each span written
/// straight into the one buffer (sizes are computed before writing, so
/// nothing nested is encoded twice).
pub fn encode_request(service: &str, spans: &[Span]) -> Vec<u8> {
    let service_name = Value::Text(service.to_owned());
    let resource_len = field_len(key_value_len("service.name", &service_name));
    let scope_len = field_len("medexchange".len()) + field_len(env!("CARGO_PKG_VERSION").len());
    let spans_len: usize = spans.iter().map(|span| field_len(span_len(span))).sum();
    let scope_spans_len = field_len(scope_len) + spans_len;
    let resource_spans_len = field_len(resource_len) + field_len(scope_spans_len);
    let mut out = Vec::with_capacity(field_len(resource_spans_len));
    length_delimited(&mut out, 1, resource_spans_len);
    length_delimited(&mut out, 1, resource_len);
    key_value(&mut out, 1, "service.name", &service_name);
    length_delimited(&mut out, 2, scope_spans_len);
    length_delimited(&mut out, 1, scope_len);
    string(&mut out, 1, "medexchange");
    string(&mut out, 2, env!("CARGO_PKG_VERSION"));
    for span in spans {
        length_delimited(&mut out, 2, span_len(span));
        encode_span(&mut out, span);
    }
    out
}

/// `Span` (trace.proto field numbers).
fn encode_span(out: &mut Vec<u8>, span: &Span) {
    bytes(out, 1, &span.trace_id);
    bytes(out, 2, &span.span_id);
    if let Some(parent) = &span.parent_span_id {
        bytes(out, 4, parent);
    }
    string(out, 5, &span.name);
    varint_field(out, 6, span.kind);
    fixed64(out, 7, nanos(span.start));
    fixed64(out, 8, nanos(span.end));
    for (key, value) in &span.attributes {
        key_value(out, 9, key, value);
    }
    length_delimited(out, 15, status_len(span));
    match &span.error {
        Some(text) => {
            string(out, 2, text);
            varint_field(out, 3, 2);
        }
        None => varint_field(out, 3, 1),
    }
}

fn span_len(span: &Span) -> usize {
    let parent = span.parent_span_id.map_or(0, |p| field_len(p.len()));
    let attributes: usize = span
        .attributes
        .iter()
        .map(|(key, value)| field_len(key_value_len(key, value)))
        .sum();
    field_len(16)
        + field_len(8)
        + parent
        + field_len(span.name.len())
        + 1
        + varint_len(span.kind)
        + 2 * 9
        + attributes
        + field_len(status_len(span))
}

fn status_len(span: &Span) -> usize {
    match &span.error {
        Some(text) => field_len(text.len()) + 2,
        None => 2,
    }
}

/// `KeyValue { key, value: AnyValue }` as field `field`.
fn key_value(out: &mut Vec<u8>, field: u64, key: &str, value: &Value) {
    length_delimited(out, field, key_value_len(key, value));
    string(out, 1, key);
    length_delimited(out, 2, any_len(value));
    match value {
        Value::Text(text) => string(out, 1, text),
        Value::Shared(text) => string(out, 1, text),
        Value::Bool(flag) => varint_field(out, 2, u64::from(*flag)),
        Value::Int(number) => varint_field(out, 3, *number as u64),
    }
}

fn key_value_len(key: &str, value: &Value) -> usize {
    field_len(key.len()) + field_len(any_len(value))
}

fn any_len(value: &Value) -> usize {
    match value {
        Value::Text(text) => field_len(text.len()),
        Value::Shared(text) => field_len(text.len()),
        Value::Bool(_) => 2,
        Value::Int(number) => 1 + varint_len(*number as u64),
    }
}

/// The bytes a length-delimited field of `len` bytes takes (field numbers
/// below 16: a one-byte tag).
fn field_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

fn varint_len(mut value: u64) -> usize {
    let mut len = 1;
    while value >= 0x80 {
        value >>= 7;
        len += 1;
    }
    len
}

fn nanos(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn tag(out: &mut Vec<u8>, field: u64, wire_type: u64) {
    varint(out, (field << 3) | wire_type);
}

fn varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
    tag(out, field, 0);
    varint(out, value);
}

fn fixed64(out: &mut Vec<u8>, field: u64, value: u64) {
    tag(out, field, 1);
    out.extend(value.to_le_bytes());
}

fn length_delimited(out: &mut Vec<u8>, field: u64, len: usize) {
    tag(out, field, 2);
    varint(out, len as u64);
}

fn bytes(out: &mut Vec<u8>, field: u64, value: &[u8]) {
    length_delimited(out, field, value.len());
    out.extend(value);
}

fn string(out: &mut Vec<u8>, field: u64, value: &str) {
    bytes(out, field, value.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_computed_first_are_the_sizes_written() {
        let span = Span {
            trace_id: [1; 16],
            span_id: [2; 8],
            parent_span_id: Some([3; 8]),
            name: "query ExchangePage".into(),
            kind: 2,
            start: SystemTime::now(),
            end: SystemTime::now(),
            attributes: vec![
                ("http.response.status_code", Value::Int(200)),
                ("medexchange.cache", Value::Text("miss".repeat(40))),
                ("ok", Value::Bool(true)),
            ],
            error: Some("x".repeat(200)),
        };
        let mut out = Vec::new();
        encode_span(&mut out, &span);
        assert_eq!(out.len(), span_len(&span));
        let request = encode_request("medexchange", &[span.clone(), span]);
        assert_eq!(request.capacity(), request.len());
    }

    #[test]
    fn varints_and_fields_are_protobufs() {
        let mut out = Vec::new();
        varint(&mut out, 300);
        assert_eq!(out, [0xAC, 0x02]);
        let mut out = Vec::new();
        string(&mut out, 5, "hi");
        assert_eq!(out, [0x2A, 2, b'h', b'i']);
        let mut out = Vec::new();
        fixed64(&mut out, 7, 1);
        assert_eq!(out, [0x39, 1, 0, 0, 0, 0, 0, 0, 0]);
    }
}
