//! `orderBy: NAME` on institutions and speakers: pinyin for Chinese
//! readers, the kana reading for Japanese ones, the alphabet for English
//! ones, the same on both engines.

use crate::helpers::TestApp;
use medexchange::store;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const INSTITUTIONS: &str = r#"query($lang: Language, $order: NameOrder, $first: Int, $after: String) {
  institutions(lang: $lang, orderBy: $order, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { slug name } } }"#;

async fn names(app: &TestApp, list: &str, variables: Value) -> Vec<String> {
    let query = match list {
        "institutions" => INSTITUTIONS,
        _ => {
            r#"query($lang: Language, $order: NameOrder) {
              speakers(lang: $lang, orderBy: $order, first: 100) { nodes { name } } }"#
        }
    };
    let data = app.data_with(query, variables).await;
    data[list]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn institutions_come_in_each_readers_order() {
    for app in TestApp::each().await {
        let zh = names(
            &app,
            "institutions",
            json!({"lang": "ZH", "order": "NAME", "first": 100}),
        )
        .await;
        assert_eq!(
            zh[..3],
            [
                "安徽省医学会肿瘤学分会",
                "北海市人民医院",
                "常州市第一人民医院"
            ],
            "{:?}",
            app.engine
        );
        assert_eq!(
            zh.last().unwrap(),
            "杏林大学医学部附属医院",
            "xing after sui"
        );
        let ja = names(
            &app,
            "institutions",
            json!({"lang": "JA", "order": "NAME", "first": 100}),
        )
        .await;
        assert_eq!(
            ja[..3],
            ["安徽省医学会腫瘍学分会", "石川島記念病院", "亀田総合病院"],
            "あ, い, か"
        );
        assert_eq!(ja.last().unwrap(), "北海市人民病院", "ほっかい comes last");
        let en = names(
            &app,
            "institutions",
            json!({"lang": "EN", "order": "NAME", "first": 100}),
        )
        .await;
        assert_eq!(en[0], "Beihai People's Hospital");
        assert_eq!(
            en[1], "The First Affiliated Hospital of Guangxi Medical University",
            "a leading The is ignored"
        );
        let mut backwards = names(
            &app,
            "institutions",
            json!({"lang": "JA", "order": "NAME_DESC", "first": 100}),
        )
        .await;
        backwards.reverse();
        assert_eq!(backwards, ja);
    }
}

#[tokio::test]
async fn speakers_come_in_each_readers_order() {
    for app in TestApp::each().await {
        let ja = names(&app, "speakers", json!({"lang": "JA", "order": "NAME"})).await;
        assert_eq!(
            ja,
            ["伊藤雅昭", "大津敦", "木下敬弘", "福永哲", "村永信吾"],
            "{:?}",
            app.engine
        );
        let zh = names(&app, "speakers", json!({"lang": "ZH", "order": "NAME"})).await;
        assert_eq!(
            zh,
            ["村永信吾", "大津敦", "福永哲", "木下敬弘", "伊藤雅昭"],
            "cun, da, fu, mu, yi"
        );
    }
}

