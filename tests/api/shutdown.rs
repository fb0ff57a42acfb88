//! SIGTERM while a request runs: the request finishes, new connections are
//! refused, the process exits cleanly. The request is held in flight by a
//! table lock taken from another session (PostgreSQL), so the test does not
//! depend on timing.

use crate::helpers::{Server, wait_ready};
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_and_refuses_new_ones() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "note: the SIGTERM test needs TEST_DATABASE_URL (a table lock holds the request in flight)"
        );
        return;
    };
    let name = format!("medexchange_test_{}_shutdown", std::process::id());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let mut server = Server::start_with(&url, &["--shutdown-timeout-secs", "30"]);
    let port = server.port();
    wait_ready(port);

    let db = Database::connect(&url).await.unwrap();
    let lock = db.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE specialty IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let request = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let body = r#"{"query":"{ specialties { slug } }"}"#;
        let head = format!(
            "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    });
    std::thread::sleep(Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server must wait for the request in flight"
    );
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "new connections are refused while stopping"
    );
    lock.commit().await.unwrap();
    let answer = request.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("cardiology"), "{answer}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server did not exit"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
