//! Replicas started together on an empty database: migrations and the first
//! load run once, the others wait for them, and all four serve.

use crate::helpers::{ScratchDatabase, Server, engines, is_ready_within};
use std::time::Duration;

#[tokio::test]
async fn four_replicas_started_together_on_an_empty_database_all_serve() {
    for engine in engines() {
        let database = ScratchDatabase::new(engine).await;
        let mut servers: Vec<Server> = (0..4).map(|_| Server::start(&database.url)).collect();
        for (n, server) in servers.iter_mut().enumerate() {
            let mut waited = 0;
            while !is_ready_within(server.port(), Duration::from_secs(1)) {
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
