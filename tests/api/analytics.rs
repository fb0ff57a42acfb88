//! The analysts' fact table: its answers equal the statements' on both
//! engines, for every shape of question, after edits applied from the
//! change log; a write in one process reaches another's answers; top-N.

use crate::helpers::TestApp;
use medexchange::domain::vocabulary::{Country, Dimension, ExchangeFormat, Role};
use medexchange::graphql::limits::Limits;
use medexchange::store::analytics::{self, facts::Facts};
use medexchange::store::catalog::Catalog;
use medexchange::store::exchanges::ExchangeFilter;
use medexchange::store::partnerships::{self, PartnershipRequest};
use medexchange::store::search::TextQuery;
use medexchange::store::stats::{self, GroupCounts, Measures, StatsRequest};
use medexchange::{AppState, i18n::Lang};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const EVERY_MEASURE: Measures = Measures {
    institutions: true,
    speakers: true,
    talks: true,
    photos: true,
};

/// A filter of each kind, over ids the generated data has.
async fn filters(app: &TestApp) -> Vec<ExchangeFilter> {
    let db = &app.db;
    let institution = entity::institution::Entity::find()
        .order_by_desc(entity::institution::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let speaker = entity::talk::Entity::find().one(db).await.unwrap().unwrap();
    let specialty = entity::specialty::Entity::find()
        .filter(entity::specialty::Column::Slug.contains("cardiology"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let base = ExchangeFilter::default;
    vec![
        base(),
        ExchangeFilter {
            fiscal_year: Some(2021),
            ..base()
        },
        ExchangeFilter {
            country: Some(Country::Jp),
            ..base()
        },
        ExchangeFilter {
            specialty_slug: Some(specialty.slug),
            ..base()
        },
        ExchangeFilter {
            specialty_slug: Some("no-such".into()),
            ..base()
        },
        ExchangeFilter {
            institution_id: Some(institution.id),
            ..base()
        },
        ExchangeFilter {
            speaker_id: Some(speaker.speaker_id),
            ..base()
        },
        ExchangeFilter {
            format: Some(ExchangeFormat::Online),
            ..base()
        },
        ExchangeFilter {
            text: Some(TextQuery::new("循環")),
            ..base()
        },
        ExchangeFilter {
            ends_on_or_after: Some("2021-06-01".into()),
            starts_on_or_before: Some("2022-03-31".into()),
            ..base()
        },
    ]
}

/// The dimensions asked together: each alone, every pair, some triples.
fn shapes() -> Vec<Vec<Dimension>> {
    let all = Dimension::ALL;
    let mut shapes: Vec<Vec<Dimension>> = vec![vec![]];
    shapes.extend(all.iter().map(|d| vec![*d]));
    for (at, a) in all.iter().enumerate() {
        shapes.extend(all[at + 1..].iter().map(|b| vec![*a, *b]));
    }
    use Dimension::*;
    shapes.push(vec![Month, Specialty, Institution]);
    shapes.push(vec![Country, Region, City]);
    shapes.push(vec![FiscalYear, Speaker, Format]);
    shapes.push(vec![Institution, Speaker, Specialty]);
    shapes
}

fn sorted(mut groups: Vec<GroupCounts>) -> Vec<GroupCounts> {
    groups.sort_by(|a, b| a.keys.cmp(&b.keys));
    groups
}

/// Every shape over every filter (pairs and triples unfiltered and by
/// fiscal year), with every count: the table answers what the statement
/// does; partnerships too, page after page.
async fn agree(app: &TestApp, facts: &Facts, catalog: &Catalog) {
    let filters = filters(app).await;
    for dimensions in shapes() {
        let some = if dimensions.len() > 1 {
            &filters[..2]
        } else {
            &filters[..]
        };
        for filter in some {
            let request = StatsRequest {
                filter,
                dimensions: &dimensions,
                measures: EVERY_MEASURE,
                min_exchanges: (dimensions.len() == 2).then_some(2),
                max_groups: 1_000_000,
                top: None,
            };
            let by_statement = stats::exchange_stats(&app.db, &request).await.unwrap();
            let from_facts = analytics::stats_from(&app.db, facts, catalog, &request)
                .await
                .unwrap();
            let context = format!("{:?} {dimensions:?} {filter:?}", app.engine);
            assert_eq!(from_facts.exchanges, by_statement.exchanges, "{context}");
            assert_eq!(
                sorted(from_facts.groups),
                sorted(by_statement.groups),
                "{context}"
            );
        }
    }
    for filter in &filters[..4] {
        for involving in [None, Some(facts_institution(app).await)] {
            let mut after = None;
            for _ in 0..3 {
                let request = PartnershipRequest {
                    filter,
                    involving,
                    after,
                    limit: 7,
                    count_total: true,
                };
                let by_statement = partnerships::partnerships(&app.db, &request).await.unwrap();
                let from_facts = analytics::partnerships_from(&app.db, facts, catalog, &request)
                    .await
                    .unwrap();
                let context = format!("{:?} {filter:?} {involving:?} {after:?}", app.engine);
                assert_eq!(from_facts.rows, by_statement.rows, "{context}");
                assert_eq!(from_facts.total, by_statement.total, "{context}");
                assert_eq!(from_facts.has_next, by_statement.has_next, "{context}");
                assert_eq!(
                    from_facts.has_previous, by_statement.has_previous,
                    "{context}"
                );
                after = from_facts.rows.last().map(|row| row.key());
            }
        }
    }
}

/// An institution with several partners.
async fn facts_institution(app: &TestApp) -> i32 {
    let participant = entity::exchange_participant::Entity::find()
        .order_by_desc(entity::exchange_participant::Column::ExchangeId)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    participant.institution_id
}

async fn write(app: &TestApp, editor: &str, query: &str, variables: Value) -> Value {
    let reply = app
        .post(query, variables, &[("authorization", editor)])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.excerpt());
    assert!(reply.body["errors"].is_null(), "{}", reply.body);
    reply.body["data"].clone()
}

/// Edits of every kind the table follows: an exchange's participants,
/// specialties and talks changed, an exchange deleted, a photo deleted
/// and one moved to another exchange.
async fn edit(app: &TestApp) {
    let editor = app.bearer("analyst-editor", Role::Editor).await;
    let page = app
        .data(
            r#"{ exchanges(first: 3, filter: {fiscalYear: 2020}) { nodes { id version
              participants { institution { id } } photos { id version } } } }"#,
        )
        .await;
    let nodes = page["exchanges"]["nodes"].as_array().unwrap();
    let (first, second, third) = (&nodes[0], &nodes[1], &nodes[2]);
    let update = r#"mutation($id: ID!, $v: Int!, $input: ExchangeInput!) {
        updateExchange(id: $id, expectedVersion: $v, input: $input) { errors { code message } } }"#;
    let other = &second["participants"][0]["institution"]["id"];
    let input = json!({"participants": [other], "specialties": ["cardiology"], "talks": []});
    let variables = json!({"id": first["id"], "v": first["version"], "input": input});
    let answer = write(app, &editor, update, variables).await;
    assert_eq!(answer["updateExchange"]["errors"], json!([]), "{answer}");
    let delete = r#"mutation($id: ID!, $v: Int!) { deleteExchange(id: $id, expectedVersion: $v) { errors { code } } }"#;
    let variables = json!({"id": second["id"], "v": second["version"]});
    write(app, &editor, delete, variables).await;
    let photo = &third["photos"][0];
    let delete = r#"mutation($id: ID!, $v: Int!) { deletePhoto(id: $id, expectedVersion: $v) { errors { code } } }"#;
    write(
        app,
        &editor,
        delete,
        json!({"id": photo["id"], "v": photo["version"]}),
    )
    .await;
    let moved = &third["photos"][1];
    let move_photo = r#"mutation($id: ID!, $v: Int!, $owner: ID!) {
        updatePhoto(id: $id, expectedVersion: $v, input: {owner: $owner}) { errors { code } } }"#;
    let variables = json!({"id": moved["id"], "v": moved["version"], "owner": first["id"]});
    write(app, &editor, move_photo, variables).await;
    let specialty = r#"mutation { createSpecialty(input: {slug: "urology", name: [{lang: EN, text: "Urology"}]}) { errors { code } } }"#;
    let admin = app.bearer("analyst-admin", Role::Admin).await;
    write(app, &admin, specialty, json!({})).await;
}

