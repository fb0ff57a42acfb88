//! Writers' tokens: minted by the CLI, stored hashed, sent as
//! `Authorization: Bearer`, revoked at once.

use crate::helpers::TestApp;
use axum::http::{StatusCode, header};
use medexchange::domain::vocabulary::Role;
use medexchange::graphql::limits::Limits;
use medexchange::http::options::HttpOptions;
use medexchange::store::tokens;
use serde_json::json;
use std::process::Command;
use std::time::Duration;

const VIEWER: &str = "{ viewer { name role } }";

#[tokio::test]
async fn a_token_names_its_writer_and_readers_need_none() {
    for app in TestApp::each().await {
        let token = tokens::create(&app.db, "editor.wang", Role::Editor)
            .await
            .unwrap();
        let anonymous = app.post(VIEWER, json!({}), &[]).await;
        assert_eq!(anonymous.body["data"]["viewer"], json!(null));
        let bearer = format!("Bearer {token}");
        let writer = app
            .post(VIEWER, json!({}), &[("authorization", &bearer)])
            .await;
        assert_eq!(
            writer.body["data"]["viewer"],
            json!({"name": "editor.wang", "role": "EDITOR"}),
            "{:?}",
            app.engine
        );
    }
}

#[tokio::test]
async fn bad_unknown_and_revoked_tokens_are_refused_with_401() {
    for app in TestApp::each().await {
        let token = tokens::create(&app.db, "sato", Role::Admin).await.unwrap();
        tokens::revoke(&app.db, "sato").await.unwrap();
        for authorization in [
            format!("Bearer {token}"),
            "Bearer mx_not-a-token".to_owned(),
            "Basic c2F0bzpwYXNz".to_owned(),
            "Bearer ".to_owned(),
        ] {
            let reply = app
                .post(VIEWER, json!({}), &[("authorization", &authorization)])
                .await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{authorization}");
            assert_eq!(
                reply.body["errors"][0]["extensions"]["code"],
                "UNAUTHENTICATED"
            );
            let challenge = reply.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
            assert!(challenge.starts_with("Bearer"), "{challenge}");
        }
    }
}

#[tokio::test]
async fn answers_to_writers_are_not_served_from_the_response_cache() {
    let options = HttpOptions {
        data_version_poll: Duration::from_millis(20),
        ..HttpOptions::default()
    };
    let apps = TestApp::each_configured(Limits::default(), options).await;
    // A query that reads the database, so a cache hit shows in the count.
    const VIEWER_AND_PAGE: &str = "{ viewer { name } exchanges(first: 1) { nodes { slug } } }";
    for app in apps {
        app.data_version_known().await;
        let token = tokens::create(&app.db, "li", Role::Editor).await.unwrap();
        let first = app.post(VIEWER_AND_PAGE, json!({}), &[]).await;
        assert_eq!(first.body["data"]["viewer"], json!(null));
        let before = app.statements();
        let again = app.post(VIEWER_AND_PAGE, json!({}), &[]).await;
        assert_eq!(again.text, first.text);
        assert_eq!(
            app.statements(),
            before,
            "{:?}: a cache hit is possible",
            app.engine
        );
        let bearer = format!("Bearer {token}");
        let writer = app
            .post(VIEWER_AND_PAGE, json!({}), &[("authorization", &bearer)])
            .await;
        assert_eq!(
            writer.body["data"]["viewer"]["name"], "li",
            "{:?}",
            app.engine
        );
        assert!(
            app.statements() > before,
            "the writer's answer was computed"
        );
        let reader = app.post(VIEWER_AND_PAGE, json!({}), &[]).await;
        assert_eq!(
            reader.body["data"]["viewer"],
            json!(null),
            "nor remembered for readers"
        );
    }
}

