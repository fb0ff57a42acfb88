//! The response cache: identical requests answered from memory with the
//! same bytes and headers, never an error or a refused query, and never
//! stale for longer than the data version's poll interval, also when the
//! write comes from another process.

use crate::helpers::{ScratchDatabase, Server, TestApp, engines, is_ready_within};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use medexchange::dataset;
use medexchange::graphql::limits::Limits;
use medexchange::http::options::HttpOptions;
use serde_json::json;
use std::time::{Duration, Instant};

const NAMES: &str = "{ institutions(lang: ZH, first: 3) { nodes { name } } }";

/// Apps with the cache on and a short poll, once the version is known.
async fn cached_apps() -> Vec<TestApp> {
    let options = HttpOptions {
        data_version_poll: Duration::from_millis(20),
        ..HttpOptions::default()
    };
    let apps = TestApp::each_configured(Limits::default(), options).await;
    for app in &apps {
        app.data_version_known().await;
    }
    apps
}

#[tokio::test]
async fn an_identical_request_is_answered_from_memory_without_sql() {
    for app in cached_apps().await {
        let first = app.post(NAMES, json!({}), &[]).await;
        let before = app.statements();
        let spaced = "{\n  institutions(lang: ZH, first: 3) { # the same\n nodes { name } } }";
        let again = app.post(spaced, json!({}), &[]).await;
        assert_eq!(
            app.statements(),
            before,
            "{:?}: answered from memory",
            app.engine
        );
        assert_eq!(again.text, first.text);
        assert_eq!(again.headers[header::CONTENT_LANGUAGE], "zh");
        let japanese = app
            .post(NAMES, json!({}), &[("accept-language", "ja")])
            .await;
        assert_eq!(japanese.text, first.text, "lang: ZH in the query wins");
        let other_page = "query($n: Int) { institutions(lang: ZH, first: $n) { nodes { name } } }";
        let before = app.statements();
        let two = app.post(other_page, json!({"n": 2}), &[]).await;
        let three = app.post(other_page, json!({"n": 3}), &[]).await;
        assert!(app.statements() > before, "other variables run");
        assert_ne!(two.text, three.text);
    }
}

#[tokio::test]
async fn the_negotiated_language_is_part_of_the_request() {
    for app in cached_apps().await {
        let query = "{ specialties { name } }";
        let zh = app
            .post(query, json!({}), &[("accept-language", "zh")])
            .await;
        let ja = app
            .post(query, json!({}), &[("accept-language", "ja")])
            .await;
        let ja_again = app
            .post(query, json!({}), &[("accept-language", "ja-JP")])
            .await;
        assert_ne!(zh.text, ja.text);
        assert_eq!(ja.text, ja_again.text);
        assert_eq!(ja_again.headers[header::CONTENT_LANGUAGE], "ja");
    }
}

#[tokio::test]
async fn errors_and_refused_queries_are_never_remembered_or_let_through() {
    for app in cached_apps().await {
        let bad_page = "{ exchanges(first: 101) { totalCount } }";
        let too_many: Vec<String> = (0..16).map(|i| format!("a{i}: __typename")).collect();
        let refused = format!("{{ {} }}", too_many.join(" "));
        for _ in 0..2 {
            assert_eq!(app.error_code(bad_page).await, "BAD_USER_INPUT");
            assert_eq!(app.error_code(&refused).await, "QUERY_TOO_COMPLEX");
        }
        let metrics = app
            .send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await;
        assert!(
            metrics
                .text
                .contains("medexchange_response_cache_entries 0\n"),
            "{}",
            metrics.text
        );
        app.data(NAMES).await;
        let padded = format!("{NAMES}\n# {}", "x".repeat(20_000));
        assert_eq!(
            app.error_code(&padded).await,
            "QUERY_TOO_COMPLEX",
            "too long, even though its normal form was answered"
        );
    }
}

#[tokio::test]
async fn get_answers_from_memory_keep_their_cache_headers() {
    for app in cached_apps().await {
        let uri = "/graphql?query=%7B%20specialties%20%7B%20slug%20%7D%20%7D";
        let first = app.get(uri, &[("accept-language", "ja")]).await;
        let before = app.statements();
        let again = app.get(uri, &[("accept-language", "ja")]).await;
        assert_eq!(app.statements(), before);
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::CONTENT_LANGUAGE,
            header::VARY,
        ] {
            assert_eq!(again.headers.get(&name), first.headers.get(&name), "{name}");
        }
        let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
        let unchanged = app
            .get(uri, &[("accept-language", "ja"), ("if-none-match", &etag)])
            .await;
        assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
        let post = app.post("{ specialties { slug } }", json!({}), &[]).await;
        assert!(
            post.headers.get(header::ETAG).is_none(),
            "POST answers carry no ETag"
        );
    }
}

