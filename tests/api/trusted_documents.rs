//! Trusted documents: anonymous callers run only the documents a client was
//! built with, over every transport; token holders may send others; SIGHUP
//! reads the manifests again.

use crate::helpers::{Server, TestApp, wait_ready};
use crate::websocket::{connect, next_json, subscribe};
use medexchange::domain::vocabulary::{Role, sha256_hex};
use medexchange::http::options::HttpOptions;
use medexchange::http::trusted::TrustedDocuments;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

const SPECIALTIES: &str =
    "query Specialties($lang: Language) { specialties(lang: $lang) { slug name } }";
const FREE: &str = "{ institutions(first: 1) { nodes { slug } } }";

/// A manifest as graphql-codegen's client preset writes it (id -> document),
/// in a fresh directory.
fn codegen_manifest(name: &str, documents: &[&str]) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("medexchange_trusted_{}_{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("persisted-documents.json");
    write_manifest(&path, documents);
    path
}

fn write_manifest(path: &PathBuf, documents: &[&str]) {
    let manifest: serde_json::Map<String, Value> = documents
        .iter()
        .map(|d| (sha256_hex(d.as_bytes()), json!(d)))
        .collect();
    std::fs::write(path, Value::Object(manifest).to_string()).unwrap();
}

fn options(manifest: PathBuf, for_all: bool) -> HttpOptions {
    let trusted = TrustedDocuments::load(vec![manifest], for_all).unwrap();
    HttpOptions {
        trusted_documents: Some(Arc::new(trusted)),
        ..crate::helpers::uncached()
    }
}

