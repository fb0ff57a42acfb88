//! GraphQL over WebSocket (`graphql-transport-ws`) goes through the same
//! pipeline as HTTP: every document HTTP refuses is refused over WebSocket
//! with the same code and message; tokens, the write rate and the deadline
//! hold; and the connection itself is bounded (init timeout, duplicate
//! ids, operations per connection, message size, connections per process).

use crate::helpers::{TestApp, uncached};
use futures_util::{SinkExt, StreamExt};
use medexchange::domain::vocabulary::Role;
use medexchange::graphql::limits::Limits;
use medexchange::http::options::HttpOptions;
use medexchange::store::tokens;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The upgrade request to `/graphql` on `port`, offering graphql-transport-ws.
fn upgrade_request(port: u16) -> Request {
    let mut request = format!("ws://127.0.0.1:{port}/graphql")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    request
}

/// A socket to the server on `port`, speaking graphql-transport-ws, not
/// yet initialised.
pub async fn open(port: u16) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(upgrade_request(port))
        .await
        .unwrap();
    socket
}

/// A socket initialised with `payload` and acknowledged.
pub async fn connect(port: u16, payload: Value) -> Socket {
    let mut socket = open(port).await;
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": payload}),
    )
    .await;
    let ack = next_json(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// Sends `subscribe` for `query` under `id`.
pub async fn subscribe(socket: &mut Socket, id: &str, query: &str) {
    let message = json!({"id": id, "type": "subscribe", "payload": {"query": query}});
    send(socket, message).await;
}

/// The next JSON message, within 10 s.
pub async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("the socket stays open")
            .expect("a readable message");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => continue,
        }
    }
}

/// The code the server closes the socket with, within 10 s.
pub async fn close_code(socket: &mut Socket) -> u16 {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("closed in time");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => return frame.code.into(),
            Some(Ok(Message::Close(None))) | None => return 1005,
            Some(Ok(_)) => continue,
            Some(Err(error)) => panic!("no close frame: {error}"),
        }
    }
}

/// Documents HTTP refuses before running them, each with what is wrong.
fn refused_documents() -> Vec<(&'static str, String)> {
    let aliases: Vec<String> = (0..500).map(|i| format!("a{i}: __typename")).collect();
    let mut deep = String::from("slug");
    for _ in 0..10 {
        deep = format!(
            "exchanges(first: 1) {{ nodes {{ participants {{ institution {{ {deep} }} }} }} }}"
        );
    }
    let mutations: Vec<String> = (0..150)
        .map(|i| {
            format!("m{i}: deleteSpecialty(id: \"x\", expectedVersion: 1) {{ errors {{ code }} }}")
        })
        .collect();
    vec![
        ("too long", format!("{{ {} }}", "__typename ".repeat(2_000))),
        ("aliases", format!("{{ {} }}", aliases.join(" "))),
        ("field repeats", format!("{{ {} }}", "__typename ".repeat(11))),
        ("directives", format!("{{ __typename{} }}", " @include(if: true)".repeat(6))),
        (
            "circular introspection",
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
                .to_owned(),
        ),
        ("depth", format!("{{ institutions(first: 1) {{ nodes {{ {deep} }} }} }}")),
        (
            "complexity",
            "{ exchanges(first: 100) { nodes { participants { institution { exchanges(first: 100) { nodes { title summary photos { caption } } } } } } } }".to_owned(),
        ),
        ("mutations", format!("mutation {{ {} }}", mutations.join(" "))),
        ("parse error", format!("{{ a {}", "b ".repeat(5_000))),
        ("validation", "{ noSuchField }".to_owned()),
    ]
}