#[tokio::test]
async fn the_fact_table_answers_what_the_statements_answer_after_edits() {
    for app in TestApp::each().await {
        medexchange::dataset::generate::generate(&app.db, 400, 3)
            .await
            .unwrap();
        let before = Facts::load(&app.db).await.unwrap();
        let catalog_before = Catalog::load(&app.db).await.unwrap();
        edit(&app).await;
        let catalog = Catalog::load(&app.db).await.unwrap();
        let updated_catalog = catalog_before.updated(&app.db).await.unwrap();
        assert_eq!(
            updated_catalog.as_ref(),
            Some(&catalog),
            "the catalog follows the log"
        );
        assert!(catalog.specialties.values().any(|s| s.slug == "urology"));
        let analytics::facts::Update::Done(updated) = before.updated(&app.db).await.unwrap() else {
            panic!("a few edits are applied one by one");
        };
        assert!(updated.marks.version > before.marks.version);
        agree(&app, &updated, &catalog).await;
        let reread = Facts::load(&app.db).await.unwrap();
        assert_eq!(reread.marks, updated.marks);
        agree(&app, &reread, &catalog).await;
    }
}

const BUSIEST: &str = r#"query($groupBy: [ExchangeDimension!]!, $first: Int, $per: ExchangeDimension, $order: GroupOrder) {
  exchangeStats(groupBy: $groupBy, orderBy: $order, first: $first, per: $per) {
    exchanges groupCount groups { keys { value } exchanges } } }"#;

