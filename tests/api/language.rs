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