#[tokio::test]
async fn every_document_http_refuses_is_refused_over_websocket_alike() {
    for app in TestApp::each().await {
        let port = app.serve().await;
        let mut socket = connect(port, json!({})).await;
        for (i, (what, document)) in refused_documents().into_iter().enumerate() {
            let http = app.post(&document, json!({}), &[]).await;
            let http_error = &http.body["errors"][0];
            assert!(
                http_error["extensions"]["code"].is_string(),
                "{what}: {}",
                http.excerpt()
            );
            let before = app.statements();
            let id = format!("op{i}");
            subscribe(&mut socket, &id, &document).await;
            let answer = next_json(&mut socket).await;
            assert_eq!(answer["type"], "error", "{what}: {answer}");
            assert_eq!(answer["id"], id.as_str());
            let ws_error = &answer["payload"][0];
            assert_eq!(
                ws_error["extensions"]["code"], http_error["extensions"]["code"],
                "{what}"
            );
            assert_eq!(ws_error["message"], http_error["message"], "{what}");
            assert!(
                ws_error["message"].as_str().unwrap().chars().count() <= 301,
                "{what}: messages quote at most an excerpt: {ws_error}"
            );
            assert_eq!(
                app.statements(),
                before,
                "{what}: a refused document ran SQL"
            );
        }
        // The connection still serves.
        subscribe(&mut socket, "fine", "{ specialties { slug } }").await;
        let answer = next_json(&mut socket).await;
        assert_eq!(answer["type"], "next", "{answer}");
        assert_eq!(next_json(&mut socket).await["type"], "complete");
    }
}

#[tokio::test]
async fn the_deadline_stops_an_operation_over_websocket_as_over_http() {
    let limits = Limits {
        request_timeout: Duration::from_millis(1),
        ..Limits::default()
    };
    for app in TestApp::each_with_limits(limits).await {
        let port = app.serve().await;
        let mut socket = connect(port, json!({})).await;
        let slow = "{ exchanges(first: 9) { nodes { talks { speaker { institution { speakers { talks { exchange { title } } } } } } } } }";
        subscribe(&mut socket, "slow", slow).await;
        let answer = next_json(&mut socket).await;
        assert_eq!(answer["type"], "error", "{answer}");
        assert_eq!(answer["payload"][0]["extensions"]["code"], "TIMEOUT");
    }
}

