//! The editors' report: what is missing in a language, and Simplified
//! characters left in Japanese texts.

use crate::graphql::database;
use crate::graphql::error::ApiError;
use crate::graphql::ids::NodeType;
use crate::graphql::lang::{Language, Scope};
use crate::graphql::types::Node;
use crate::i18n::{Lang, slips};
use crate::store::translation_gaps::{self, MissingText, SlipText};
use async_graphql::{Context, Object, SimpleObject};

/// The most items of each list one report returns.
const MAX_ITEMS: i32 = 1000;

/// The editors' report.
#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Texts to fix: those some language has and one of `languages` lacks
    /// (default Chinese and Japanese; English is given only where it is
    /// known), and Japanese texts holding Simplified Chinese characters
    /// (广西 for 広西). Each list gives its first `first` items (1 to 1000,
    /// default 100) and its full count. The CLI's `medexchange gaps` prints
    /// the same.
    #[graphql(complexity = "1000 + child_complexity")]
    async fn translation_gaps(
        &self,
        ctx: &Context<'_>,
        languages: Option<Vec<Language>>,
        first: Option<i32>,
    ) -> Result<TranslationReport, ApiError> {
        let first = first.unwrap_or(100);
        if !(1..=MAX_ITEMS).contains(&first) {
            return Err(ApiError::bad_input(format!(
                "`first` must be between 1 and {MAX_ITEMS}, got {first}"
            )));
        }
        let langs: Vec<Lang> = match languages {
            Some(languages) => languages.into_iter().map(Lang::from).collect(),
            None => vec![Lang::Zh, Lang::Ja],
        };
        let db = database(ctx);
        let missing = translation_gaps::missing(db, &langs).await?;
        let slips = translation_gaps::simplified_in_japanese(db).await?;
        let take = first as usize;
        Ok(TranslationReport {
            missing_count: missing.len() as i32,
            simplified_in_japanese_count: slips.len() as i32,
            missing: missing
                .into_iter()
                .take(take)
                .map(|row| MissingTranslation { row })
                .collect(),
            simplified_in_japanese: slips
                .into_iter()
                .take(take)
                .map(|row| SimplifiedInJapanese { row })
                .collect(),
        })
    }
}

/// What the translation-gap report found.
#[derive(SimpleObject)]
pub struct TranslationReport {
    /// How many texts lack a language asked about.
    pub missing_count: i32,
    /// The first of them, by kind of record, record and field.
    pub missing: Vec<MissingTranslation>,
    /// How many Japanese texts hold Simplified characters.
    pub simplified_in_japanese_count: i32,
    /// The first of them, by kind of record, record and field.
    pub simplified_in_japanese: Vec<SimplifiedInJapanese>,
}

/// A text some language has and others lack.
pub struct MissingTranslation {
    row: MissingText,
}

/// A text some language has and others lack.
#[Object]
impl MissingTranslation {
    /// Which text: the kind of record and the field (`institution.name`,
    /// `talk.title`).
    async fn field(&self) -> String {
        format!("{}.{}", self.row.kind, self.row.field)
    }

    /// The record to open to fix it (for a talk, its exchange).
    async fn record(&self, ctx: &Context<'_>) -> Result<Option<Node>, ApiError> {
        record(ctx, &self.row.kind, self.row.node_id).await
    }

    /// The languages that have the text.
    async fn present(&self) -> Vec<Language> {
        Lang::ALL
            .into_iter()
            .filter(|l| self.row.has(*l))
            .map(Language::from)
            .collect()
    }

    /// The languages that lack it.
    async fn missing(&self) -> Vec<Language> {
        Lang::ALL
            .into_iter()
            .filter(|l| !self.row.has(*l))
            .map(Language::from)
            .collect()
    }
}

/// A Japanese text holding Simplified Chinese characters.
pub struct SimplifiedInJapanese {
    row: SlipText,
}

/// A Japanese text holding Simplified Chinese characters.
#[Object]
impl SimplifiedInJapanese {
    /// Which text: the kind of record and the field.
    async fn field(&self) -> String {
        format!("{}.{}", self.row.kind, self.row.field)
    }

    /// The record to open to fix it (for a talk, its exchange).
    async fn record(&self, ctx: &Context<'_>) -> Result<Option<Node>, ApiError> {
        record(ctx, &self.row.kind, self.row.node_id).await
    }

    /// The Japanese text as stored.
    async fn text(&self) -> &str {
        &self.row.text
    }

    /// The Simplified characters in it, each once (`广`).
    async fn characters(&self) -> Vec<String> {
        slips::slips(&self.row.text)
            .iter()
            .map(|(c, _)| c.to_string())
            .collect()
    }

    /// The text with each in its Japanese form (`広`): a suggestion to
    /// check, not a correction to apply blindly.
    async fn suggestion(&self) -> String {
        slips::mended(&self.row.text)
    }
}

/// The record of a reported text, in the default scope.
async fn record(ctx: &Context<'_>, kind: &str, id: i32) -> Result<Option<Node>, ApiError> {
    let node_type = match kind {
        "institution" => NodeType::Institution,
        "specialty" => NodeType::Specialty,
        "speaker" => NodeType::Speaker,
        "exchange" | "talk" => NodeType::Exchange,
        "photo" => NodeType::Photo,
        "aid_shipment" => NodeType::AidShipment,
        "news_item" => NodeType::NewsItem,
        other => return Err(ApiError::invariant(format!("unknown record kind {other}"))),
    };
    let scope: Scope = None;
    Node::load(ctx, node_type, id, scope).await
}
