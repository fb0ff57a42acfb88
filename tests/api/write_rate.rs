//! The writers' rate is one for every process: kept in the database they
//! share, or in Redis with `--redis-url`; when Redis does not answer,
//! writes are refused and reads go on.

use crate::helpers::{TestApp, uncached};
use medexchange::AppState;
use medexchange::domain::vocabulary::Role;
use medexchange::graphql::limits::Limits;
use medexchange::http::options::HttpOptions;
use medexchange::i18n::Lang;
use medexchange::store::redis::Redis;
use serde_json::{Value, json};
use std::sync::Arc;

const RESTORE: &str = r#"mutation($id: ID!) { restoreInstitution(id: $id) { errors { code } } }"#;

fn limits() -> Limits {
    Limits {
        writes_per_minute: 3,
        ..Limits::default()
    }
}

/// Two more processes' states over `app`'s database, with `options`.
fn other_processes(app: &TestApp, options: &HttpOptions) -> Vec<TestApp> {
    (0..2)
        .map(|_| {
            let state = AppState::configured(app.db.clone(), Lang::Zh, limits(), options.clone());
            TestApp::over(app, state)
        })
        .collect()
}

/// Sends one write as `editor` through each app in turn, `count` times:
/// the HTTP statuses.
async fn write_in_turn(apps: &[&TestApp], editor: &str, count: usize) -> Vec<u16> {
    let id = apps[0]
        .data(r#"{ institution(slug: "kameda-medical-center") { id } }"#)
        .await["institution"]["id"]
        .clone();
    let mut statuses = Vec::new();
    for n in 0..count {
        let app = apps[n % apps.len()];
        let headers = [("authorization", editor)];
        let reply = app.post(RESTORE, json!({"id": id}), &headers).await;
        statuses.push(reply.status.as_u16());
    }
    statuses
}

/// A token's name no earlier run used (Redis keeps buckets two minutes).
fn fresh_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}.{}.{nanos}", std::process::id())
}

#[tokio::test]
async fn three_processes_on_one_database_share_a_tokens_rate() {
    for app in TestApp::each_with_limits(limits()).await {
        let others = other_processes(&app, &uncached());
        let editor = app.bearer("editor.everywhere", Role::Editor).await;
        let apps = [&app, &others[0], &others[1]];
        let statuses = write_in_turn(&apps, &editor, 6).await;
        assert_eq!(
            statuses,
            [200, 200, 200, 429, 429, 429],
            "{:?}: three writes a minute, whichever process takes them",
            app.engine
        );
    }
}

#[tokio::test]
async fn with_redis_the_rate_is_kept_there_and_its_absence_stops_writes_only() {
    let redis = |url: &str| HttpOptions {
        redis: Some(Arc::new(Redis::new(url).unwrap())),
        ..uncached()
    };
    let options = redis("redis://127.0.0.1:6379/0");
    for app in TestApp::each_configured(limits(), options.clone()).await {
        let others = other_processes(&app, &options);
        let editor = app.bearer(&fresh_name("editor.redis"), Role::Editor).await;
        let apps = [&app, &others[0], &others[1]];
        let statuses = write_in_turn(&apps, &editor, 5).await;
        assert_eq!(statuses, [200, 200, 200, 429, 429], "{:?}", app.engine);

        // Redis not answering: writes refused, with a code; reads go on.
        let state = AppState::configured(
            app.db.clone(),
            Lang::Zh,
            limits(),
            redis("redis://127.0.0.1:1"),
        );
        let cut_off = TestApp::over(&app, state);
        let other_editor = app.bearer("editor.cut.off", Role::Editor).await;
        let id = json!("SW5zdGl0dXRpb246MQ");
        let headers = [("authorization", other_editor.as_str())];
        let reply = cut_off.post(RESTORE, json!({"id": id}), &headers).await;
        assert_eq!(reply.status, 503, "{}", reply.excerpt());
        let code = &reply.body["errors"][0]["extensions"]["code"];
        assert_eq!(*code, Value::from("WRITE_RATE_UNAVAILABLE"));
        assert!(reply.headers.contains_key("retry-after"));
        let read = cut_off
            .post("{ specialties { slug } }", json!({}), &headers)
            .await;
        assert_eq!(read.status, 200, "{}", read.excerpt());
        assert!(read.body["errors"].is_null(), "{}", read.excerpt());
    }
}
