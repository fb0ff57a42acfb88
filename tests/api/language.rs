//! Language resolution: field argument, then the root field's `lang`, then
//! Accept-Language (with q-values), then the default; fallback chains.

use crate::helpers::TestApp;
use serde_json::json;

const KAMEDA: &str = r#"institution(slug: "kameda-medical-center")"#;

#[tokio::test]
async fn a_field_argument_beats_the_root_language() {
    for app in TestApp::each().await {
        let data = app
            .data(r#"{ exchanges(lang: JA, first: 1) { nodes { ja: title zh: title(lang: ZH) participants { institution { name } } } } }"#)
            .await;
        let node = &data["exchanges"]["nodes"][0];
        assert_eq!(
            node["ja"],
            "北海市人民病院・亀田総合病院 健康診断オンライン交流"
        );
        assert_eq!(node["zh"], "北海市人民医院与龟田综合医院精密体检云端交流");
        assert_eq!(
            node["participants"][1]["institution"]["name"], "亀田総合病院",
            "root JA is inherited"
        );
    }
}

#[tokio::test]
async fn the_root_language_reaches_every_level_below_it() {
    for app in TestApp::each().await {
        let data = app
            .data(r#"{ exchanges(lang: JA, first: 9) { nodes { talks { speaker { position institution { region city } } } photos { caption venue { name } } specialties { name } } } }"#)
            .await;
        let text = data.to_string();
        for japanese in [
            "大腸外科長",
            "千葉県",
            "鴨川市",
            "北海市人民病院会場の様子",
            "循環器内科",
        ] {
            assert!(text.contains(japanese), "{japanese} missing from {text}");
        }
        for chinese in ["大肠外科科长", "千叶县", "心血管内科"] {
            assert!(!text.contains(chinese), "{chinese} leaked into a JA answer");
        }
    }
}

#[tokio::test]
async fn accept_language_with_q_values_picks_the_language() {
    for app in TestApp::each().await {
        let query = format!("{{ {KAMEDA} {{ name }} }}");
        for (header, expected, served) in [
            ("ja-JP,ja;q=0.9,zh;q=0.8", "亀田総合病院", "ja"),
            ("fr, zh-CN;q=0.5, ja;q=0.4", "龟田综合医院", "zh"),
            ("en;q=0.3, ja;q=0.2", "Kameda Medical Center", "en"),
            ("de, fr", "龟田综合医院", "zh"),
        ] {
            let reply = app
                .post(&query, json!({}), &[("accept-language", header)])
                .await;
            assert_eq!(
                reply.body["data"]["institution"]["name"], expected,
                "Accept-Language: {header}"
            );
            assert_eq!(reply.body["extensions"]["servedLanguages"], json!([served]));
            assert_eq!(reply.headers["content-language"], served);
        }
        let reply = app
            .post(
                &format!("{{ {KAMEDA} {{ name }} }}"),
                json!({}),
                &[("accept-language", "en")],
            )
            .await;
        let with_lang = app
            .post(
                r#"{ institution(slug: "kameda-medical-center", lang: JA) { name } }"#,
                json!({}),
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!(
            reply.body["data"]["institution"]["name"],
            "Kameda Medical Center"
        );
        assert_eq!(
            with_lang.body["data"]["institution"]["name"], "亀田総合病院",
            "the root `lang` beats Accept-Language"
        );
    }
}

#[tokio::test]
async fn a_missing_text_falls_back_along_the_chain_and_says_so() {
    for app in TestApp::each().await {
        // Captions have no English: EN falls back to JA.
        let reply = app
            .post(r#"{ photos(lang: EN, first: 1) { nodes { caption } } specialties(lang: EN) { name } }"#, json!({}), &[])
            .await;
        assert_eq!(
            reply.body["data"]["photos"]["nodes"][0]["caption"],
            "当日の交流の様子"
        );
        assert_eq!(
            reply.body["data"]["specialties"][0]["name"],
            "Health check-ups"
        );
        assert_eq!(
            reply.body["extensions"]["servedLanguages"],
            json!(["ja", "en"])
        );
        assert_eq!(reply.headers["content-language"], "ja, en");
        // Speakers without a position stay null rather than borrowing another field.
        let data = app
            .data(r#"{ speakers(lang: EN, first: 1) { nodes { name position } } }"#)
            .await;
        assert_eq!(
            data["speakers"]["nodes"][0],
            json!({"name": "Shingo Muranaga", "position": null})
        );
    }
}

#[tokio::test]
async fn translations_list_every_language_that_exists() {
    for app in TestApp::each().await {
        let data = app
            .data(&format!(
                "{{ {KAMEDA} {{ translations {{ lang name region city }} }} }}"
            ))
            .await;
        assert_eq!(
            data["institution"]["translations"],
            json!([
                {"lang": "EN", "name": "Kameda Medical Center", "region": "Chiba", "city": "Kamogawa"},
                {"lang": "JA", "name": "亀田総合病院", "region": "千葉県", "city": "鴨川市"},
                {"lang": "ZH", "name": "龟田综合医院", "region": "千叶县", "city": "鸭川市"}
            ])
        );
    }
}

/// The id of the report's first exchange (June 2020), and blanks its
/// Chinese summary when `blank_chinese_summary`.
async fn first_exchange(app: &TestApp, blank_chinese_summary: bool) -> i32 {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = "SELECT id FROM exchange ORDER BY starts_on, id LIMIT 1";
    let statement = Statement::from_string(app.db.get_database_backend(), sql);
    let row = app.db.query_one_raw(statement).await.unwrap().unwrap();
    let id: i32 = row.try_get("", "id").unwrap();
    if blank_chinese_summary {
        let sql = format!(
            "UPDATE exchange_translation SET summary = '' WHERE exchange_id = {id} AND lang = 'zh'"
        );
        app.db.execute_unprepared(&sql).await.unwrap();
    }
    id
}

#[tokio::test]
async fn only_the_translation_rows_a_language_needs_are_read() {
    use entity::exchange_translation::{Column, Entity};
    use medexchange::i18n::Lang;
    use medexchange::store::{exchange_tree, translations};
    let langs = |rows: &[entity::exchange_translation::Model]| -> Vec<String> {
        rows.iter().map(|row| row.lang.clone()).collect()
    };
    let parts = exchange_tree::TreeParts {
        lang: Lang::Zh,
        texts: true,
        participants: false,
        specialties: false,
        talks: false,
        talk_texts: false,
        photos: true,
        photo_texts: true,
    };
    for app in TestApp::each().await {
        for blank in [false, true] {
            let id = first_exchange(&app, blank).await;
            // Complete in Chinese: its row alone; else every language's.
            let expected = match blank {
                true => vec!["en", "ja", "zh"],
                false => vec!["zh"],
            };
            let trees = exchange_tree::load(&app.db, id, parts).await.unwrap();
            assert_eq!(langs(&trees.texts), expected, "{:?}, tree", app.engine);
            let loaded =
                translations::needed_in::<Entity, _>(&app.db, Column::ExchangeId, [id], Lang::Zh)
                    .await
                    .unwrap();
            assert_eq!(langs(&loaded), expected, "{:?}, loader", app.engine);
            assert!(!trees.photos.is_empty());
            assert_eq!(
                trees.photo_texts.len(),
                trees.photos.len(),
                "one caption each"
            );
            assert!(trees.photo_texts.iter().all(|row| row.lang == "zh"));
        }
    }
}

#[tokio::test]
async fn a_text_missing_in_the_language_falls_back_on_every_path() {
    for app in TestApp::each().await {
        let ja = app
            .data(r#"{ exchanges(first: 1) { nodes { id summary(lang: JA) } } }"#)
            .await;
        let (id, japanese) = (
            ja["exchanges"]["nodes"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            ja["exchanges"]["nodes"][0]["summary"].clone(),
        );
        first_exchange(&app, true).await;
        for (path, query, pointer) in [
            (
                "page",
                r#"{ exchanges(lang: ZH, first: 1) { nodes { title summary } } }"#.to_owned(),
                "/data/exchanges/nodes/0",
            ),
            (
                "by id",
                format!(r#"{{ exchange(id: "{id}", lang: ZH) {{ title summary }} }}"#),
                "/data/exchange",
            ),
            (
                "loader",
                r#"{ photos(lang: ZH, first: 1) { nodes { exchange { title summary } } } }"#
                    .to_owned(),
                "/data/photos/nodes/0/exchange",
            ),
        ] {
            let reply = app.post(&query, json!({}), &[]).await;
            let exchange = reply.body.pointer(pointer).unwrap();
            assert_eq!(
                exchange["title"], "北海市人民医院与龟田综合医院精密体检云端交流",
                "{path}"
            );
            assert_eq!(exchange["summary"], japanese, "{path}: Japanese stands in");
            assert_eq!(
                reply.body["extensions"]["servedLanguages"],
                json!(["zh", "ja"]),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn a_language_header_not_understood_is_said_and_a_misspelt_language_lists_the_values() {
    for app in TestApp::each().await {
        let query = "{ specialties { name } }";
        let jp = app
            .post(query, json!({}), &[("accept-language", "jp")])
            .await;
        assert_eq!(
            jp.body["data"]["specialties"][0]["name"], "健康診断",
            "jp is understood as ja: {}",
            jp.text
        );
        let warning = &jp.body["extensions"]["warnings"][0];
        assert_eq!(warning["code"], "LANGUAGE_GUESSED", "{}", jp.text);
        assert!(
            warning["message"].as_str().unwrap().contains("`ja`"),
            "{warning}"
        );
        // Asked again, the warning is still there (not answered from memory without it).
        let again = app
            .post(query, json!({}), &[("accept-language", "jp")])
            .await;
        assert_eq!(
            again.body["extensions"]["warnings"][0]["code"],
            "LANGUAGE_GUESSED"
        );

        let french = app
            .post(query, json!({}), &[("accept-language", "fr-FR")])
            .await;
        assert_eq!(
            french.body["extensions"]["warnings"][0]["code"],
            "LANGUAGE_NOT_UNDERSTOOD"
        );
        let plain = app
            .post(query, json!({}), &[("accept-language", "ja")])
            .await;
        assert!(
            plain.body["extensions"].get("warnings").is_none(),
            "{}",
            plain.text
        );

        let misspelt = app
            .post("{ specialties(lang: JP) { name } }", json!({}), &[])
            .await;
        let message = misspelt.body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("expected one of ZH, JA, EN (did you mean JA?)"),
            "{message}"
        );
        let variable = app
            .post(
                "query($l: Language) { specialties(lang: $l) { name } }",
                json!({"l": "jp"}),
                &[],
            )
            .await;
        let message = variable.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("expected one of ZH, JA, EN"), "{message}");
    }
}