#[test]
fn the_cli_mints_lists_and_revokes_tokens_and_keeps_only_hashes() {
    let dir = std::env::temp_dir().join(format!("medexchange_tokens_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tokens.db");
    let database = format!("sqlite://{}", file.display());
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_medexchange"))
            .args(args)
            .env("DATABASE_URL", &database)
            .env("MEDEXCHANGE_LOG", "warn")
            .output()
            .unwrap();
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        (
            output.status.code(),
            text(output.stdout),
            text(output.stderr),
        )
    };
    let (code, stdout, stderr) = run(&["token", "create", "--name", "tanaka", "--role", "editor"]);
    assert_eq!(code, Some(0), "{stderr}");
    let token = stdout.lines().last().unwrap().to_owned();
    assert!(token.starts_with("mx_") && token.len() > 40, "{stdout}");
    let stored = std::fs::read(&file).unwrap();
    let plain = stored.windows(token.len()).any(|w| w == token.as_bytes());
    assert!(!plain, "only the hash is stored");

    let (code, _, stderr) = run(&["token", "create", "--name", "tanaka", "--role", "admin"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("exists"), "{stderr}");
    assert_eq!(
        run(&["token", "create", "--name", "x", "--role", "boss"]).0,
        Some(2)
    );
    let (code, _, stderr) = run(&["token", "create", "--name", "two words", "--role", "admin"]);
    assert_eq!(code, Some(1), "{stderr}");

    let (_, listed, _) = run(&["token", "list"]);
    let row: Vec<&str> = listed.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!((row[0], row[1], row[3]), ("tanaka", "editor", "-"));
    assert_eq!(run(&["token", "revoke", "tanaka"]).0, Some(0));
    let (_, listed, _) = run(&["token", "list"]);
    assert_ne!(listed.lines().nth(1).unwrap().split('\t').nth(3), Some("-"));
    let (code, _, stderr) = run(&["token", "revoke", "nobody"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("no token is named"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_tokens_cost_at_most_one_lookup_and_are_answered_late() {
    for app in TestApp::each().await {
        let malformed = "Bearer not-a-token";
        let unknown = format!("Bearer mx_{}", "B".repeat(43));
        let before = app.statements();
        let started = std::time::Instant::now();
        let reply = app
            .post(VIEWER, json!({}), &[("authorization", malformed)])
            .await;
        assert_eq!(reply.status, 401);
        assert!(
            started.elapsed() >= medexchange::pipeline::auth::REFUSAL_DELAY,
            "refusals wait, costing a flood its rate"
        );
        assert_eq!(
            app.statements(),
            before,
            "a malformed token is not looked up"
        );
        let reply = app
            .post(VIEWER, json!({}), &[("authorization", &unknown)])
            .await;
        assert_eq!(reply.status, 401);
        let looked_up = app.statements();
        assert!(
            looked_up > before,
            "{:?}: the first sight is looked up",
            app.engine
        );
        let reply = app
            .post(VIEWER, json!({}), &[("authorization", &unknown)])
            .await;
        assert_eq!(reply.status, 401);
        assert_eq!(
            app.statements(),
            looked_up,
            "{:?}: then remembered as bad",
            app.engine
        );
    }
}

#[tokio::test]
async fn sign_in_errors_speak_the_requests_language_like_payload_errors() {
    for app in TestApp::each().await {
        let said = |lang: &'static str, authorization: &'static str| {
            let app = &app;
            async move {
                let headers = [("authorization", authorization), ("accept-language", lang)];
                let reply = app
                    .post("{ __typename }", serde_json::json!({}), &headers)
                    .await;
                assert_eq!(reply.status, 401, "{}", reply.text);
                reply.body["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        assert!(said("ja", "Bearer mx_nope").await.contains("トークン"));
        assert!(said("zh", "Bearer mx_nope").await.contains("令牌"));
        assert_eq!(
            said("en", "Bearer mx_nope").await,
            "the token is unknown or revoked"
        );
        assert!(
            said("ja", "Basic abc")
                .await
                .contains("Authorization: Bearer")
        );
        let write = app
            .post(
                r#"mutation { deleteSpecialty(id: "U3BlY2lhbHR5OjE", expectedVersion: 1) { errors { code } } }"#,
                serde_json::json!({}),
                &[("accept-language", "ja")],
            )
            .await;
        let message = write.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("トークンが必要"), "{message}");
    }
}
