//! Editing through GraphQL: tokens and roles, every user-error code in the
//! editor's language, optimistic concurrency, renames that stay findable,
//! soft delete and restore, history, and one write path with import.

use crate::helpers::TestApp;
use medexchange::dataset;
use medexchange::domain::vocabulary::Role;
use medexchange::graphql::limits::Limits;
use medexchange::store::tokens;
use serde_json::{Value, json};

const RENAME: &str = r#"mutation($id: ID!, $v: Int!, $input: InstitutionInput!) {
  updateInstitution(id: $id, expectedVersion: $v, input: $input) {
    institution { version name(lang: JA) aliases }
    errors { field code message }
  } }"#;

const KAMEDA: &str = r#"{ institution(slug: "kameda-medical-center") { id version } }"#;

/// Sends a mutation with `authorization`; returns the whole body.
async fn write(app: &TestApp, authorization: &str, query: &str, variables: Value) -> Value {
    let headers = [("authorization", authorization), ("accept-language", "ja")];
    let reply = app.post(query, variables, &headers).await;
    assert_eq!(reply.status, 200, "{:?}: {}", app.engine, reply.excerpt());
    reply.body
}

/// The id and version of Kameda Medical Center.
async fn kameda(app: &TestApp) -> (Value, i64) {
    let data = app.data(KAMEDA).await;
    let row = &data["institution"];
    (row["id"].clone(), row["version"].as_i64().unwrap())
}

