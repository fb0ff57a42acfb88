//! `subscription { archiveChanged }` over WebSocket: a server hears a
//! write made by another process (here the CLI), on both engines.

use crate::helpers::{ScratchDatabase, Server, engines, wait_ready};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SUBSCRIPTION: &str = "subscription { archiveChanged { actor action version fields record { __typename ... on Specialty { slug name(lang: JA) } } } }";

/// The next JSON message of the socket, within `limit`.
async fn next_message<S>(socket: &mut S, limit: Duration) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(limit, socket.next())
            .await
            .expect("a message in time")
            .expect("the socket stays open")
            .expect("a readable message");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn a_subscriber_hears_a_write_made_by_another_process() {
    for engine in engines() {
        let database = ScratchDatabase::new(engine).await;
        let server = Server::start(&database.url);
        wait_ready(server.port);
        let mut request = format!("ws://127.0.0.1:{}/graphql", server.port)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let init = json!({"type": "connection_init"}).to_string();
        socket.send(Message::text(init)).await.unwrap();
        let ack = next_message(&mut socket, Duration::from_secs(5)).await;
        assert_eq!(ack["type"], "connection_ack", "{engine:?}");
        let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}});
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;

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

        let heard = next_message(&mut socket, Duration::from_secs(5)).await;
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
