//! Changing speakers.

use super::user_error::{LocalizedTextInput, set_texts};
use super::{RecordInput, References, record_mutations};
use crate::domain::record::Speaker as Record;
use crate::domain::rules::Violations;
use crate::graphql::error::ApiError;
use crate::graphql::types::Speaker;
use crate::store::history::RecordType;
use async_graphql::{Context, ID, InputObject, MaybeUndefined};

/// A speaker's fields to set; those left out stay as they are.
#[derive(InputObject, Clone, Debug)]
pub struct SpeakerInput {
    /// Stable key in links and exports. Required to create; only an admin
    /// may change it.
    pub slug: Option<String>,
    /// The institution they work at; `null` when unknown.
    pub institution: MaybeUndefined<ID>,
    /// Their name per language (a new one needs at least one).
    pub name: Option<Vec<LocalizedTextInput>>,
    /// Their position per language.
    pub position: Option<Vec<LocalizedTextInput>>,
    /// How their name is read, for ordering by name.
    pub reading: Option<Vec<LocalizedTextInput>>,
}

impl RecordInput for SpeakerInput {
    type Record = Record;
    /// The institution's slug, when the input sets one.
    type Found = MaybeUndefined<String>;

    async fn look_up(
        &self,
        ctx: &Context<'_>,
        _: bool,
    ) -> Result<Result<Self::Found, Violations>, ApiError> {
        let mut references = References::default();
        let kind = RecordType::Institution;
        let institution = references
            .maybe(ctx, kind, "institution", &self.institution)
            .await?;
        Ok(references.found(institution))
    }

    fn blank() -> Record {
        Record {
            slug: String::new(),
            institution: None,
            name: Default::default(),
            position: Default::default(),
            reading: Default::default(),
        }
    }

    fn apply(&self, institution: &Self::Found, record: &mut Record) {
        if let Some(slug) = &self.slug {
            record.slug = slug.clone();
        }
        if let Some(institution) = institution.as_opt_ref() {
            record.institution = institution.cloned();
        }
        set_texts(&mut record.name, &self.name);
        set_texts(&mut record.position, &self.position);
        set_texts(&mut record.reading, &self.reading);
    }
}

record_mutations!(
    SpeakerMutation, SpeakerPayload, speaker: Speaker,
    SpeakerInput => Record,
    create_speaker, update_speaker, delete_speaker, restore_speaker,
    "a speaker"
);
