//! The translation-gap report, in GraphQL and in the CLI.

use crate::helpers::TestApp;
use medexchange::dataset;
use medexchange::domain::record::LangKey;
use serde_json::json;
use std::process::Command;

const REPORT: &str = r#"query($languages: [Language!]) { translationGaps(languages: $languages) {
  missingCount missing { field record { id ... on Institution { slug } ... on Exchange { slug } } present missing }
  simplifiedInJapaneseCount simplifiedInJapanese { field record { ... on Institution { slug } } text characters suggestion } } }"#;

#[tokio::test]
async fn missing_languages_and_simplified_characters_are_reported() {
    for app in TestApp::each().await {
        let clean = app.data_with(REPORT, json!({})).await;
        assert_eq!(
            clean["translationGaps"]["missingCount"], 0,
            "the curated report has no gap"
        );
        assert_eq!(clean["translationGaps"]["simplifiedInJapaneseCount"], 0);

        let mut slipped = dataset::parse(dataset::BUNDLED_FY2020, "bundled").unwrap();
        let kameda = slipped
            .institutions
            .iter_mut()
            .find(|i| i.slug == "kameda-medical-center")
            .unwrap();
        kameda.name.insert(LangKey::Ja, "龟田総合病院".into());
        slipped.exchanges[0].title.remove(&LangKey::Ja);
        dataset::import::import(&app.db, &slipped, "slipped.yaml")
            .await
            .unwrap();

        let report = &app.data_with(REPORT, json!({})).await["translationGaps"];
        assert_eq!(report["missingCount"], 1, "{:?} {report}", app.engine);
        let gap = &report["missing"][0];
        assert_eq!(gap["field"], "exchange.title");
        assert_eq!(gap["record"]["slug"], slipped.exchanges[0].slug.as_str());
        assert_eq!(gap["present"], json!(["ZH", "EN"]));
        assert_eq!(gap["missing"], json!(["JA"]));
        assert_eq!(report["simplifiedInJapaneseCount"], 1);
        let slip = &report["simplifiedInJapanese"][0];
        assert_eq!(slip["field"], "institution.name");
        assert_eq!(slip["record"]["slug"], "kameda-medical-center");
        assert_eq!(slip["characters"], json!(["龟"]));
        assert_eq!(slip["suggestion"], "亀田総合病院");

        let english = &app.data_with(REPORT, json!({"languages": ["EN"]})).await["translationGaps"];
        assert!(
            english["missingCount"].as_i64().unwrap() > 1,
            "English is given only where known"
        );
    }
}

#[test]
fn the_cli_prints_the_report_one_text_per_line() {
    let dir = std::env::temp_dir().join(format!("medexchange_gaps_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("slips.yaml");
    let yaml = "specialties:\n  - slug: cardiology\n    name: {zh: 心血管内科, ja: 心血管内科}\n  - slug: oncology\n    name: {zh: 肿瘤学, ja: 肿瘤学}\n  - slug: nursing\n    name: {zh: 护理}\n";
    std::fs::write(&file, yaml).unwrap();
    let database = format!("sqlite://{}", dir.join("gaps.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_medexchange"))
            .args(args)
            .env("DATABASE_URL", &database)
            .env("MEDEXCHANGE_LOG", "warn")
            .output()
            .unwrap()
    };
    assert!(run(&["import", file.to_str().unwrap()]).status.success());
    let output = run(&["gaps"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout,
        "missing\tspecialty.name\tnursing\thas zh\tlacks ja,en\n\
         simplified\tspecialty.name\toncology\t肿→腫\t肿瘤学\n"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("1 texts missing in zh/ja; 1 Japanese texts"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