#[tokio::test]
async fn pages_in_name_order_follow_one_another_and_keep_to_one_language() {
    for app in TestApp::each().await {
        let all = names(
            &app,
            "institutions",
            json!({"lang": "JA", "order": "NAME", "first": 100}),
        )
        .await;
        let mut seen: Vec<String> = Vec::new();
        let mut after = Value::Null;
        loop {
            let variables = json!({"lang": "JA", "order": "NAME", "first": 4, "after": after});
            let data = app.data_with(INSTITUTIONS, variables).await;
            let page = &data["institutions"];
            assert_eq!(page["totalCount"], 14);
            seen.extend(
                page["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["name"].as_str().unwrap().to_owned()),
            );
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, all, "{:?}", app.engine);
        let first = app
            .data_with(
                INSTITUTIONS,
                json!({"lang": "JA", "order": "NAME", "first": 1}),
            )
            .await;
        let cursor = first["institutions"]["pageInfo"]["endCursor"].clone();
        for other in [
            json!({"lang": "ZH", "order": "NAME", "after": cursor}),
            json!({"lang": "JA", "after": cursor}),
        ] {
            let reply = app.post(INSTITUTIONS, other.clone(), &[]).await;
            assert_eq!(
                reply.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{other}"
            );
        }
    }
}

#[tokio::test]
async fn the_request_language_picks_the_order_when_the_list_names_none() {
    for app in TestApp::each().await {
        let reply = app
            .post(
                INSTITUTIONS,
                json!({"order": "NAME", "first": 1}),
                &[("accept-language", "ja")],
            )
            .await;
        assert_eq!(
            reply.body["data"]["institutions"]["nodes"][0]["name"],
            "安徽省医学会腫瘍学分会"
        );
        let reply = app
            .post(
                INSTITUTIONS,
                json!({"order": "NAME", "first": 2}),
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!(
            reply.body["data"]["institutions"]["nodes"][1]["slug"],
            "guangxi-medical-university-first-affiliated-hospital"
        );
    }
}

#[tokio::test]
async fn migrating_fills_in_missing_sort_keys() {
    for app in TestApp::each().await {
        let blank = "UPDATE institution SET sort_zh = '', sort_ja = '', sort_en = ''";
        app.db.execute_unprepared(blank).await.unwrap();
        store::migrate(&app.db).await.unwrap();
        let ja = names(
            &app,
            "institutions",
            json!({"lang": "JA", "order": "NAME", "first": 100}),
        )
        .await;
        assert_eq!(ja[0], "安徽省医学会腫瘍学分会", "{:?}", app.engine);
        assert_eq!(ja.last().unwrap(), "北海市人民病院");
    }
}

const RENAME: &str = r#"mutation($id: ID!, $v: Int!, $input: InstitutionInput!) {
  updateInstitution(id: $id, expectedVersion: $v, input: $input) {
    institution { version } errors { field code message } } }"#;

#[tokio::test]
async fn a_rename_asks_for_the_japanese_reading_and_drops_the_old_pinyin() {
    for app in TestApp::each().await {
        let editor = app
            .bearer("editor", medexchange::domain::vocabulary::Role::Editor)
            .await;
        let kameda = app
            .data(r#"{ institution(slug: "kameda-medical-center") { id version } }"#)
            .await;
        let id = kameda["institution"]["id"].clone();
        let version = std::cell::Cell::new(kameda["institution"]["version"].as_i64().unwrap());
        let rename = |input: Value| {
            let variables = json!({"id": id, "v": version.get(), "input": input});
            let (app, version) = (&app, &version);
            let editor = editor.clone();
            async move {
                let reply = app
                    .post(RENAME, variables, &[("authorization", &editor)])
                    .await;
                let payload = reply.body["data"]["updateInstitution"].clone();
                // The next rename expects the version this one wrote.
                if let Some(written) = payload["institution"]["version"].as_i64() {
                    version.set(written);
                }
                payload
            }
        };
        let asked = rename(json!({"name": [{"lang": "JA", "text": "あおば総合病院"}]})).await;
        assert_eq!(
            asked["errors"][0]["field"],
            json!(["input", "reading"]),
            "{asked}"
        );
        assert_eq!(asked["errors"][0]["code"], "INVALID");
        let renamed = rename(json!({"name": [{"lang": "JA", "text": "あおば総合病院"}],
                                    "reading": [{"lang": "JA", "text": "あおばそうごうびょういん"}]}))
        .await;
        assert_eq!(renamed["errors"], json!([]), "{renamed}");
        let ja = names(
            &app,
            "institutions",
            json!({"lang": "JA", "order": "NAME", "first": 100}),
        )
        .await;
        assert_eq!(
            ja[0], "あおば総合病院",
            "filed under its new reading: {ja:?}"
        );

        // Chinese: a pinyin reading of the old name is dropped with it.
        let pinyin = rename(json!({"reading": [{"lang": "ZH", "text": "a1"}]})).await;
        assert_eq!(pinyin["errors"], json!([]), "{pinyin}");
        let zh = names(
            &app,
            "institutions",
            json!({"lang": "ZH", "order": "NAME", "first": 100}),
        )
        .await;
        assert_eq!(zh[0], "龟田综合医院", "the reading orders it first: {zh:?}");
        let renamed = rename(json!({"name": [{"lang": "ZH", "text": "中龟田医院"}]})).await;
        assert_eq!(renamed["errors"], json!([]), "{renamed}");
        let zh = names(
            &app,
            "institutions",
            json!({"lang": "ZH", "order": "NAME", "first": 100}),
        )
        .await;
        assert_ne!(
            zh[0], "中龟田医院",
            "ordered by the new name's pinyin: {zh:?}"
        );
        assert_eq!(zh.last().unwrap(), "中龟田医院", "zhong comes last: {zh:?}");
    }
}
