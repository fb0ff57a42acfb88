//! Traces an operator can follow (`--otlp-endpoint`): OpenTelemetry spans
//! exported over OTLP (HTTP/protobuf) by a `tracing` layer of our own.
//!
//! The spans are `tracing` spans of target [`TARGET`]: one per GraphQL
//! request (`query ExchangePage`, kind server: operation, served language,
//! cache hit or miss, which database answered, HTTP status), with children
//! for parsing, validation, each DataLoader batch and each SQL statement
//! (its text with placeholders, never its values), not one per field. A
//! W3C `traceparent` header on the request makes its span a child of the
//! caller's. Off by default: no layer is then interested in the target, so
//! the spans cost a callsite check each.
//!
//! Fields with a meaning to the layer: `otel.name` (the span's name),
//! `otel.kind` (`server`, `client`), `traceparent` (the caller's context),
//! `elapsed_us` (the span ended now and began that long ago: a statement
//! is reported once it ran), `error` (the span failed, with this message).
//! Every other field is an attribute.

pub mod otlp;

use otlp::Value;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Subscriber, span};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The target of the spans exported.
pub const TARGET: &str = "otel";

/// Finished spans waiting to be sent, at most: beyond, spans are dropped
/// (an exporter that cannot keep up never holds memory or slows requests).
const QUEUE: usize = 8192;

/// The layer turning spans of [`TARGET`] into OTLP spans.
pub struct OtlpLayer {
    spans: mpsc::Sender<otlp::Span>,
}

impl OtlpLayer {
    /// A layer exporting to `endpoint` (`http://HOST:4318`, or the full
    /// `…/v1/traces`) as `service`; its exporter runs on the current tokio
    /// runtime.
    pub fn new(endpoint: &str, service: String) -> OtlpLayer {
        let url = match endpoint.trim_end_matches('/') {
            full if full.ends_with("/v1/traces") => full.to_owned(),
            base => format!("{base}/v1/traces"),
        };
        let (spans, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(otlp::export(receiver, url, service));
        OtlpLayer { spans }
    }
}

impl<S> Layer<S> for OtlpLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut open = Open::named(attrs.metadata().name());
        attrs.record(&mut open);
        let parent = span.parent().and_then(|parent| {
            parent
                .extensions()
                .get::<Open>()
                .map(|p| (p.span.trace_id, p.span.span_id))
        });
        match (
            parent,
            open.traceparent.take().and_then(|t| parse_traceparent(&t)),
        ) {
            (Some((trace, parent)), _) | (None, Some((trace, parent))) => {
                open.span.trace_id = trace;
                open.span.parent_span_id = Some(parent);
            }
            (None, None) => open.span.trace_id = random_trace_id(),
        }
        span.extensions_mut().insert(open);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(open) = span.extensions_mut().get_mut::<Open>()
        {
            values.record(open);
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(open) = span.extensions_mut().remove::<Open>() else {
            return;
        };
        let mut finished = open.span;
        finished.end = SystemTime::now();
        if let Some(elapsed) = open.elapsed {
            finished.start = finished.end.checked_sub(elapsed).unwrap_or(finished.end);
        }
        // Full queue: the span is dropped rather than a request slowed.
        let _ = self.spans.try_send(finished);
    }
}

/// A span being recorded.
struct Open {
    span: otlp::Span,
    traceparent: Option<String>,
    elapsed: Option<Duration>,
}

impl Open {
    fn named(name: &'static str) -> Open {
        Open {
            span: otlp::Span {
                trace_id: [0; 16],
                span_id: random_span_id(),
                parent_span_id: None,
                name: name.into(),
                kind: 1,
                start: SystemTime::now(),
                end: SystemTime::now(),
                attributes: Vec::with_capacity(12),
                error: None,
            },
            traceparent: None,
            elapsed: None,
        }
    }

    fn set(&mut self, key: &'static str, value: Value) {
        match (key, value) {
            ("otel.name", Value::Text(name)) => self.span.name = name.into(),
            ("otel.kind", Value::Text(kind)) => {
                self.span.kind = match kind.as_str() {
                    "server" => 2,
                    "client" => 3,
                    _ => 1,
                }
            }
            ("traceparent", Value::Text(text)) => self.traceparent = Some(text),
            ("elapsed_us", Value::Int(us)) => {
                self.elapsed = Some(Duration::from_micros(us.max(0) as u64));
            }
            ("error", Value::Text(message)) => self.span.error = Some(message),
            ("db.statement_id", Value::Int(id)) => {
                if let Some((text, name)) = known_statement(id) {
                    self.span.name = name.to_string().into();
                    self.span
                        .attributes
                        .push(("db.query.text", Value::Shared(text)));
                }
            }
            (key, value) => match self.span.attributes.iter_mut().find(|(k, _)| *k == key) {
                Some((_, held)) => *held = value,
                None => self.span.attributes.push((key, value)),
            },
        }
    }
}