async fn search_slugs(app: &TestApp, text: &str) -> Vec<String> {
    let query = r#"query($q: String!) { search(query: $q, first: 50) { ... on Institution { slug } ... on Exchange { slug } } }"#;
    let data = app.data_with(query, json!({"q": text})).await;
    data["search"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|hit| hit["slug"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_renamed_institution_is_found_under_both_names_and_history_says_who() {
    for app in TestApp::each().await {
        let editor = app.bearer("editor.sato", Role::Editor).await;
        let (id, version) = kameda(&app).await;
        let input = json!({"name": [{"lang": "JA", "text": "医療法人鉄蕉会 亀田メディカルセンター"}],
                   "reading": [{"lang": "JA", "text": "いりょうほうじんてっしょうかい かめだめでぃかるせんたー"}]});
        let body = write(
            &app,
            &editor,
            RENAME,
            json!({"id": id, "v": version, "input": input}),
        )
        .await;
        let payload = &body["data"]["updateInstitution"];
        assert_eq!(payload["errors"], json!([]), "{:?}: {body}", app.engine);
        let institution = &payload["institution"];
        assert_eq!(institution["version"], version + 1);
        assert_eq!(institution["name"], "医療法人鉄蕉会 亀田メディカルセンター");
        assert!(
            institution["aliases"]
                .as_array()
                .unwrap()
                .contains(&json!("亀田総合病院")),
            "{institution}"
        );
        for name in ["亀田総合病院", "亀田メディカルセンター"] {
            let found = search_slugs(&app, name).await;
            assert!(
                found.contains(&"kameda-medical-center".to_owned()),
                "{:?}: {name}: {found:?}",
                app.engine
            );
        }
        let read_history = r#"{ institution(slug: "kameda-medical-center") { history(first: 1) { nodes { actor action version fields source } } } }"#;
        let history = write(&app, &editor, read_history, json!({})).await;
        assert_eq!(
            history["data"]["institution"]["history"]["nodes"][0],
            json!({"actor": "editor.sato", "action": "UPDATE", "version": version + 1,
                   "fields": ["aliases", "name.ja", "reading.ja"], "source": null})
        );
        let anonymous = app.data(read_history).await;
        assert_eq!(
            anonymous["institution"]["history"]["nodes"][0]["actor"], "editor",
            "token names are for editors"
        );
        let origin = app
            .data_with(
                "query($id: ID!) { origin(id: $id) { action source } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(
            origin["origin"],
            json!({"action": "IMPORT", "source": "bundled data/fy2020.yaml: institutions[1] (kameda-medical-center)"})
        );
    }
}

#[tokio::test]
async fn each_user_error_names_the_field_and_speaks_the_editors_language() {
    for app in TestApp::each().await {
        let editor = app.bearer("editor.li", Role::Editor).await;
        let (id, version) = kameda(&app).await;
        let exchange = app
            .data(r#"{ exchanges(first: 1) { nodes { id version } } }"#)
            .await["exchanges"]["nodes"][0]
            .clone();
        let create_institution = r#"mutation($input: InstitutionInput!) { createInstitution(input: $input) {
            institution { slug } errors { field code message zh: message(lang: ZH) } } }"#;
        let update_exchange = r#"mutation($id: ID!, $v: Int!, $input: ExchangeInput!) {
            updateExchange(id: $id, expectedVersion: $v, input: $input) { exchange { slug } errors { field code message } } }"#;
        let delete_institution = r#"mutation($id: ID!, $v: Int!) { deleteInstitution(id: $id, expectedVersion: $v) {
            institution { slug } errors { field code message } } }"#;
        let cases = [
            (
                create_institution,
                json!({"input": {"slug": "new-hospital"}}),
                "createInstitution",
                json!([["input", "country"], "REQUIRED"]),
            ),
            (
                create_institution,
                json!({"input": {"slug": "kameda-medical-center", "country": "JP",
                "name": [{"lang": "JA", "text": "別の病院"}]}}),
                "createInstitution",
                json!([["input", "slug"], "DUPLICATE"]),
            ),
            (
                create_institution,
                json!({"input": {"slug": "Bad Slug", "country": "JP",
                "name": [{"lang": "ZH", "text": "医院"}, {"lang": "JA", "text": "  "}]}}),
                "createInstitution",
                json!([["input", "slug"], "INVALID"]),
            ),
            (
                update_exchange,
                json!({"id": exchange["id"], "v": exchange["version"], "input": {"date": "2020-13"}}),
                "updateExchange",
                json!([["input", "date"], "INVALID"]),
            ),
            (
                update_exchange,
                json!({"id": exchange["id"], "v": exchange["version"],
                "input": {"participants": [id.clone(), "SW5zdGl0dXRpb246OTk5OQ"]}}),
                "updateExchange",
                json!([["input", "participants", "1"], "NOT_FOUND"]),
            ),
            (
                update_exchange,
                json!({"id": exchange["id"], "v": 99, "input": {"date": "2020-06"}}),
                "updateExchange",
                json!([["expectedVersion"], "CONFLICT"]),
            ),
            (
                delete_institution,
                json!({"id": id, "v": version}),
                "deleteInstitution",
                json!([["id"], "IN_USE"]),
            ),
        ];
        for (query, variables, field, expected) in cases {
            let body = write(&app, &editor, query, variables.clone()).await;
            let payload = &body["data"][field];
            let first = &payload["errors"][0];
            assert_eq!(
                json!([first["field"], first["code"]]),
                expected,
                "{:?}: {variables}: {body}",
                app.engine
            );
            let message = first["message"].as_str().unwrap();
            assert!(
                message
                    .chars()
                    .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
                "not Japanese: {message}"
            );
            assert!(payload.as_object().unwrap().values().any(Value::is_null));
        }
        let body = write(
            &app,
            &editor,
            create_institution,
            json!({"input": {"slug": "x-hospital"}}),
        )
        .await;
        let zh = body["data"]["createInstitution"]["errors"][0]["zh"]
            .as_str()
            .unwrap();
        assert_eq!(zh, "此项必填。");
        // Nothing refused was written.
        let after = app
            .data(r#"{ institutions(first: 100) { totalCount } }"#)
            .await;
        assert_eq!(after["institutions"]["totalCount"], 14, "{:?}", app.engine);
        assert_eq!(kameda(&app).await.1, version);
    }
}

