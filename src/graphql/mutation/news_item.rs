//! Changing news items.

use super::user_error::{LocalizedTextInput, set_texts};
use super::{RecordInput, record_mutations};
use crate::domain::record::NewsItem as Record;
use crate::domain::rules::Violations;
use crate::edit::Meta;
use crate::graphql::database;
use crate::graphql::error::ApiError;
use crate::graphql::types::NewsItem;
use crate::store::records;
use async_graphql::{Context, InputObject, MaybeUndefined};

/// A news item's fields to set; those left out stay as they are.
#[derive(InputObject, Clone, Debug)]
pub struct NewsItemInput {
    /// Stable key in links and exports. Required to create; only an admin
    /// may change it.
    pub slug: Option<String>,
    /// `YYYY-MM` or `YYYY-MM-DD`; `null` for news without a date (then
    /// give `fiscalYear`).
    pub date: MaybeUndefined<String>,
    /// The fiscal year, for news without a date (else derived from it).
    pub fiscal_year: MaybeUndefined<i32>,
    /// Its heading per language (a new one needs at least one).
    pub title: Option<Vec<LocalizedTextInput>>,
    /// Its text per language.
    pub body: Option<Vec<LocalizedTextInput>>,
}

impl RecordInput for NewsItemInput {
    type Record = Record;
    type Found = ();

    async fn look_up(&self, _: &Context<'_>, _: bool) -> Result<Result<(), Violations>, ApiError> {
        Ok(Ok(()))
    }

    /// A new item goes after every other in report order.
    async fn new_meta(&self, ctx: &Context<'_>, _: &()) -> Result<Meta, ApiError> {
        let position = records::next_news_position(database(ctx)).await?;
        Ok(Meta {
            position,
            ..Meta::default()
        })
    }

    fn blank() -> Record {
        Record {
            slug: String::new(),
            date: None,
            fiscal_year: None,
            title: Default::default(),
            body: Default::default(),
            photos: Vec::new(),
        }
    }

    fn apply(&self, _: &(), record: &mut Record) {
        if let Some(slug) = &self.slug {
            record.slug = slug.clone();
        }
        if let Some(date) = self.date.as_opt_ref() {
            record.date = date.cloned();
        }
        if let Some(fiscal_year) = self.fiscal_year.as_opt_ref() {
            record.fiscal_year = fiscal_year.copied();
        }
        set_texts(&mut record.title, &self.title);
        set_texts(&mut record.body, &self.body);
    }
}

record_mutations!(
    NewsItemMutation, NewsItemPayload, news_item: NewsItem,
    NewsItemInput => Record,
    create_news_item, update_news_item, delete_news_item, restore_news_item,
    "a news item"
);
