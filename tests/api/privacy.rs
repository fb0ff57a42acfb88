//! What a token holder sees stays theirs: answers to requests with
//! credentials are never publicly cacheable, and a deleted record's texts
//! and editors' names reach no reader without a token, through any field,
//! CSV or a subscription.

use crate::helpers::TestApp;
use crate::websocket::{connect, next_json, subscribe};
use medexchange::domain::vocabulary::Role;
use serde_json::{Value, json};
use std::time::Duration;

const SPECIALTIES: &str = "/graphql?query=%7B%20specialties%20%7B%20slug%20%7D%20%7D";

#[tokio::test]
async fn answers_to_token_holders_are_private_everywhere() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.lee", Role::Editor).await;
        let public = app.get(SPECIALTIES, &[]).await;
        assert_eq!(public.headers["cache-control"], "public, max-age=60");
        let vary = public.headers["vary"].to_str().unwrap();
        assert!(vary.contains("Authorization"), "{vary}");

        let private = app.get(SPECIALTIES, &[("authorization", &bearer)]).await;
        assert_eq!(private.status, 200);
        assert_eq!(private.headers["cache-control"], "private, no-store");
        assert!(
            private.headers["vary"]
                .to_str()
                .unwrap()
                .contains("Authorization")
        );
        let etag = private.headers["etag"].to_str().unwrap().to_owned();
        let not_modified = app
            .get(
                SPECIALTIES,
                &[("authorization", &bearer), ("if-none-match", &etag)],
            )
            .await;
        assert_eq!(not_modified.status, 304);
        assert_eq!(not_modified.headers["cache-control"], "private, no-store");
        let csv_link = format!("{SPECIALTIES}&format=csv");
        let csv = app.get(&csv_link, &[("authorization", &bearer)]).await;
        assert_eq!(csv.status, 200, "{}", csv.excerpt());
        assert_eq!(csv.headers["cache-control"], "private, no-store");
        let refused = app
            .get(SPECIALTIES, &[("authorization", "Bearer mx_nope")])
            .await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.headers["cache-control"], "private, no-store");
        let posted = app
            .post(
                "{ viewer { name } }",
                json!({}),
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(posted.headers["cache-control"], "private, no-store");
    }
}

const KYORIN: &str = "2020-08-nanjing-kyorin-pharmacy";
const CHANGES: &str = "{ changes(first: 100) { totalCount nodes { actor action fields changes { before after } record { id } } } }";

/// The exchange [`KYORIN`]: its id, version and titles.
async fn kyorin(app: &TestApp) -> Value {
    let list = "{ exchanges(first: 50) { nodes { id version slug zh: title(lang: ZH) ja: title(lang: JA) photos { id } } } }";
    let data = app.data(list).await;
    let nodes = data["exchanges"]["nodes"].as_array().unwrap();
    nodes.iter().find(|n| n["slug"] == KYORIN).unwrap().clone()
}