#[tokio::test]
async fn writing_needs_a_valid_token_and_the_right_role() {
    for app in TestApp::each().await {
        let (id, version) = kameda(&app).await;
        let variables = json!({"id": id, "v": version, "input": {"city": [{"lang": "EN", "text": "Kamogawa City"}]}});
        let anonymous = app.post(RENAME, variables.clone(), &[]).await;
        assert_eq!(
            anonymous.body["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED",
            "{}",
            anonymous.excerpt()
        );
        let revoked = app.bearer("gone", Role::Admin).await;
        tokens::revoke(&app.db, "gone").await.unwrap();
        let refused = app
            .post(RENAME, variables.clone(), &[("authorization", &revoked)])
            .await;
        assert_eq!(refused.status, 401);
        let editor = app.bearer("editor.wu", Role::Editor).await;
        let slug_change = json!({"id": id, "v": version, "input": {"slug": "kameda"}});
        let body = write(&app, &editor, RENAME, slug_change.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let specialty = r#"mutation { createSpecialty(input: {slug: "urology", name: [{lang: EN, text: "Urology"}]}) { specialty { slug } errors { code } } }"#;
        let body = write(&app, &editor, specialty, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        assert_eq!(kameda(&app).await.1, version, "nothing was written");

        let admin = app.bearer("admin.tanaka", Role::Admin).await;
        let body = write(&app, &admin, RENAME, slug_change).await;
        assert_eq!(
            body["data"]["updateInstitution"]["errors"],
            json!([]),
            "{body}"
        );
        let body = write(&app, &admin, specialty, json!({})).await;
        assert_eq!(
            body["data"]["createSpecialty"]["specialty"]["slug"],
            "urology"
        );
    }
}

#[tokio::test]
async fn of_eight_concurrent_updates_from_one_version_exactly_one_wins() {
    for app in TestApp::each().await {
        let editor = app.bearer("editor.many", Role::Editor).await;
        let (id, version) = kameda(&app).await;
        let updates = (0..8).map(|n| {
            let input = json!({"city": [{"lang": "EN", "text": format!("Kamogawa {n}")}]});
            let variables = json!({"id": id, "v": version, "input": input});
            let (app, editor) = (&app, &editor);
            async move { write(app, editor, RENAME, variables).await }
        });
        let bodies = futures_util::future::join_all(updates).await;
        let codes: Vec<Value> = bodies
            .iter()
            .map(|body| body["data"]["updateInstitution"]["errors"][0]["code"].clone())
            .collect();
        let winners = codes.iter().filter(|code| code.is_null()).count();
        let conflicts = codes.iter().filter(|code| *code == "CONFLICT").count();
        assert_eq!((winners, conflicts), (1, 7), "{:?}: {bodies:?}", app.engine);
        assert_eq!(kameda(&app).await.1, version + 1);
    }
}

#[tokio::test]
async fn a_deleted_exchange_leaves_every_list_until_it_is_restored() {
    for app in TestApp::each().await {
        let editor = app.bearer("editor.zhao", Role::Editor).await;
        let slug = "2020-08-nanjing-kyorin-pharmacy";
        let read = r#"{ exchanges(first: 50) { totalCount nodes { slug } }
            stats: exchangeStats(groupBy: [MONTH]) { exchanges groups { exchanges } }
            photos(first: 1) { totalCount } }"#;
        let before = app.data(read).await;
        let listed = |data: &Value| {
            data["exchanges"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["slug"] == slug)
        };
        assert!(listed(&before));
        let found = app
            .data(r#"{ search(query: "杏林", first: 50) { ... on Exchange { slug id version } } }"#)
            .await;
        let hit = found["search"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["slug"] == slug)
            .cloned()
            .expect("found before");
        let delete = r#"mutation($id: ID!, $v: Int!) { deleteExchange(id: $id, expectedVersion: $v) { exchange { version } errors { code } } }"#;
        let body = write(
            &app,
            &editor,
            delete,
            json!({"id": hit["id"], "v": hit["version"]}),
        )
        .await;
        assert_eq!(
            body["data"]["deleteExchange"]["errors"],
            json!([]),
            "{body}"
        );

        let after = app.data(read).await;
        assert!(!listed(&after), "{:?}", app.engine);
        let total = |data: &Value| data["exchanges"]["totalCount"].as_i64().unwrap();
        assert_eq!(total(&after), total(&before) - 1);
        let photos = |data: &Value| data["photos"]["totalCount"].as_i64().unwrap();
        assert_eq!(
            photos(&after),
            photos(&before) - 2,
            "its two photos went with it"
        );
        assert_ne!(after["stats"], before["stats"]);
        let node = app
            .data_with(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": hit["id"]}),
            )
            .await;
        assert_eq!(node["node"], json!(null));
        assert!(!search_slugs(&app, "杏林").await.contains(&slug.to_owned()));

        let restore = r#"mutation($id: ID!) { restoreExchange(id: $id) { exchange { slug version } errors { code } } }"#;
        let body = write(&app, &editor, restore, json!({"id": hit["id"]})).await;
        let restored = &body["data"]["restoreExchange"]["exchange"];
        assert_eq!(restored["slug"], slug, "{body}");
        assert_eq!(app.data(read).await, before, "{:?}", app.engine);
        assert!(search_slugs(&app, "杏林").await.contains(&slug.to_owned()));
        let history = write(
            &app,
            &editor,
            "query($id: ID!) { node(id: $id) { ... on Exchange { history(first: 2) { nodes { action actor fields } } } } }",
            json!({"id": hit["id"]}),
        )
        .await;
        assert_eq!(
            history["data"]["node"]["history"]["nodes"],
            json!([{"action": "RESTORE", "actor": "editor.zhao", "fields": ["deleted_at"]},
                   {"action": "DELETE", "actor": "editor.zhao", "fields": ["deleted_at"]}])
        );
    }
}

#[tokio::test]
async fn a_created_exchange_is_the_same_record_an_import_would_write() {
    for app in TestApp::each().await {
        let editor = app.bearer("editor.kim", Role::Editor).await;
        let ids = app
            .data(r#"{ a: institution(slug: "kameda-medical-center") { id } b: institution(slug: "beihai-peoples-hospital") { id }
                      s: speakers(first: 1) { nodes { id slug } } }"#)
            .await;
        let create = r#"mutation($input: ExchangeInput!) { createExchange(input: $input) {
            exchange { id slug version title(lang: JA) participants { institution { slug } } talks { speaker { slug } kind } }
            errors { field code } } }"#;
        let input = json!({
            "slug": "2021-04-beihai-kameda-follow-up", "date": "2021-04-20", "format": "HYBRID",
            "title": [{"lang": "JA", "text": "北海・亀田 追加交流会"}, {"lang": "ZH", "text": "北海・龟田 追加交流会"}],
            "specialties": ["health-checkups"],
            "participants": [ids["b"]["id"], ids["a"]["id"]],
            "talks": [{"speaker": ids["s"]["nodes"][0]["id"], "kind": "LECTURE"}],
        });
        let body = write(&app, &editor, create, json!({"input": input})).await;
        let exchange = &body["data"]["createExchange"]["exchange"];
        let origin = write(
            &app,
            &editor,
            "query($id: ID!) { origin(id: $id) { actor action } }",
            json!({"id": exchange["id"]}),
        )
        .await;
        assert_eq!(
            origin["data"]["origin"],
            json!({"actor": "editor.kim", "action": "CREATE"})
        );
        assert_eq!(exchange["version"], 1, "{:?}: {body}", app.engine);
        assert_eq!(exchange["title"], "北海・亀田 追加交流会");
        assert_eq!(
            exchange["participants"],
            json!([{"institution": {"slug": "beihai-peoples-hospital"}},
                   {"institution": {"slug": "kameda-medical-center"}}])
        );
        // Changed twice more: down to one participant, while its speaker
        // works at the other; then its summary.
        let update = r#"mutation($id: ID!, $v: Int!, $input: ExchangeInput!) {
            updateExchange(id: $id, expectedVersion: $v, input: $input) { exchange { version } errors { code } } }"#;
        let changes = [
            json!({"participants": [ids["b"]["id"]]}),
            json!({"summary": [{"lang": "EN", "text": "A follow-up session."}]}),
        ];
        for (n, input) in changes.into_iter().enumerate() {
            let variables = json!({"id": exchange["id"], "v": n + 1, "input": input});
            let body = write(&app, &editor, update, variables).await;
            let payload = &body["data"]["updateExchange"];
            assert_eq!(
                payload["exchange"]["version"],
                n + 2,
                "{:?}: {body}",
                app.engine
            );
        }
        let listed = app
            .data(r#"{ exchanges(first: 1, filter: {fiscalYear: 2021}) { nodes { slug } } }"#)
            .await;
        assert_eq!(
            listed["exchanges"]["nodes"][0]["slug"],
            "2021-04-beihai-kameda-follow-up"
        );

        // Written back out and in again through import, it is unchanged:
        // one write path, one record.
        let exported = dataset::export::export(&app.db).await.unwrap();
        dataset::import::import(&app.db, &exported, "round-trip.yaml")
            .await
            .unwrap();
        let read_changes = r#"{ changes(first: 1) { nodes { actor action record { ... on Exchange { slug } } } } }"#;
        let history = write(&app, &editor, read_changes, json!({})).await;
        assert_eq!(
            history["data"]["changes"]["nodes"][0],
            json!({"actor": "editor.kim", "action": "UPDATE", "record": {"slug": "2021-04-beihai-kameda-follow-up"}})
        );
    }
}

#[tokio::test]
async fn writers_are_held_to_a_mutation_cap_their_cost_and_a_rate() {
    let limits = Limits {
        max_mutations: 3,
        max_complexity: 250,
        writes_per_minute: 4,
        ..Limits::default()
    };
    for app in TestApp::each_with_limits(limits).await {
        let editor = app.bearer("editor.busy", Role::Editor).await;
        let (id, version) = kameda(&app).await;
        let restore =
            |n: usize| format!("r{n}: restoreInstitution(id: $id) {{ errors {{ code }} }}");
        let many = |count: usize| {
            let fields: Vec<String> = (0..count).map(restore).collect();
            format!("mutation($id: ID!) {{ {} }}", fields.join(" "))
        };
        let variables = json!({"id": id});
        let code = |body: &Value| body["errors"][0]["extensions"]["code"].clone();
        // Four mutations: over the cap of three.
        let body = write(&app, &editor, &many(4), variables.clone()).await;
        assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("4 mutations")
        );
        // Three: within the cap, but three writes cost more than 250.
        let body = write(&app, &editor, &many(3), variables.clone()).await;
        assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");
        // Two each time: the third request finds the token's four used.
        for _ in 0..2 {
            let body = write(&app, &editor, &many(2), variables.clone()).await;
            assert_eq!(body["errors"], Value::Null, "{body}");
        }
        let headers = [("authorization", editor.as_str())];
        let reply = app.post(&many(1), variables.clone(), &headers).await;
        assert_eq!(reply.status, 429, "{:?}: {}", app.engine, reply.excerpt());
        assert_eq!(code(&reply.body), "RATE_LIMITED");
        assert!(reply.headers.contains_key("retry-after"));
        let other = app.bearer("editor.calm", Role::Editor).await;
        let body = write(&app, &other, &many(1), variables).await;
        assert_eq!(
            body["errors"],
            Value::Null,
            "another token has its own rate"
        );
        assert_eq!(
            kameda(&app).await.1,
            version,
            "restoring a live record changes nothing"
        );
    }
}

