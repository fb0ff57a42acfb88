//! `subscription { archiveChanged }` over WebSocket: a server hears a
//! write made by another process (the CLI, or a mutation through another
//! server on the same database), on both engines, and serves it at once.

use crate::helpers::{ScratchDatabase, Server, engines, wait_ready};
use crate::websocket::{self, Socket, connect};
use serde_json::json;
use std::process::Command;
use std::time::Duration;

const SUBSCRIPTION: &str = "subscription { archiveChanged { actor action version fields record { __typename ... on Specialty { slug name(lang: JA) } } } }";

/// A graphql-transport-ws socket to `server`, with `authorization` in
/// `connection_init` when given, subscribed to `subscription` once the
/// server counts the subscription among its change feed's listeners.
async fn subscribe(server: &Server, subscription: &str, authorization: Option<&str>) -> Socket {
    let listening = server.metric("medexchange_subscribers");
    let payload = match authorization {
        Some(authorization) => json!({"Authorization": authorization}),
        None => json!({}),
    };
    let mut socket = connect(server.port(), payload).await;
    websocket::subscribe(&mut socket, "1", subscription).await;
    let registered = std::time::Instant::now();
    while server.metric("medexchange_subscribers") <= listening {
        assert!(
            registered.elapsed() < Duration::from_secs(10),
            "never registered"
        );
        tokio::task::yield_now().await;
    }
    socket
}

#[tokio::test]
async fn a_subscriber_hears_a_write_made_by_another_process() {
    for engine in engines() {
        let database = ScratchDatabase::new(engine).await;
        let server = Server::start(&database.url);
        wait_ready(server.port());
        let mut socket = subscribe(&server, SUBSCRIPTION, None).await;

        let file = std::env::temp_dir().join(format!(
            "medexchange_live_{}_{engine:?}.yaml",
            std::process::id()
        ));
        std::fs::write(
            &file,
            "specialties:\n  - slug: nursing\n    name: {zh: 护理, ja: 看護}\n",
        )
        .unwrap();
        let imported = Command::new(env!("CARGO_BIN_EXE_medexchange"))
            .args(["import", file.to_str().unwrap()])
            .env("DATABASE_URL", &database.url)
            .env("MEDEXCHANGE_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            imported.status.success(),
            "{}",
            String::from_utf8_lossy(&imported.stderr)
        );

        let heard = websocket::next_json(&mut socket).await;
        assert_eq!(heard["type"], "next", "{engine:?}: {heard}");
        let change = &heard["payload"]["data"]["archiveChanged"];
        assert_eq!(change["actor"], format!("import {}", file.display()));
        assert_eq!(change["action"], "IMPORT");
        assert_eq!(
            change["record"],
            json!({"__typename": "Specialty", "slug": "nursing", "name": "看護"})
        );
        assert_eq!(change["fields"], json!(["name.ja", "name.zh", "slug"]));
        let _ = std::fs::remove_file(&file);
    }
}

const KAMEDA: &str =
    r#"{ institution(slug: "kameda-medical-center") { id version name(lang: JA) } }"#;

#[tokio::test]
async fn a_mutation_through_one_server_is_served_and_heard_at_once_by_another() {
    for engine in engines() {
        let database = ScratchDatabase::new(engine).await;
        // The first server loads the bundled report; the second starts on it.
        let writer = Server::start(&database.url);
        wait_ready(writer.port());
        let reader = Server::start(&database.url);
        wait_ready(reader.port());
        let minted = Command::new(env!("CARGO_BIN_EXE_medexchange"))
            .args([
                "token",
                "create",
                "--name",
                "editor.live",
                "--role",
                "editor",
            ])
            .env("DATABASE_URL", &database.url)
            .env("MEDEXCHANGE_LOG", "warn")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&minted.stdout);
        let token = stdout.lines().last().unwrap().trim().to_owned();
        let heard_fields = "subscription { archiveChanged { actor action record { ... on Institution { name(lang: JA) } } } }";
        let mut socket = subscribe(&reader, heard_fields, Some(&format!("Bearer {token}"))).await;
        let before = reader.query(KAMEDA)["data"]["institution"].clone();
        assert_eq!(before["name"], "亀田総合病院", "{engine:?}");

        let rename = r#"mutation($id: ID!, $v: Int!) { updateInstitution(id: $id, expectedVersion: $v,
            input: {name: [{lang: JA, text: "亀田メディカルセンター"}],
                    reading: [{lang: JA, text: "かめだめでぃかるせんたー"}]}) { errors { code } } }"#;
        let variables = json!({"id": before["id"], "v": before["version"]});
        let written = writer.post(rename, variables, Some(&format!("Bearer {token}")));
        assert_eq!(
            written["data"]["updateInstitution"]["errors"],
            json!([]),
            "{written}"
        );
        let written_at = std::time::Instant::now();

        let heard = websocket::next_json(&mut socket).await;
        let change = &heard["payload"]["data"]["archiveChanged"];
        assert_eq!(
            change,
            &json!({"actor": "editor.live", "action": "UPDATE", "record": {"name": "亀田メディカルセンター"}}),
            "{engine:?}: {heard}"
        );
        loop {
            let now = reader.query(KAMEDA)["data"]["institution"]["name"].clone();
            if now == "亀田メディカルセンター" {
                break;
            }
            assert!(
                written_at.elapsed() < Duration::from_secs(1),
                "{engine:?}: the other server still serves {now} after a second"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
