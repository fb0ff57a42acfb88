//! Replicas started together on an empty database: migrations and the first
//! load run once, the others wait for them, and all four serve.

use crate::helpers::{ScratchDatabase, engines, free_port, is_ready_within};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `medexchange serve` process, killed on drop.
struct Server {
    port: u16,
    child: Child,
}

impl Server {
    fn start(database_url: &str) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_medexchange"))
            .args([
                "--log",
                "warn",
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("DATABASE_URL", database_url)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start medexchange");
        Server { port, child }
    }

    /// Why the process stopped, when it has.
    fn exited(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok().flatten()?;
        let mut stderr = String::new();
        if let Some(pipe) = self.child.stderr.as_mut() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        Some(format!("{status}: {stderr}"))
    }

    /// POSTs `query` and returns the answer's body.
    fn query(&self, query: &str) -> serde_json::Value {
        let body = serde_json::json!({ "query": query }).to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let (_, body) = answer.split_once("\r\n\r\n").unwrap();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn four_replicas_started_together_on_an_empty_database_all_serve() {
    for engine in engines() {
        let database = ScratchDatabase::new(engine).await;
        let mut servers: Vec<Server> = (0..4).map(|_| Server::start(&database.url)).collect();
        for (n, server) in servers.iter_mut().enumerate() {
            let mut waited = 0;
            while !is_ready_within(server.port, Duration::from_secs(1)) {
                if let Some(why) = server.exited() {
                    panic!("{engine:?}: replica {n} exited ({why})");
                }
                waited += 1;
                assert!(waited < 60, "{engine:?}: replica {n} did not become ready");
            }
        }
        let counts =
            "{ exchanges { totalCount } institutions { totalCount } specialties { slug } }";
        for server in &servers {
            let data = &server.query(counts)["data"];
            assert_eq!(data["exchanges"]["totalCount"], 9, "{engine:?}: {data}");
            assert_eq!(data["institutions"]["totalCount"], 14, "{engine:?}: {data}");
            assert_eq!(data["specialties"].as_array().map(Vec::len), Some(10));
        }
    }
}
