//! Changing aid shipments.

use super::user_error::{LocalizedTextInput, set_texts};
use super::{RecordInput, References, record_mutations};
use crate::domain::record::AidShipment as Record;
use crate::domain::rules::Violations;
use crate::graphql::enums::AidDirection;
use crate::graphql::error::ApiError;
use crate::graphql::types::AidShipment;
use async_graphql::{Context, InputObject, MaybeUndefined};

/// An aid shipment's fields to set; those left out stay as they are.
#[derive(InputObject, Clone, Debug)]
pub struct AidShipmentInput {
    /// Stable key in links and exports. Required to create; only an admin
    /// may change it.
    pub slug: Option<String>,
    /// `YYYY-MM` or `YYYY-MM-DD`. Required to create.
    pub date: Option<String>,
    /// Which way it went. Required to create.
    pub direction: Option<AidDirection>,
    /// What was shipped, per language (a new one needs at least one).
    pub items: Option<Vec<LocalizedTextInput>>,
    /// How many; `null` when unknown.
    pub quantity: MaybeUndefined<i32>,
    /// Who sent it, per language (a new one needs at least one).
    pub sender: Option<Vec<LocalizedTextInput>>,
    /// Who received it, per language (a new one needs at least one).
    pub recipient: Option<Vec<LocalizedTextInput>>,
    /// A description per language.
    pub description: Option<Vec<LocalizedTextInput>>,
}

impl RecordInput for AidShipmentInput {
    type Record = Record;
    type Found = ();

    async fn look_up(
        &self,
        _: &Context<'_>,
        creating: bool,
    ) -> Result<Result<(), Violations>, ApiError> {
        let mut references = References::default();
        if creating && self.date.is_none() {
            references.required("date");
        }
        if creating && self.direction.is_none() {
            references.required("direction");
        }
        Ok(references.found(()))
    }

    fn blank() -> Record {
        Record {
            slug: String::new(),
            date: String::new(),
            direction: crate::domain::vocabulary::AidDirection::JpToCn,
            items: Default::default(),
            quantity: None,
            sender: Default::default(),
            recipient: Default::default(),
            description: Default::default(),
            photos: Vec::new(),
        }
    }

    fn apply(&self, _: &(), record: &mut Record) {
        if let Some(slug) = &self.slug {
            record.slug = slug.clone();
        }
        if let Some(date) = &self.date {
            record.date = date.clone();
        }
        if let Some(direction) = self.direction {
            record.direction = direction.into();
        }
        if let Some(quantity) = self.quantity.as_opt_ref() {
            record.quantity = quantity.copied();
        }
        set_texts(&mut record.items, &self.items);
        set_texts(&mut record.sender, &self.sender);
        set_texts(&mut record.recipient, &self.recipient);
        set_texts(&mut record.description, &self.description);
    }
}

record_mutations!(
    AidShipmentMutation, AidShipmentPayload, aid_shipment: AidShipment,
    AidShipmentInput => Record,
    create_aid_shipment, update_aid_shipment, delete_aid_shipment, restore_aid_shipment,
    "an aid shipment"
);