#[tokio::test]
async fn an_import_leaves_a_deleted_record_deleted_and_cannot_name_it() {
    for app in TestApp::each().await {
        let editor = app.bearer("editor.ma", Role::Editor).await;
        let create = r#"mutation { createInstitution(input: {slug: "suzhou-test-hospital", country: CN,
            name: [{lang: ZH, text: "苏州测试医院"}]}) { institution { id version } errors { code } } }"#;
        let body = write(&app, &editor, create, json!({})).await;
        let created = body["data"]["createInstitution"]["institution"].clone();
        let delete = r#"mutation($id: ID!, $v: Int!) { deleteInstitution(id: $id, expectedVersion: $v) { errors { code } } }"#;
        let variables = json!({"id": created["id"], "v": created["version"]});
        let body = write(&app, &editor, delete, variables).await;
        assert_eq!(
            body["data"]["deleteInstitution"]["errors"],
            json!([]),
            "{body}"
        );

        let file = r#"
institutions:
  - slug: suzhou-test-hospital
    country: CN
    kind: HOSPITAL
    name: {zh: 苏州测试医院, ja: 蘇州テスト病院}
"#;
        let dataset = dataset::parse(file, "again.yaml").unwrap();
        dataset::import::import(&app.db, &dataset, "again.yaml")
            .await
            .unwrap();
        let node = app
            .data_with(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": created["id"]}),
            )
            .await;
        assert_eq!(node["node"], Value::Null, "{:?}: still deleted", app.engine);

        let mut naming = dataset::parse(dataset::BUNDLED_FY2020, "bundled").unwrap();
        naming.exchanges[0]
            .participants
            .push("suzhou-test-hospital".into());
        let error = dataset::import::import(&app.db, &naming, "naming.yaml")
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("deleted"), "{:?}: {error}", app.engine);
    }
}

