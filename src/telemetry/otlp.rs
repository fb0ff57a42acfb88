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
    Int(i64),
    Bool(bool),
}

/// A finished span, as it is exported.
#[derive(Clone, Debug)]
pub struct Span {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub parent_span_id: Option<[u8; 8]>,
    pub name: String,
    /// 1 internal, 2 server, 3 client.
    pub kind: u64,
    pub start: SystemTime,
    pub end: SystemTime,
    pub attributes: Vec<(String, Value)>,
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
/// scope_spans: [ScopeSpans { scope, spans }] }] }`.
pub fn encode_request(service: &str, spans: &[Span]) -> Vec<u8> {
    let mut resource = Vec::new();
    let service_name = key_value("service.name", &Value::Text(service.to_owned()));
    message(&mut resource, 1, &service_name);
    let mut scope = Vec::new();
    string(&mut scope, 1, "medexchange");
    string(&mut scope, 2, env!("CARGO_PKG_VERSION"));
    let mut scope_spans = Vec::new();
    message(&mut scope_spans, 1, &scope);
    for span in spans {
        message(&mut scope_spans, 2, &encode_span(span));
    }
    let mut resource_spans = Vec::new();
    message(&mut resource_spans, 1, &resource);
    message(&mut resource_spans, 2, &scope_spans);
    let mut request = Vec::new();
    message(&mut request, 1, &resource_spans);
    request
}

/// `Span` (trace.proto field numbers).
fn encode_span(span: &Span) -> Vec<u8> {
    let mut out = Vec::new();
    bytes(&mut out, 1, &span.trace_id);
    bytes(&mut out, 2, &span.span_id);
    if let Some(parent) = &span.parent_span_id {
        bytes(&mut out, 4, parent);
    }
    string(&mut out, 5, &span.name);
    varint_field(&mut out, 6, span.kind);
    fixed64(&mut out, 7, nanos(span.start));
    fixed64(&mut out, 8, nanos(span.end));
    for (key, value) in &span.attributes {
        message(&mut out, 9, &key_value(key, value));
    }
    let mut status = Vec::new();
    match &span.error {
        Some(text) => {
            string(&mut status, 2, text);
            varint_field(&mut status, 3, 2);
        }
        None => varint_field(&mut status, 3, 1),
    }
    message(&mut out, 15, &status);
    out
}

/// `KeyValue { key, value: AnyValue }`.
fn key_value(key: &str, value: &Value) -> Vec<u8> {
    let mut any = Vec::new();
    match value {
        Value::Text(text) => string(&mut any, 1, text),
        Value::Bool(flag) => varint_field(&mut any, 2, u64::from(*flag)),
        Value::Int(number) => varint_field(&mut any, 3, *number as u64),
    }
    let mut out = Vec::new();
    string(&mut out, 1, key);
    message(&mut out, 2, &any);
    out
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

fn bytes(out: &mut Vec<u8>, field: u64, value: &[u8]) {
    tag(out, field, 2);
    varint(out, value.len() as u64);
    out.extend(value);
}

fn string(out: &mut Vec<u8>, field: u64, value: &str) {
    bytes(out, field, value.as_bytes());
}

fn message(out: &mut Vec<u8>, field: u64, value: &[u8]) {
    bytes(out, field, value);
}

#[cfg(test)]
mod tests {
    use super::*;

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