/// (keys joined by `/`, exchanges) of each group of an answer.
fn groups(answer: &Value) -> Vec<(String, i64)> {
    let groups = answer["exchangeStats"]["groups"].as_array().unwrap();
    groups
        .iter()
        .map(|g| {
            let keys = g["keys"].as_array().unwrap().iter();
            let keys: Vec<&str> = keys.map(|k| k["value"].as_str().unwrap()).collect();
            (keys.join("/"), g["exchanges"].as_i64().unwrap())
        })
        .collect()
}

/// The busiest institutions of each fiscal year, whatever the number of
/// groups counted; the same from the statement and from the table.
#[tokio::test]
async fn the_busiest_of_each_year_are_answered_however_many_groups_are_counted() {
    for app in TestApp::each().await {
        medexchange::dataset::generate::generate(&app.db, 3000, 5)
            .await
            .unwrap();
        let all = json!({"groupBy": ["FISCAL_YEAR", "INSTITUTION"]});
        let everything = app.data_with(BUSIEST, all).await;
        let counted = groups(&everything);
        assert!(counted.len() > 500, "{} groups", counted.len());
        let mut answers = Vec::new();
        for _ in 0..2 {
            // The first answer may come from the statement while the table
            // is read; the next from the table.
            let variables = json!({"groupBy": ["FISCAL_YEAR", "INSTITUTION"], "order": "EXCHANGES_DESC",
                                   "first": 3, "per": "FISCAL_YEAR"});
            answers.push(app.data_with(BUSIEST, variables).await);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        assert_eq!(answers[0], answers[1], "{:?}", app.engine);
        let top = groups(&answers[0]);
        assert_eq!(
            answers[0]["exchangeStats"]["groupCount"],
            counted.len(),
            "groupCount counts every group"
        );
        let years: std::collections::BTreeSet<&str> = counted
            .iter()
            .map(|(k, _)| k.split('/').next().unwrap())
            .collect();
        assert_eq!(top.len(), years.len() * 3, "three a year: {top:?}");
        for year in years {
            let mut expected: Vec<(String, i64)> = counted
                .iter()
                .filter(|(k, _)| k.starts_with(&format!("{year}/")))
                .cloned()
                .collect();
            expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let given: Vec<(String, i64)> = top
                .iter()
                .filter(|(k, _)| k.starts_with(&format!("{year}/")))
                .cloned()
                .collect();
            assert_eq!(given, expected[..3], "{:?} {year}", app.engine);
        }
    }
}

#[tokio::test]
async fn per_must_name_a_dimension_grouped_by_and_come_with_first() {
    for app in TestApp::each().await {
        for (variables, words) in [
            (
                json!({"groupBy": ["INSTITUTION"], "per": "FISCAL_YEAR", "first": 2}),
                "not in `groupBy`",
            ),
            (
                json!({"groupBy": ["FISCAL_YEAR", "INSTITUTION"], "per": "FISCAL_YEAR"}),
                "give `first`",
            ),
        ] {
            let reply = app.post(BUSIEST, variables, &[]).await;
            let error = &reply.body["errors"][0];
            assert_eq!(
                error["extensions"]["code"], "BAD_USER_INPUT",
                "{}",
                reply.body
            );
            assert!(
                error["message"].as_str().unwrap().contains(words),
                "{}",
                reply.body
            );
        }
    }
}

/// Another process's write is in this process's next answer once it has
/// seen the data version move (it polls every 100 ms here), from its table
/// updated from the change log, not read again whole.
#[tokio::test]
async fn a_write_in_another_process_reaches_the_table_within_a_second() {
    for app in TestApp::each().await {
        let options = medexchange::http::options::HttpOptions {
            response_cache_entries: 0,
            data_version_poll: Duration::from_millis(100),
            ..Default::default()
        };
        let reader = AppState::configured(app.db.clone(), Lang::Zh, Limits::default(), options);
        let reader = TestApp::over(&app, reader);
        reader.data_version_known().await;
        reader.state.analytics.warm();
        let deadline = Instant::now() + Duration::from_secs(20);
        while reader.state.analytics.held_version().is_none() {
            assert!(Instant::now() < deadline, "the table is read");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let total = r#"{ exchangeStats(groupBy: [FORMAT]) { exchanges } }"#;
        assert_eq!(reader.data(total).await["exchangeStats"]["exchanges"], 9);
        let editor = app.bearer("writer", Role::Editor).await;
        let node = app
            .data(r#"{ exchanges(first: 1) { nodes { id version } } }"#)
            .await;
        let node = &node["exchanges"]["nodes"][0];
        let delete = r#"mutation($id: ID!, $v: Int!) { deleteExchange(id: $id, expectedVersion: $v) { errors { code } } }"#;
        let written = Instant::now();
        write(
            &app,
            &editor,
            delete,
            json!({"id": node["id"], "v": node["version"]}),
        )
        .await;
        loop {
            let answer = reader.data(total).await;
            if answer["exchangeStats"]["exchanges"] == 8 {
                break;
            }
            assert!(
                written.elapsed() < Duration::from_secs(1),
                "{:?}: not seen within 1 s",
                app.engine
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            reader.state.analytics.full_reads(),
            1,
            "updated from the change log"
        );
    }
}
