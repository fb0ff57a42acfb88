//! Traces over OTLP, received by a real receiver (opentelemetry-proto's
//! own decoder, `tests/fixtures/otlp/receiver.py`): one request's tree.

use crate::helpers::{Engine, ScratchDatabase, Server, post_json, wait_ready};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// A tool this test needs: in CI (`CI` set) its absence fails the test;
/// elsewhere the test says so and is skipped.
pub fn needed(what: &str, present: bool) -> bool {
    if !present {
        assert!(std::env::var_os("CI").is_none(), "CI lacks {what}");
        eprintln!("note: {what} is missing here: test skipped (CI runs it)");
    }
    present
}

/// The receiver's process, and the spans it printed.
struct Receiver {
    child: Child,
    port: u16,
    spans: mpsc::Receiver<Value>,
}

impl Receiver {
    fn start() -> Option<Receiver> {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/otlp/receiver.py"
        );
        let importable = Command::new("python3")
            .args([
                "-c",
                "import opentelemetry.proto.collector.trace.v1.trace_service_pb2",
            ])
            .output()
            .is_ok_and(|out| out.status.success());
        if !needed(
            "python3 with opentelemetry-proto (pip install opentelemetry-proto)",
            importable,
        ) {
            return None;
        }
        let mut child = Command::new("python3")
            .arg(script)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = lines.next().unwrap().unwrap().trim().parse().unwrap();
        let (send, spans) = mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = send.send(serde_json::from_str::<Value>(&line).unwrap());
            }
        });
        Some(Receiver { child, port, spans })
    }

    /// The spans of `trace` received until `done` says they are all there
    /// (or 20 s passed).
    fn spans_of(&self, trace: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let mut found = Vec::new();
        let started = Instant::now();
        while !done(&found) && started.elapsed() < Duration::from_secs(20) {
            if let Ok(span) = self.spans.recv_timeout(Duration::from_millis(200))
                && span["trace_id"] == trace
            {
                found.push(span);
            }
        }
        found
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn one_request_is_one_tree_of_spans_under_the_callers_traceparent() {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let database = ScratchDatabase::new(Engine::Sqlite).await;
    let endpoint = format!("http://127.0.0.1:{}", receiver.port);
    let server = Server::start_with(
        &database.url,
        &[
            "--otlp-endpoint",
            &endpoint,
            "--otlp-service-name",
            "archive-api",
        ],
    );
    wait_ready(server.port());
    let query = r#"query ExchangePage($first: Int!, $slug: String!) {
        exchanges(first: $first) { nodes { slug title talks { title } } }
        institutions(first: 3) { nodes { slug aliases } }
        institution(slug: $slug) { slug }
    }"#;
    let body = json!({"query": query, "variables": {"first": 3, "slug": "kameda-medical-center"}})
        .to_string();
    let traceparent =
        format!("traceparent: 00-{TRACE}-{CALLER_SPAN}-01\r\naccept-language: ja\r\n");
    let (head, answer) = post_json(server.port(), &body, &traceparent);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{answer}");

    let spans = receiver.spans_of(TRACE, |spans| {
        spans.iter().any(|s| s["name"] == "query ExchangePage")
            && spans.iter().any(|s| s["name"] == "load InstitutionAliases")
    });
    let root = spans
        .iter()
        .find(|s| s["name"] == "query ExchangePage")
        .unwrap_or_else(|| panic!("no request span in {spans:#?}"));
    assert_eq!(
        root["parent_span_id"], CALLER_SPAN,
        "a child of the caller's span"
    );
    assert_eq!(root["kind"], 2, "SERVER");
    assert_eq!(root["service"], "archive-api");
    let attributes = &root["attributes"];
    assert_eq!(attributes["graphql.operation.type"], "query");
    assert_eq!(attributes["graphql.operation.name"], "ExchangePage");
    assert_eq!(attributes["medexchange.language"], "ja");
    assert_eq!(attributes["medexchange.cache"], "miss");
    assert_eq!(attributes["db.instance"], "primary");
    assert_eq!(attributes["http.response.status_code"], 200);
    let children = |id: &Value| -> Vec<&Value> {
        spans
            .iter()
            .filter(|s| s["parent_span_id"] == *id)
            .collect()
    };
    let names: Vec<&str> = children(&root["span_id"])
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for expected in [
        "graphql.parse",
        "graphql.validate",
        "load InstitutionAliases",
    ] {
        assert!(names.contains(&expected), "{expected} not among {names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("SELECT ")), "{names:?}");
    // A batch's statements are its children; no statement holds a value.
    let batch = spans
        .iter()
        .find(|s| s["name"] == "load InstitutionAliases")
        .unwrap();
    assert_eq!(batch["attributes"]["medexchange.keys"], 3);
    let statements = children(&batch["span_id"]);
    assert!(!statements.is_empty(), "{batch}");
    for statement in spans
        .iter()
        .filter(|s| s["attributes"]["db.system"] == "sqlite")
    {
        let text = statement["attributes"]["db.query.text"].as_str().unwrap();
        assert!(!text.contains("kameda"), "{text}");
        assert_eq!(statement["kind"], 3, "CLIENT");
        assert!(statement["start"].as_u64() <= statement["end"].as_u64());
    }
    let per_field = spans.iter().filter(|s| s["name"] == "title").count();
    assert_eq!(per_field, 0, "no span per field");
    drop(server);
}