#[tokio::test]
async fn a_deleted_record_leaves_the_change_feed_origin_and_csv_for_readers() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.ma", Role::Editor).await;
        let as_editor = |query: &'static str, variables: Value| {
            let bearer = bearer.clone();
            let app = &app;
            async move {
                let reply = app
                    .post(query, variables, &[("authorization", &bearer)])
                    .await;
                reply.body["data"].clone()
            }
        };
        let exchange = &kyorin(&app).await;
        let (id, version) = (exchange["id"].clone(), exchange["version"].clone());
        let titles = [
            exchange["zh"].as_str().unwrap(),
            exchange["ja"].as_str().unwrap(),
        ];
        let before = app.data(CHANGES).await;
        assert!(
            before.to_string().contains(titles[0]),
            "the import's change names it"
        );

        let delete = "mutation($id: ID!, $v: Int!) { deleteExchange(id: $id, expectedVersion: $v) { errors { code } } }";
        let deleted = as_editor(delete, json!({"id": id, "v": version})).await;
        assert_eq!(deleted["deleteExchange"]["errors"], json!([]), "{deleted}");

        let anonymous = app.data(CHANGES).await;
        let text = anonymous.to_string();
        for title in titles {
            assert!(
                !text.contains(title),
                "{:?}: a deleted record's texts reach readers",
                app.engine
            );
        }
        assert!(!text.contains(KYORIN));
        assert!(!text.contains("editor.ma"), "token names are for editors");
        let total = |data: &Value| data["changes"]["totalCount"].as_i64().unwrap();
        assert_eq!(
            total(&anonymous),
            total(&before) - 1,
            "its import's change left the feed"
        );
        let editors = as_editor(CHANGES, json!({})).await;
        assert_eq!(
            total(&editors),
            total(&before) + 1,
            "editors see the delete too"
        );
        assert!(editors.to_string().contains("editor.ma"));

        // Nor through what referred to it: its speakers' talks, its photos.
        let speakers = app
            .data("{ speakers(first: 100) { nodes { talks { exchange { zh: title(lang: ZH) ja: title(lang: JA) } } } } }")
            .await
            .to_string();
        for title in titles {
            assert!(
                !speakers.contains(title),
                "{:?}: through a speaker's talks",
                app.engine
            );
        }
        let photo = &exchange["photos"][0]["id"];
        let node =
            "query($id: ID!) { node(id: $id) { ... on Photo { caption exchange { slug } } } }";
        let photo_node = app.data_with(node, json!({"id": photo})).await;
        assert_eq!(
            photo_node["node"],
            Value::Null,
            "a deleted exchange's photo leaves with it"
        );

        let origin = "query($id: ID!) { origin(id: $id) { action record { id } } }";
        let hidden = app.data_with(origin, json!({"id": id})).await;
        assert_eq!(hidden["origin"], Value::Null);
        let shown = as_editor(origin, json!({"id": id})).await;
        assert_eq!(shown["origin"]["record"]["id"], id);

        let csv = app
            .get(
                "/graphql?format=csv&query=%7B%20changes(first%3A%20100)%20%7B%20nodes%20%7B%20actor%20changes%20%7B%20after%20%7D%20%7D%20%7D%20%7D",
                &[],
            )
            .await;
        assert_eq!(csv.status, 200, "{}", csv.excerpt());
        assert!(
            csv.text.starts_with("\u{feff}actor,changes.after"),
            "{}",
            csv.excerpt()
        );
        assert!(!csv.text.contains("editor.ma"), "{}", csv.excerpt());
        for title in titles {
            assert!(!csv.text.contains(title), "{}", csv.excerpt());
        }
    }
}

/// Waits until `n` subscriptions listen to the server's change feed (its
/// `medexchange_subscribers` gauge): a subscription is registered once
/// the gauge counts it, so a change made after is heard.
async fn until_subscribers(app: &TestApp, n: usize) {
    for _ in 0..500 {
        let metrics = app.get("/metrics", &[]).await.text;
        let now = metrics
            .lines()
            .find_map(|line| line.strip_prefix("medexchange_subscribers "))
            .and_then(|n| n.trim().parse::<usize>().ok());
        if now == Some(n) {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} subscribers never registered");
}

#[tokio::test]
async fn readers_subscribed_without_a_token_hear_no_deleted_record_nor_who() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.ko", Role::Editor).await;
        let port = app.serve().await;
        let listen = "subscription { archiveChanged { action actor record { __typename ... on Exchange { title } ... on Specialty { slug } } } }";
        let mut reader = connect(port, json!({})).await;
        subscribe(&mut reader, "r", listen).await;
        let mut editor = connect(port, json!({"Authorization": bearer})).await;
        subscribe(&mut editor, "e", listen).await;
        until_subscribers(&app, 2).await;

        let found = kyorin(&app).await;
        let delete = "mutation($id: ID!, $v: Int!) { deleteExchange(id: $id, expectedVersion: $v) { errors { code } } }";
        let variables = json!({"id": found["id"], "v": found["version"]});
        let auth = [("authorization", bearer.as_str())];
        assert_eq!(app.post(delete, variables, &auth).await.status, 200);
        let create = r#"mutation { createSpecialty(input: {slug: "nursing", name: [{lang: JA, text: "看護"}]}) { errors { code } } }"#;
        let admin = app.bearer("admin.ko", Role::Admin).await;
        let created = app
            .post(create, json!({}), &[("authorization", &admin)])
            .await;
        assert_eq!(
            created.body["data"]["createSpecialty"]["errors"],
            json!([]),
            "{}",
            created.text
        );

        let heard = next_json(&mut editor).await;
        let change = &heard["payload"]["data"]["archiveChanged"];
        assert_eq!(change["action"], "DELETE", "{heard}");
        assert_eq!(change["actor"], "editor.ko");
        assert!(
            change["record"]["title"].is_string(),
            "editors see the deleted record"
        );

        let heard = next_json(&mut reader).await;
        let change = &heard["payload"]["data"]["archiveChanged"];
        assert_eq!(
            change,
            &json!({"action": "CREATE", "actor": "editor", "record": {"__typename": "Specialty", "slug": "nursing"}}),
            "{:?}: the reader's first change is the specialty's, not the delete",
            app.engine
        );
    }
}
