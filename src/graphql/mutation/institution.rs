//! Changing institutions.

use super::user_error::{LocalizedTextInput, set_texts};
use super::{RecordInput, record_mutations};
use crate::domain::record::Institution as Record;
use crate::domain::rules::{Rule, Violations};
use crate::domain::vocabulary;
use crate::edit::violation;
use crate::graphql::enums::{Country, InstitutionKind};
use crate::graphql::error::ApiError;
use crate::graphql::types::Institution;
use async_graphql::{Context, InputObject};

/// An institution's fields to set; those left out stay as they are.
#[derive(InputObject, Clone, Debug)]
pub struct InstitutionInput {
    /// Stable key in links and exports: lowercase letters, digits and
    /// inner hyphens. Required to create; only an admin may change it.
    pub slug: Option<String>,
    /// The country it is in. Required to create.
    pub country: Option<Country>,
    /// What kind of body it is (`HOSPITAL` when a new one does not say).
    pub kind: Option<InstitutionKind>,
    /// Its correct name per language (a new one needs at least one). A
    /// name replaced keeps the old spelling as an alias.
    pub name: Option<Vec<LocalizedTextInput>>,
    /// Its province or prefecture per language.
    pub region: Option<Vec<LocalizedTextInput>>,
    /// Its city or ward per language.
    pub city: Option<Vec<LocalizedTextInput>>,
    /// How its name is read, for ordering by name: kana for Japanese,
    /// pinyin with tone numbers for Chinese.
    pub reading: Option<Vec<LocalizedTextInput>>,
    /// Every other spelling seen in sources (replaces the list).
    pub aliases: Option<Vec<String>>,
}

impl RecordInput for InstitutionInput {
    type Record = Record;
    type Found = ();

    async fn look_up(
        &self,
        _: &Context<'_>,
        creating: bool,
    ) -> Result<Result<(), Violations>, ApiError> {
        Ok(match creating && self.country.is_none() {
            true => Err(violation(&["country"], Rule::Required)),
            false => Ok(()),
        })
    }

    fn blank() -> Record {
        Record {
            slug: String::new(),
            country: vocabulary::Country::Cn,
            kind: vocabulary::InstitutionKind::Hospital,
            name: Default::default(),
            region: Default::default(),
            city: Default::default(),
            reading: Default::default(),
            aliases: Vec::new(),
        }
    }

    fn apply(&self, _: &(), record: &mut Record) {
        if let Some(slug) = &self.slug {
            record.slug = slug.clone();
        }
        if let Some(country) = self.country {
            record.country = country.into();
        }
        if let Some(kind) = self.kind {
            record.kind = kind.into();
        }
        set_texts(&mut record.name, &self.name);
        set_texts(&mut record.region, &self.region);
        set_texts(&mut record.city, &self.city);
        set_texts(&mut record.reading, &self.reading);
        if let Some(aliases) = &self.aliases {
            record.aliases = aliases.clone();
        }
    }
}

record_mutations!(
    InstitutionMutation, InstitutionPayload, institution: Institution,
    InstitutionInput => Record,
    create_institution, update_institution, delete_institution, restore_institution,
    "an institution"
);
