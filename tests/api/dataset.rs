//! Import, export and generate.

use crate::helpers::TestApp;
use medexchange::dataset::{self, DatasetError};
use sea_orm::ConnectionTrait;
use serde_json::json;

const COUNTS: &str = "{ exchanges { totalCount } institutions { totalCount } speakers { totalCount } photos { totalCount } aidShipments { totalCount } news { totalCount } specialties { slug } }";

fn bundled() -> dataset::Dataset {
    dataset::parse(dataset::BUNDLED_FY2020, "bundled").expect("the bundled dataset is valid")
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    for app in TestApp::each().await {
        let before = app.data(COUNTS).await;
        let ids_before = app.data("{ exchanges(first: 100) { nodes { id slug } } photos(first: 100) { nodes { id } } }").await;
        let summary = dataset::import::import(&app.db, &bundled(), "bundled")
            .await
            .expect("re-import");
        assert_eq!(
            (summary.exchanges, summary.photos, summary.institutions),
            (9, 21, 14)
        );
        assert_eq!(app.data(COUNTS).await, before, "{:?}", app.engine);
        let ids_after = app.data("{ exchanges(first: 100) { nodes { id slug } } photos(first: 100) { nodes { id } } }").await;
        assert_eq!(ids_after, ids_before, "ids are stable across imports");
    }
}

#[tokio::test]
async fn an_import_updates_in_place_and_replaces_children() {
    for app in TestApp::each().await {
        let mut changed = bundled();
        let exchange = &mut changed.exchanges[0];
        exchange.title.insert(
            medexchange::domain::record::LangKey::En,
            "Health check-ups (revised)".into(),
        );
        exchange.photos.truncate(1);
        exchange.participants.reverse();
        dataset::import::import(&app.db, &changed, "changed")
            .await
            .unwrap();
        let data = app
            .data(r#"{ exchanges(first: 1, lang: EN) { totalCount nodes { title photos { slug } participants { institution { slug } } } } photos { totalCount } }"#)
            .await;
        assert_eq!(data["exchanges"]["totalCount"], 9);
        let node = &data["exchanges"]["nodes"][0];
        assert_eq!(node["title"], "Health check-ups (revised)");
        assert_eq!(
            node["photos"],
            json!([{"slug": "2020-06-beihai-kameda-session"}])
        );
        assert_eq!(
            node["participants"][0]["institution"]["slug"],
            "kameda-medical-center"
        );
        assert_eq!(data["photos"]["totalCount"], 20);
    }
}

#[tokio::test]
async fn a_bad_file_names_the_place_and_writes_nothing() {
    let broken_yaml = "exchanges:\n  - slug: x\n    date: [\n";
    match dataset::parse(broken_yaml, "broken.yaml") {
        Err(DatasetError::Parse { message, .. }) => assert!(message.contains("line"), "{message}"),
        other => panic!("expected a parse error, got {other:?}"),
    }
    let bad_date = dataset::BUNDLED_FY2020.replace(
        "date: 2020-08\n    format: ONLINE",
        "date: 2020-14\n    format: ONLINE",
    );
    let error = dataset::parse(&bad_date, "bad.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("bad.yaml: exchanges[2] (2020-08-nanjing-kyorin-pharmacy)"),
        "{error}"
    );
    let unknown_field =
        dataset::BUNDLED_FY2020.replacen("kind: HOSPITAL", "kind: HOSPITAL\n    beds: 900", 1);
    let error = dataset::parse(&unknown_field, "extra.yaml")
        .unwrap_err()
        .to_string();
    assert!(error.contains("beds"), "{error}");

    for app in TestApp::each_empty().await {
        // Valid on its own, but its last exchange names an institution nobody defines:
        // the whole import must roll back, including the rows written before the error.
        let mut dangling = bundled();
        dangling.exchanges[8]
            .participants
            .push("nowhere-hospital".into());
        let error = dataset::import::import(&app.db, &dangling, "dangling.yaml")
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "dangling.yaml: exchanges[8] (2020-11-anhui-oncology-annual-meeting-ncc-east).participants[2]: no institution has the slug \"nowhere-hospital\""
        );
        let data = app.data(COUNTS).await;
        assert_eq!(
            data["exchanges"]["totalCount"], 0,
            "{:?}: a failed import left rows behind",
            app.engine
        );
        assert_eq!(data["institutions"]["totalCount"], 0);
    }
}

#[tokio::test]
async fn exporting_and_importing_again_gives_the_same_data() {
    for app in TestApp::each().await {
        let exported = dataset::export::export(&app.db).await.unwrap();
        assert_eq!(
            exported,
            bundled(),
            "{:?}: export differs from the bundled file",
            app.engine
        );
        let yaml = dataset::export::to_yaml(&exported).unwrap();
        let reparsed = dataset::parse(&yaml, "export.yaml").unwrap();
        assert_eq!(reparsed, exported);
    }
    for app in TestApp::each_empty().await {
        let exported = dataset::export::to_yaml(&bundled()).unwrap();
        dataset::import::import(
            &app.db,
            &dataset::parse(&exported, "export.yaml").unwrap(),
            "export.yaml",
        )
        .await
        .unwrap();
        assert_eq!(dataset::export::export(&app.db).await.unwrap(), bundled());
    }
}