#[tokio::test]
async fn the_editing_docs_chinese_and_japanese_examples_fix_a_name() {
    let readme = include_str!("../../docs/editors.md");
    let blocks: Vec<&str> = readme
        .split("```graphql")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .filter(|block| block.contains("updateInstitution"))
        .collect();
    assert_eq!(blocks.len(), 2, "one example in Chinese, one in Japanese");
    for app in TestApp::each().await {
        let editor = app.bearer("editor.readme", Role::Editor).await;
        for (block, lang) in blocks.iter().zip(["zh", "ja"]) {
            let headers = [
                ("authorization", editor.as_str()),
                ("accept-language", lang),
            ];
            let reply = app.post(block, json!({}), &headers).await;
            let payload = &reply.body["data"]["updateInstitution"];
            assert_eq!(
                payload["errors"],
                json!([]),
                "{:?}: {}",
                app.engine,
                reply.text
            );
            assert_eq!(payload["institution"]["version"], 2);
            let aliases = payload["institution"]["aliases"].as_array().unwrap();
            assert!(!aliases.is_empty(), "the old name is kept");
        }
    }
}

#[tokio::test]
async fn speakers_shipments_news_and_photos_are_created_changed_and_restored() {
    for app in TestApp::each().await {
        let editor = app.bearer("editor.all", Role::Editor).await;
        let ids = app
            .data(
                r#"{ k: institution(slug: "kameda-medical-center") { id }
                      e: exchanges(first: 1) { nodes { id slug } } }"#,
            )
            .await;
        let (kameda, exchange) = (&ids["k"]["id"], &ids["e"]["nodes"][0]);
        let run = |query: &'static str, variables: Value| {
            let (app, editor) = (&app, &editor);
            async move {
                let body = write(app, editor, query, variables).await;
                let payload = body["data"]
                    .as_object()
                    .unwrap()
                    .values()
                    .next()
                    .unwrap()
                    .clone();
                assert_eq!(payload["errors"], json!([]), "{:?}: {body}", app.engine);
                payload
            }
        };
        let speaker = run(
            r#"mutation($k: ID!) { createSpeaker(input: {slug: "suzuki-hanako", institution: $k,
                name: [{lang: JA, text: "鈴木花子"}], position: [{lang: JA, text: "看護部長"}]}) {
                speaker { id version name(lang: JA) institution { slug } } errors { code } } }"#,
            json!({"k": kameda}),
        )
        .await["speaker"]
            .clone();
        assert_eq!(speaker["institution"]["slug"], "kameda-medical-center");
        let photo = run(
            r#"mutation($e: ID!, $k: ID!, $s: ID!) { createPhoto(input: {slug: "extra-photo", owner: $e, venue: $k,
                people: [$s], caption: [{lang: ZH, text: "会场合影"}]}) {
                photo { id version caption(lang: ZH) venue { slug } people { slug } exchange { slug } } errors { code } } }"#,
            json!({"e": exchange["id"], "k": kameda, "s": speaker["id"]}),
        )
        .await["photo"]
            .clone();
        assert_eq!(photo["exchange"]["slug"], exchange["slug"]);
        assert_eq!(photo["people"], json!([{"slug": "suzuki-hanako"}]));
        let photo = run(
            r#"mutation($id: ID!) { updatePhoto(id: $id, expectedVersion: 1, input: {venue: null,
                caption: [{lang: JA, text: "会場での記念撮影"}]}) {
                photo { version venue { slug } caption(lang: JA) } errors { code } } }"#,
            json!({"id": photo["id"]}),
        )
        .await["photo"]
            .clone();
        assert_eq!(
            photo,
            json!({"version": 2, "venue": null, "caption": "会場での記念撮影"})
        );
        let shipment = run(
            r#"mutation { createAidShipment(input: {slug: "2021-05-masks", date: "2021-05", direction: CN_TO_JP,
                items: [{lang: ZH, text: "口罩"}], sender: [{lang: ZH, text: "北海市人民医院"}],
                recipient: [{lang: JA, text: "亀田総合病院"}], quantity: 5000}) {
                aidShipment { id version quantity items(lang: ZH) } errors { code } } }"#,
            json!({}),
        )
        .await["aidShipment"]
            .clone();
        let shipment = run(
            r#"mutation($id: ID!) { updateAidShipment(id: $id, expectedVersion: 1, input: {quantity: null}) {
                aidShipment { version quantity } errors { code } } }"#,
            json!({"id": shipment["id"]}),
        )
        .await["aidShipment"]
            .clone();
        assert_eq!(shipment, json!({"version": 2, "quantity": null}));
        let news = run(
            r#"mutation { createNewsItem(input: {slug: "fy2021-plans", fiscalYear: 2021,
                title: [{lang: JA, text: "2021年度の計画"}]}) { newsItem { id version fiscalYear date } errors { code } } }"#,
            json!({}),
        )
        .await["newsItem"]
            .clone();
        assert_eq!(news["fiscalYear"], 2021);
        let news = run(
            r#"mutation($id: ID!) { updateNewsItem(id: $id, expectedVersion: 1, input: {date: "2021-06-01", fiscalYear: null}) {
                newsItem { version fiscalYear date } errors { code } } }"#,
            json!({"id": news["id"]}),
        )
        .await["newsItem"]
            .clone();
        assert_eq!(
            news,
            json!({"version": 2, "fiscalYear": 2021, "date": "2021-06-01"})
        );
        // The speaker is shown in the photo: in use until the photo goes.
        let delete_speaker = r#"mutation($id: ID!, $v: Int!) { deleteSpeaker(id: $id, expectedVersion: $v) { errors { code } } }"#;
        let body = write(
            &app,
            &editor,
            delete_speaker,
            json!({"id": speaker["id"], "v": 1}),
        )
        .await;
        assert_eq!(
            body["data"]["deleteSpeaker"]["errors"][0]["code"], "IN_USE",
            "{body}"
        );
        let speaker_name = run(
            r#"mutation($id: ID!) { updateSpeaker(id: $id, expectedVersion: 1, input: {institution: null,
                name: [{lang: EN, text: "Hanako Suzuki"}]}) { speaker { version institution { slug } name(lang: EN) } errors { code } } }"#,
            json!({"id": speaker["id"]}),
        )
        .await["speaker"]
            .clone();
        assert_eq!(
            speaker_name,
            json!({"version": 2, "institution": null, "name": "Hanako Suzuki"})
        );
    }
}

#[tokio::test]
async fn the_graphiql_editing_tab_fixes_a_name_once_its_token_is_filled_in() {
    let tab = &medexchange::http::GRAPHIQL_EDITING_EXAMPLE;
    let variables: Value = serde_json::from_str(tab.variables).unwrap();
    let headers: Value = serde_json::from_str(tab.headers).unwrap();
    assert_eq!(headers["Authorization"], "Bearer <token>");
    for app in TestApp::each().await {
        let editor = app.bearer("editor.graphiql", Role::Editor).await;
        let body = write(&app, &editor, tab.query, variables.clone()).await;
        let payload = &body["data"]["updateInstitution"];
        assert_eq!(payload["errors"], json!([]), "{:?}: {body}", app.engine);
        assert_eq!(
            payload["institution"]["name"],
            "医療法人鉄蕉会 亀田総合病院"
        );
    }
}
