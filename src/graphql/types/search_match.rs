//! Search results one page at a time, each with the text that matched.

use crate::graphql::connection::PageInfo;
use crate::graphql::error::ApiError;
use crate::graphql::lang::Language;
use crate::graphql::types::SearchResult;
use crate::i18n::highlight;
use crate::store::search::{MatchQuality, TextMatch};
use async_graphql::{Enum, Object, SimpleObject};

/// A page of search results, best first: the results as `nodes` (or as
/// `edges`, with their cursors and the text each matched), and where the
/// page stands. Pages reach the first 1,000 results; refine the query to
/// see others.
#[derive(SimpleObject)]
pub struct SearchResultConnection {
    /// The results of this page, with their cursors and matches.
    pub edges: Vec<SearchResultEdge>,
    /// The results of this page.
    pub nodes: Vec<SearchResult>,
    /// Where this page stands in the ranking.
    pub page_info: PageInfo,
}

/// One search result of a page: its cursor, the record, the text that matched.
#[derive(SimpleObject)]
pub struct SearchResultEdge {
    /// Pass as `after` to read the results ranked below this one.
    pub cursor: String,
    /// The record found.
    pub node: SearchResult,
    /// The record's text that matched best, a text in the served language
    /// first; null when none of its texts holds the query any more (edited
    /// since it was found).
    #[graphql(name = "match")]
    pub matched: Option<SearchMatch>,
}

/// How a text matched the query.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
    /// The whole text is the query.
    Exact,
    /// The text starts with the query.
    Prefix,
    /// The text holds the query.
    Substring,
    /// The text holds each word of the query, apart.
    Words,
}

impl From<MatchQuality> for MatchKind {
    fn from(quality: MatchQuality) -> Self {
        match quality {
            MatchQuality::Exact => MatchKind::Exact,
            MatchQuality::Prefix => MatchKind::Prefix,
            MatchQuality::Substring => MatchKind::Substring,
            MatchQuality::Tokens => MatchKind::Words,
        }
    }
}

/// Where a range of a text starts and ends, in UTF-16 code units (as
/// JavaScript's `String.prototype.slice` counts): `text.slice(start, end)`.
#[derive(SimpleObject, Clone, Copy)]
pub struct TextRange {
    /// The first code unit.
    pub start: i32,
    /// The code unit after the last.
    pub end: i32,
}

/// The text of a search result that matched, as written, and where.
pub struct SearchMatch(pub TextMatch);

/// The longest snippet one may ask for, in characters.
const MAX_SNIPPET: i32 = 1_000;

/// The text of a search result that matched, as written, and where.
#[Object]
impl SearchMatch {
    /// Which field matched: `name`, `alias`, `region` or `city` of an
    /// institution; `title` or `summary` of an exchange; `name` or
    /// `position` of a speaker; `caption` of a photo; `items`, `sender`,
    /// `recipient` or `description` of an aid shipment; `name` of a
    /// specialty.
    async fn field(&self) -> &str {
        self.0.field
    }

    /// The language of the text that matched; null for an alias (any
    /// language).
    async fn language(&self) -> Option<Language> {
        self.0.lang.map(Language::from)
    }

    /// How it matched.
    async fn kind(&self) -> MatchKind {
        self.0.found.closeness.into()
    }

    /// The whole text, as written.
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// Where the query matched in `text`: the query side by side, else each
    /// of its words.
    async fn highlights(&self) -> Vec<TextRange> {
        highlight::utf16_ranges(&self.0.text, &self.0.found.ranges)
            .into_iter()
            .map(|r| TextRange {
                start: r.start as i32,
                end: r.end as i32,
            })
            .collect()
    }

    /// At most `length` characters of `text` around the first match, HTML
    /// escaped, each match in `<mark>`…`</mark>`, `…` where text is left
    /// out: ready for `innerHTML`.
    async fn snippet(&self, #[graphql(default = 80)] length: i32) -> Result<String, ApiError> {
        if !(1..=MAX_SNIPPET).contains(&length) {
            return Err(ApiError::bad_input(format!(
                "`length` must be between 1 and {MAX_SNIPPET}, got {length}"
            )));
        }
        Ok(highlight::snippet(
            &self.0.text,
            &self.0.found.ranges,
            length as usize,
        ))
    }
}
