//! Filter inputs, checked and turned into store filters.

use crate::domain::vocabulary::{ReportDate, YEARS};
use crate::graphql::enums::{Country, ExchangeFormat};
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::store::exchanges;
use crate::store::listing;
use crate::store::search::TextQuery;
use async_graphql::{ID, InputObject};

/// Which exchanges to list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct ExchangeFilter {
    /// Calendar year (1900 to 9998).
    pub year: Option<i32>,
    /// Japanese fiscal year (April to March; 1900 to 9998).
    pub fiscal_year: Option<i32>,
    /// From this month or day, inclusive: `YYYY-MM` or `YYYY-MM-DD`. An
    /// exchange dated by month counts as the whole month.
    pub from: Option<String>,
    /// Up to this month or day, inclusive: `YYYY-MM` or `YYYY-MM-DD`.
    pub to: Option<String>,
    /// With this institution (its id) taking part.
    pub institution: Option<ID>,
    /// With an institution of this country taking part.
    pub country: Option<Country>,
    /// Covering this specialty (its slug, e.g. `cardiology`).
    pub specialty: Option<String>,
    /// With a talk by this speaker (their id).
    pub speaker: Option<ID>,
    /// Of this format.
    pub format: Option<ExchangeFormat>,
    /// Whose title, summary or a specialty's name contains this text, in
    /// any language, folded as `search` folds it (`循環` finds 循环; 1 to 200
    /// characters).
    pub text: Option<String>,
}

impl ExchangeFilter {
    /// Checks the filter; a malformed date, a year outside 1900 to 9998 or
    /// an id of another type is `BAD_USER_INPUT`.
    pub fn into_store(self) -> Result<exchanges::ExchangeFilter, ApiError> {
        let date = |name: &str, text: Option<String>| {
            text.map(|t| {
                ReportDate::parse(&t).map_err(|_| {
                    ApiError::bad_input(format!(
                        "`{name}` must be YYYY-MM or YYYY-MM-DD, got {t:?}"
                    ))
                })
            })
            .transpose()
        };
        let id = |name: &str, node_type: NodeType, id: Option<ID>| {
            id.map(|id| {
                ids::decode_id_of(node_type, &id).ok_or_else(|| {
                    ApiError::bad_input(format!("`{name}` is not the id of a {node_type:?}"))
                })
            })
            .transpose()
        };
        let year = |name: &str, year: Option<i32>| match year {
            Some(y) if !YEARS.contains(&y) => Err(ApiError::bad_input(format!(
                "`{name}` must be a year from {} to {}, got {y}",
                YEARS.start(),
                YEARS.end()
            ))),
            _ => Ok(year),
        };
        Ok(exchanges::ExchangeFilter {
            year: year("year", self.year)?,
            fiscal_year: year("fiscalYear", self.fiscal_year)?,
            ends_on_or_after: date("from", self.from)?.map(|d| d.first_day()),
            starts_on_or_before: date("to", self.to)?.map(|d| d.last_day()),
            institution_id: id("institution", NodeType::Institution, self.institution)?,
            country: self.country.map(Into::into),
            specialty_slug: self.specialty,
            speaker_id: id("speaker", NodeType::Speaker, self.speaker)?,
            format: self.format.map(Into::into),
            text: self
                .text
                .as_deref()
                .map(checked_text)
                .transpose()?
                .map(TextQuery::new),
        })
    }
}

/// Which institutions to list.
#[derive(InputObject, Default)]
pub struct InstitutionFilter {
    /// In this country.
    pub country: Option<Country>,
    /// In this province or prefecture, named in any language
    /// (`广西壮族自治区`, `広西チワン族自治区` or `Guangxi`).
    pub region: Option<String>,
}

impl InstitutionFilter {
    /// The store's filter.
    pub fn into_store(self) -> listing::InstitutionFilter {
        listing::InstitutionFilter {
            country: self.country.map(Into::into),
            region: self.region,
        }
    }
}

/// The longest search text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// A search text, trimmed: 1 to [`MAX_TEXT_CHARS`] characters, else
/// `BAD_USER_INPUT`.
pub fn checked_text(text: &str) -> Result<&str, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::bad_input("the search text must not be empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_input(format!(
            "the search text must be at most {MAX_TEXT_CHARS} characters"
        )));
    }
    Ok(text)
}