async fn post_body(app: &TestApp, body: Value, headers: &[(&str, &str)]) -> crate::helpers::Reply {
    let mut request =
        axum::http::Request::post("/graphql").header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(
        request
            .body(axum::body::Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

fn code(reply: &crate::helpers::Reply) -> &str {
    reply.body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn anonymous_callers_run_only_trusted_documents_by_id_hash_or_text() {
    let manifest = codegen_manifest("anonymous", &[SPECIALTIES]);
    let id = sha256_hex(SPECIALTIES.as_bytes());
    let limits = Default::default();
    for app in TestApp::each_configured(limits, options(manifest.clone(), false)).await {
        let by_id = post_body(
            &app,
            json!({"documentId": id, "variables": {"lang": "JA"}}),
            &[],
        )
        .await;
        assert_eq!(
            by_id.body["data"]["specialties"][0]["name"], "健康診断",
            "{}",
            by_id.text
        );
        let prefixed = post_body(&app, json!({"documentId": format!("sha256:{id}")}), &[]).await;
        assert!(
            prefixed.body["data"]["specialties"].is_array(),
            "{}",
            prefixed.text
        );
        let get = app
            .get(
                &format!("/graphql?documentId={id}&variables=%7B%22lang%22%3A%22ZH%22%7D"),
                &[],
            )
            .await;
        assert_eq!(get.status, 200, "{}", get.text);
        let cache = get.headers.get("cache-control").unwrap().to_str().unwrap();
        assert!(
            cache.contains("public"),
            "GETs by id are cacheable: {cache}"
        );
        let apq = json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": id}}});
        assert!(post_body(&app, apq, &[]).await.body["data"]["specialties"].is_array());
        let text = post_body(&app, json!({"query": SPECIALTIES}), &[]).await;
        assert!(
            text.body["data"]["specialties"].is_array(),
            "the same text runs: {}",
            text.text
        );

        let free = post_body(&app, json!({"query": FREE}), &[]).await;
        assert_eq!(
            (free.status.as_u16(), code(&free)),
            (400, "TRUSTED_DOCUMENT_REQUIRED"),
            "{}",
            free.text
        );
        let unknown = post_body(&app, json!({"documentId": "0".repeat(64)}), &[]).await;
        assert_eq!(
            (unknown.status.as_u16(), code(&unknown)),
            (400, "TRUSTED_DOCUMENT_NOT_FOUND")
        );
        let both = post_body(&app, json!({"documentId": id, "query": SPECIALTIES}), &[]).await;
        assert_eq!(code(&both), "BAD_REQUEST");
        // Automatic persisted queries cannot smuggle a free document in.
        let hash = sha256_hex(FREE.as_bytes());
        let register = json!({"query": FREE, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
        assert_eq!(
            code(&post_body(&app, register, &[]).await),
            "TRUSTED_DOCUMENT_REQUIRED"
        );
        let replay = json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
        assert_eq!(
            code(&post_body(&app, replay, &[]).await),
            "PERSISTED_QUERY_NOT_FOUND"
        );
        // Nor a WebSocket.
        let port = app.serve().await;
        let mut socket = connect(port, json!({})).await;
        subscribe(&mut socket, "free", FREE).await;
        let answer = next_json(&mut socket).await;
        assert_eq!(
            answer["payload"][0]["extensions"]["code"], "TRUSTED_DOCUMENT_REQUIRED",
            "{answer}"
        );
        subscribe(&mut socket, "trusted", SPECIALTIES).await;
        assert_eq!(next_json(&mut socket).await["type"], "next");
    }
}

#[tokio::test]
async fn token_holders_send_free_documents_unless_held_to_trusted_ones_too() {
    for for_all in [false, true] {
        let manifest = codegen_manifest(&format!("holders_{for_all}"), &[SPECIALTIES]);
        for app in
            TestApp::each_configured(Default::default(), options(manifest.clone(), for_all)).await
        {
            let bearer = app.bearer("ed", Role::Editor).await;
            let free = post_body(&app, json!({"query": FREE}), &[("authorization", &bearer)]).await;
            match for_all {
                false => assert!(
                    free.body["data"]["institutions"].is_object(),
                    "{}",
                    free.text
                ),
                true => assert_eq!(code(&free), "TRUSTED_DOCUMENT_REQUIRED", "{}", free.text),
            }
        }
    }
}

#[tokio::test]
async fn without_trusted_documents_a_document_id_is_a_clear_bad_request() {
    for app in TestApp::each().await {
        let reply = post_body(&app, json!({"documentId": "abc"}), &[]).await;
        assert_eq!(reply.status, 400);
        let message = reply.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("--trusted-documents"), "{message}");
        assert!(post_body(&app, json!({"query": FREE}), &[]).await.body["data"].is_object());
    }
}

#[tokio::test]
async fn sighup_reads_the_manifests_again_and_a_bad_one_keeps_the_old() {
    let database = crate::helpers::ScratchDatabase::new(crate::helpers::Engine::Sqlite).await;
    let manifest = codegen_manifest("sighup", &[SPECIALTIES]);
    let server = Server::start_with(
        &database.url,
        &["--trusted-documents", manifest.to_str().unwrap()],
    );
    wait_ready(server.port());
    assert_eq!(
        server.query(FREE)["errors"][0]["extensions"]["code"],
        "TRUSTED_DOCUMENT_REQUIRED"
    );
    assert_eq!(server.metric("medexchange_trusted_documents"), 1.0);
    let hangup = |pid: u32| {
        let sent = std::process::Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    write_manifest(&manifest, &[SPECIALTIES, FREE]);
    hangup(server.child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server.metric("medexchange_trusted_documents") != 2.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "SIGHUP did not reload"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(server.query(FREE)["data"]["institutions"].is_object());
    std::fs::write(&manifest, "{ broken").unwrap();
    hangup(server.child.id());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        server.query(FREE)["data"]["institutions"].is_object(),
        "the old set stays"
    );
    assert_eq!(server.metric("medexchange_trusted_documents"), 2.0);

    // At start, a manifest that does not read stops the server, naming it.
    let mut broken = Server::start_with(
        &database.url,
        &["--trusted-documents", manifest.to_str().unwrap()],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let why = loop {
        if let Some(why) = broken.exited() {
            break why;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a broken manifest did not stop the server"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(
        why.contains("persisted-documents.json") && why.contains("not JSON"),
        "{why}"
    );
}