#[tokio::test]
async fn a_write_moves_the_data_version_and_older_answers_are_dropped() {
    for app in cached_apps().await {
        let query = r#"{ institution(slug: "beihai-peoples-hospital") { name } }"#;
        app.data(query).await;
        let mut renamed = dataset::parse(dataset::BUNDLED_FY2020, "bundled").unwrap();
        renamed.institutions[0].name.insert(
            medexchange::domain::record::LangKey::Zh,
            "北海市人民医院（新）".into(),
        );
        dataset::import::import(&app.db, &renamed, "renamed")
            .await
            .unwrap();
        let started = Instant::now();
        loop {
            let name = app.data(query).await["institution"]["name"].clone();
            if name == "北海市人民医院（新）" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{:?}: still {name} after the write",
                app.engine
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test]
async fn two_servers_serve_a_write_made_by_the_cli_within_a_second() {
    let query = r#"{ institution(slug: "beihai-peoples-hospital") { name } }"#;
    for engine in engines() {
        let database = ScratchDatabase::new(engine).await;
        let mut servers = [Server::start(&database.url), Server::start(&database.url)];
        for server in &mut servers {
            while !is_ready_within(server.port(), Duration::from_secs(1)) {
                assert!(server.exited().is_none(), "{engine:?}: a server stopped");
            }
        }
        for server in &servers {
            for _ in 0..2 {
                let name = &server.query(query)["data"]["institution"]["name"];
                assert_eq!(name, "北海市人民医院");
            }
            assert!(server.metric("medexchange_response_cache_hits_total") >= 1.0);
        }
        let dir = std::env::temp_dir().join(format!("medexchange_stale_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("renamed-{engine:?}.yaml"));
        let renamed =
            dataset::BUNDLED_FY2020.replacen("zh: 北海市人民医院,", "zh: 北海市人民医院（新）,", 1);
        std::fs::write(&file, renamed).unwrap();
        let import = std::process::Command::new(env!("CARGO_BIN_EXE_medexchange"))
            .args(["--log", "warn", "import", file.to_str().unwrap()])
            .env("DATABASE_URL", &database.url)
            .output()
            .unwrap();
        assert!(
            import.status.success(),
            "{}",
            String::from_utf8_lossy(&import.stderr)
        );
        let committed = Instant::now();
        for (n, server) in servers.iter().enumerate() {
            loop {
                let name = server.query(query)["data"]["institution"]["name"].clone();
                if name == "北海市人民医院（新）" {
                    break;
                }
                let waited = committed.elapsed();
                assert!(
                    waited < Duration::from_secs(1),
                    "{engine:?}: server {n} still serves {name} after {waited:?}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Hospitals, speakers and specialties are served from memory at the data
/// version last polled; an exchange read from the database may already name
/// one written after that poll. It is served whole, even with a poll
/// interval far longer than the test.
#[tokio::test]
async fn a_row_written_since_the_last_poll_is_found_by_what_names_it() {
    let options = HttpOptions {
        response_cache_entries: 0,
        data_version_poll: Duration::from_secs(600),
        ..HttpOptions::default()
    };
    let query = r#"{ exchanges(first: 1) { nodes { participants { institution { slug name } } talks { speaker { slug } } } } }"#;
    for app in TestApp::each_configured(Limits::default(), options.clone()).await {
        app.data_version_known().await;
        app.data(query).await;
        let mut changed = dataset::parse(dataset::BUNDLED_FY2020, "bundled").unwrap();
        let mut hospital = changed.institutions[0].clone();
        hospital.slug = "new-hospital".into();
        hospital.name = [(
            medexchange::domain::record::LangKey::Zh,
            "新医院".to_owned(),
        )]
        .into_iter()
        .collect();
        changed.institutions.push(hospital);
        changed.exchanges[0]
            .participants
            .push("new-hospital".into());
        dataset::import::import(&app.db, &changed, "changed")
            .await
            .unwrap();
        let data = app.data(query).await;
        let participants = &data["exchanges"]["nodes"][0]["participants"];
        let last = participants.as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            last["institution"]["slug"], "new-hospital",
            "{:?}: {participants}",
            app.engine
        );
        assert_eq!(last["institution"]["name"], "新医院", "{:?}", app.engine);
    }
}