impl Visit for Open {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field.name(), Value::Text(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field.name(), Value::Int(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field.name(), Value::Int(value as i64));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field.name(), Value::Bool(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.set(field.name(), Value::Text(format!("{value:?}")));
    }
}

/// The trace id and parent span id of a W3C `traceparent`
/// (`00-TRACE-SPAN-FLAGS`); `None` when it is not one (then ignored).
pub fn parse_traceparent(text: &str) -> Option<([u8; 16], [u8; 8])> {
    let mut parts = text.trim().split('-');
    let (version, trace, span, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version.len() != 2
        || version == "ff"
        || flags.len() != 2
        || (version == "00" && parts.next().is_some())
    {
        return None;
    }
    let trace: [u8; 16] = hex(trace)?.try_into().ok()?;
    let span: [u8; 8] = hex(span)?.try_into().ok()?;
    let zero = |bytes: &[u8]| bytes.iter().all(|b| *b == 0);
    (!zero(&trace) && !zero(&span)).then_some((trace, span))
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2)
        || !text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

thread_local! {
    /// SplitMix64 state, seeded from the operating system per thread.
    static STATE: Cell<u64> = Cell::new({
        let mut seed = [0u8; 8];
        let _ = getrandom::fill(&mut seed);
        u64::from_le_bytes(seed) | 1
    });
}

fn random_u64() -> u64 {
    STATE.with(|state| {
        let next = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        state.set(next);
        let mut z = next;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

fn random_span_id() -> [u8; 8] {
    random_u64().max(1).to_be_bytes()
}

fn random_trace_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&random_u64().to_be_bytes());
    id[8..].copy_from_slice(&random_u64().max(1).to_be_bytes());
    id
}

/// Whether spans are exported (a layer of this process takes them).
pub fn is_on() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::INFO)
}

/// Reports one SQL statement that just ran on `instance` (from the
/// pools' metric callback, inside the span of what ran it): named by its
/// verb and table (`SELECT exchange`), its text with placeholders, where
/// it ran.
pub fn statement(info: &sea_orm::metric::Info<'_>, system: &'static str, instance: &str) {
    if !is_on() {
        return;
    }
    let span = tracing::info_span!(
        target: TARGET,
        "db.statement",
        otel.kind = "client",
        db.system = system,
        db.instance = instance,
        db.statement_id = statement_id(&info.statement.sql),
        elapsed_us = info.elapsed.as_micros() as u64,
        error = tracing::field::Empty,
    );
    if info.failed {
        span.record("error", "the statement failed");
    }
}

/// Statements' texts (at most 2,000 characters) and names, by a hash of
/// the text: a statement runs thousands of times with the same text, which
/// is then neither copied nor named again for each span. Cleared when it
/// holds [`MOST_STATEMENTS`].
type KnownStatements = HashMap<i64, (Arc<str>, Arc<str>)>;
static STATEMENTS: LazyLock<RwLock<KnownStatements>> = LazyLock::new(RwLock::default);
const MOST_STATEMENTS: usize = 4096;

/// The id of `sql` among the known statements (added when new).
fn statement_id(sql: &str) -> i64 {
    let id = rustc_hash::FxBuildHasher.hash_one(sql) as i64;
    let known = STATEMENTS.read().is_ok_and(|known| known.contains_key(&id));
    if !known && let Ok(mut statements) = STATEMENTS.write() {
        if statements.len() >= MOST_STATEMENTS {
            statements.clear();
        }
        let text = Arc::from(excerpt(sql, 2000));
        let name = Arc::from(statement_name(sql));
        statements.entry(id).or_insert((text, name));
    }
    id
}

/// The text and name of a known statement.
fn known_statement(id: i64) -> Option<(Arc<str>, Arc<str>)> {
    STATEMENTS.read().ok()?.get(&id).cloned()
}

/// `SELECT exchange`: the statement's verb and the first table it names.
fn statement_name(sql: &str) -> String {
    let mut words = sql.split_whitespace();
    let verb = match words.next().unwrap_or("SQL").to_ascii_uppercase() {
        // A statement with common table expressions reads (ours do).
        with if with == "WITH" => "SELECT".to_owned(),
        verb => verb,
    };
    let table = sql
        .split_whitespace()
        .skip_while(|w| {
            !matches!(
                w.to_ascii_uppercase().as_str(),
                "FROM" | "INTO" | "UPDATE" | "JOIN"
            )
        })
        .nth(1)
        .map(|t| t.trim_matches(|c: char| c == '"' || c == '`' || c == '(' || c == ','));
    match (verb.as_str(), table) {
        ("UPDATE", _) => format!("UPDATE {}", words.next().unwrap_or("").trim_matches('"')),
        (_, Some(table)) if !table.is_empty() => format!("{verb} {table}"),
        _ => verb,
    }
}

fn excerpt(text: &str, most: usize) -> &str {
    match text.char_indices().nth(most) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparents_are_read_as_w3c_says() {
        let (trace, span) =
            parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(trace[0], 0x4b);
        assert_eq!(span[7], 0xb7);
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "garbage",
        ] {
            assert!(parse_traceparent(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn statements_are_named_by_verb_and_table() {
        assert_eq!(
            statement_name(r#"SELECT "exchange"."id" FROM "exchange" WHERE "id" = $1"#),
            "SELECT exchange"
        );
        assert_eq!(
            statement_name(r#"UPDATE "data_version" SET x = 1"#),
            "UPDATE data_version"
        );
        assert_eq!(
            statement_name(r#"INSERT INTO "news" ("a") VALUES ($1)"#),
            "INSERT news"
        );
        assert_eq!(statement_name("SELECT 1"), "SELECT");
    }
}