#[tokio::test]
async fn generate_is_deterministic_and_refuses_a_used_seed() {
    let mut exports = Vec::new();
    for app in TestApp::each_empty().await {
        let summary = dataset::generate::generate(&app.db, 120, 7).await.unwrap();
        assert_eq!(summary.exchanges, 120);
        assert!(summary.photos >= 120 && summary.talks > 0);
        if app.engine == crate::helpers::Engine::Postgres {
            let analyzed = app
                .db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'talk'",
                ))
                .await
                .unwrap()
                .unwrap();
            assert!(
                analyzed.try_get::<bool>("", "analyzed").unwrap(),
                "statistics refreshed"
            );
        }
        let data = app
            .data(r#"{ exchanges(first: 3, lang: JA) { totalCount nodes { title participants { country } photos { caption } } } }"#)
            .await;
        assert_eq!(data["exchanges"]["totalCount"], 120);
        assert_eq!(
            data["exchanges"]["nodes"][0]["participants"],
            json!([{"country": "CN"}, {"country": "JP"}])
        );
        let error = dataset::generate::generate(&app.db, 10, 7)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("seed 7"), "{error}");
        dataset::generate::generate(&app.db, 10, 8)
            .await
            .expect("another seed adds more");
        assert_eq!(
            app.data("{ exchanges { totalCount } }").await["exchanges"]["totalCount"],
            130
        );
        exports.push(dataset::export::export(&app.db).await.unwrap());
    }
    if let [sqlite, postgres] = exports.as_slice() {
        assert_eq!(
            sqlite, postgres,
            "the same seed gives the same data on both engines"
        );
    }
    let again = TestApp::each_empty().await.remove(0);
    dataset::generate::generate(&again.db, 120, 7)
        .await
        .unwrap();
    dataset::generate::generate(&again.db, 10, 8).await.unwrap();
    assert_eq!(
        &dataset::export::export(&again.db).await.unwrap(),
        &exports[0],
        "same seed, same data"
    );
}

/// Runs `sql`, then exports, which must fail; returns the error.
async fn export_error_after(app: &TestApp, sql: &str) -> String {
    app.db.execute_unprepared(sql).await.unwrap();
    let exported = dataset::export::export(&app.db).await;
    exported.expect_err("the export must fail").to_string()
}

#[tokio::test]
async fn export_refuses_a_stored_value_it_cannot_write_and_names_the_record() {
    for app in TestApp::each().await {
        let slug = "beihai-peoples-hospital";
        let sql = format!("UPDATE institution SET country = 'XX' WHERE slug = '{slug}'");
        let error = export_error_after(&app, &sql).await;
        assert!(
            error.contains(&format!("({slug})")) && error.contains("\"XX\""),
            "{error}"
        );
        let sql = format!("UPDATE institution SET country = 'CN' WHERE slug = '{slug}'");
        app.db.execute_unprepared(&sql).await.unwrap();
        let error = export_error_after(&app, "UPDATE talk SET kind = 'SERMON' WHERE id = 1").await;
        assert!(
            error.contains("talk 1") && error.contains("SERMON"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_write_is_served_at_the_next_request_by_every_part_of_a_page() {
    let query = r#"{ exchanges(first: 1) { nodes { participants { institution { name } }
        talks { speaker { name } } specialties { name } } } }"#;
    for app in TestApp::each().await {
        let before = app.data(query).await.to_string();
        assert!(before.contains("北海市人民医院"), "{before}");
        let mut renamed = bundled();
        let name = medexchange::domain::record::LangKey::Zh;
        renamed.institutions[0]
            .name
            .insert(name, "北海市人民医院（新）".into());
        renamed.specialties[0]
            .name
            .insert(name, "精密体检（新）".into());
        dataset::import::import(&app.db, &renamed, "renamed")
            .await
            .unwrap();
        let after = app.data(query).await.to_string();
        assert!(
            after.contains("北海市人民医院（新）") && after.contains("精密体检（新）"),
            "{:?}: {after}",
            app.engine
        );
    }
}

#[tokio::test]
async fn an_import_changes_a_records_own_columns_in_place() {
    for app in TestApp::each().await {
        let mut changed = bundled();
        let exchange = &mut changed.exchanges[0];
        exchange.date = "2020-06-20".into();
        exchange.format = medexchange::domain::vocabulary::ExchangeFormat::Hybrid;
        let slug = exchange.slug.clone();
        changed.institutions[0].kind = medexchange::domain::vocabulary::InstitutionKind::University;
        dataset::import::import(&app.db, &changed, "columns.yaml")
            .await
            .unwrap();
        let query = format!(
            r#"{{ exchanges(first: 1, filter: {{from: "2020-06", to: "2020-06"}}) {{ nodes {{ slug date format version }} }}
                 institution(slug: "{}") {{ kind version }} }}"#,
            changed.institutions[0].slug
        );
        let data = app.data(&query).await;
        assert_eq!(
            data["exchanges"]["nodes"][0],
            json!({"slug": slug, "date": "2020-06-20", "format": "HYBRID", "version": 2}),
            "{:?}",
            app.engine
        );
        assert_eq!(
            data["institution"],
            json!({"kind": "UNIVERSITY", "version": 2})
        );
    }
}