#[tokio::test]
async fn tokens_are_read_from_connection_init_and_writes_are_rated() {
    let limits = Limits {
        writes_per_minute: 1,
        ..Limits::default()
    };
    for app in TestApp::each_with_limits(limits).await {
        let token = tokens::create(&app.db, "editor.ws", Role::Editor)
            .await
            .unwrap();
        let port = app.serve().await;

        let mut refused = open(port).await;
        let bad = json!({"type": "connection_init", "payload": {"Authorization": "Bearer mx_bad"}});
        send(&mut refused, bad).await;
        assert_eq!(close_code(&mut refused).await, 4403);

        let mut socket = connect(port, json!({"Authorization": format!("Bearer {token}")})).await;
        subscribe(&mut socket, "who", "{ viewer { name } }").await;
        let answer = next_json(&mut socket).await;
        assert_eq!(
            answer["payload"]["data"]["viewer"]["name"], "editor.ws",
            "{answer}"
        );
        assert_eq!(next_json(&mut socket).await["type"], "complete");

        let write = r#"mutation { deleteSpecialty(id: "U3BlY2lhbHR5Ojk5OQ", expectedVersion: 1) { errors { code } } }"#;
        subscribe(&mut socket, "w1", write).await;
        let first = next_json(&mut socket).await;
        assert_eq!(first["type"], "next", "{first}");
        assert_eq!(next_json(&mut socket).await["type"], "complete");
        subscribe(&mut socket, "w2", write).await;
        let second = next_json(&mut socket).await;
        assert_eq!(second["type"], "error", "{second}");
        assert_eq!(second["payload"][0]["extensions"]["code"], "RATE_LIMITED");

        // Anonymous connections may not write.
        let mut anonymous = connect(port, json!({})).await;
        subscribe(&mut anonymous, "w", write).await;
        let answer = next_json(&mut anonymous).await;
        assert_eq!(
            answer["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{answer}"
        );
    }
}

#[tokio::test]
async fn the_protocol_closes_what_it_must() {
    let options = HttpOptions {
        connection_init_timeout: Duration::from_millis(300),
        max_subscriptions_per_connection: 2,
        ..uncached()
    };
    for app in TestApp::each_configured(Limits::default(), options.clone()).await {
        let port = app.serve().await;

        let mut silent = open(port).await;
        assert_eq!(
            close_code(&mut silent).await,
            4408,
            "no connection_init in time"
        );

        let mut early = open(port).await;
        subscribe(&mut early, "1", "{ __typename }").await;
        assert_eq!(
            close_code(&mut early).await,
            4401,
            "subscribe before the ack"
        );

        let mut twice = connect(port, json!({})).await;
        send(&mut twice, json!({"type": "connection_init"})).await;
        assert_eq!(close_code(&mut twice).await, 4429);

        let listen = "subscription { archiveChanged { action } }";
        let mut duplicate = connect(port, json!({})).await;
        subscribe(&mut duplicate, "same", listen).await;
        subscribe(&mut duplicate, "same", listen).await;
        assert_eq!(close_code(&mut duplicate).await, 4409);

        let mut busy = connect(port, json!({})).await;
        subscribe(&mut busy, "1", listen).await;
        subscribe(&mut busy, "2", listen).await;
        subscribe(&mut busy, "3", listen).await;
        let third = next_json(&mut busy).await;
        assert_eq!(third["type"], "error", "{third}");
        assert_eq!(
            third["payload"][0]["extensions"]["code"],
            "TOO_MANY_SUBSCRIPTIONS"
        );
        // Completing one frees its place.
        send(&mut busy, json!({"type": "complete", "id": "1"})).await;
        subscribe(&mut busy, "4", "{ __typename }").await;
        assert_eq!(next_json(&mut busy).await["type"], "next");
        assert_eq!(next_json(&mut busy).await["type"], "complete");

        let mut huge = connect(port, json!({})).await;
        let padding = "x".repeat(2 * 1024 * 1024);
        let message = json!({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }", "variables": {"pad": padding}}});
        let _ = huge.send(Message::text(message.to_string())).await;
        assert_eq!(
            close_code(&mut huge).await,
            1009,
            "a message over --max-body-bytes"
        );

        let mut garbage = connect(port, json!({})).await;
        garbage.send(Message::text("not json")).await.unwrap();
        assert_eq!(close_code(&mut garbage).await, 4400);

        send(&mut busy, json!({"type": "ping"})).await;
        assert_eq!(next_json(&mut busy).await["type"], "pong");
    }
}

#[tokio::test]
async fn connections_beyond_the_cap_are_refused_with_503() {
    let options = HttpOptions {
        max_websockets: 2,
        ..uncached()
    };
    for app in TestApp::each_configured(Limits::default(), options.clone()).await {
        let port = app.serve().await;
        let _one = connect(port, json!({})).await;
        let mut two = connect(port, json!({})).await;
        let request = upgrade_request(port);
        let refused = tokio_tungstenite::connect_async(request.clone()).await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 503);
                assert!(response.headers().contains_key("retry-after"));
            }
            other => panic!("expected 503, got {:?}", other.map(|_| ())),
        }
        // A closed connection frees its place.
        two.close(None).await.unwrap();
        while two.next().await.is_some() {}
        let mut again = None;
        for _ in 0..50 {
            if let Ok((socket, _)) = tokio_tungstenite::connect_async(request.clone()).await {
                again = Some(socket);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(again.is_some(), "a place was freed");
    }
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_and_its_subscription_ends() {
    for app in TestApp::each().await {
        let port = app.serve().await;
        let mut socket = connect(port, json!({})).await;
        subscribe(
            &mut socket,
            "s",
            "subscription { archiveChanged { action } }",
        )
        .await;
        while app.state.feed.subscribers() == 0 {
            tokio::task::yield_now().await;
        }
        // More changes in one commit than the feed keeps: the feed hands
        // them all on before this (single-threaded) test reads any.
        let specialties: String = (0..1_100)
            .map(|i| format!("  - slug: extra-{i}\n    name: {{zh: 专科{i}, ja: 専門{i}}}\n"))
            .collect();
        let many =
            medexchange::dataset::parse(&format!("specialties:\n{specialties}"), "many.yaml")
                .unwrap();
        medexchange::dataset::import::import(&app.db, &many, "many.yaml")
            .await
            .unwrap();
        let told = next_json(&mut socket).await;
        assert_eq!(told["type"], "next", "{told}");
        let error = &told["payload"]["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "SUBSCRIBER_LAGGED",
            "{:?}: {told}",
            app.engine
        );
        assert!(error["extensions"]["missed"].as_u64().unwrap() > 0);
        assert_eq!(next_json(&mut socket).await["type"], "complete");
    }
}
