//! Changing the specialty vocabulary (admins only: every exchange shares it).

use super::user_error::{LocalizedTextInput, set_texts};
use super::{RecordInput, record_mutations};
use crate::domain::record::Specialty as Record;
use crate::domain::rules::Violations;
use crate::graphql::error::ApiError;
use crate::graphql::types::Specialty;
use async_graphql::{Context, InputObject};

/// A specialty's fields to set; those left out stay as they are.
#[derive(InputObject, Clone, Debug)]
pub struct SpecialtyInput {
    /// Stable key (what `ExchangeInput.specialties` names). Required to create.
    pub slug: Option<String>,
    /// Its name per language (a new one needs at least one).
    pub name: Option<Vec<LocalizedTextInput>>,
}

impl RecordInput for SpecialtyInput {
    type Record = Record;
    type Found = ();

    async fn look_up(&self, _: &Context<'_>, _: bool) -> Result<Result<(), Violations>, ApiError> {
        Ok(Ok(()))
    }

    fn blank() -> Record {
        Record {
            slug: String::new(),
            name: Default::default(),
        }
    }

    fn apply(&self, _: &(), record: &mut Record) {
        if let Some(slug) = &self.slug {
            record.slug = slug.clone();
        }
        set_texts(&mut record.name, &self.name);
    }
}

record_mutations!(
    SpecialtyMutation, SpecialtyPayload, specialty: Specialty,
    SpecialtyInput => Record,
    create_specialty, update_specialty, delete_specialty, restore_specialty,
    "a specialty (admins only)"
);
