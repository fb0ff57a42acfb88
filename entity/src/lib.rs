//! Storage shapes of the medexchange archive: one SeaORM entity per table.
//!
//! Localized texts live in `*_translation` tables, one row per (entity, language),
//! so adding a language needs no schema change. Language codes are `zh`, `ja`, `en`.

pub mod aid_shipment;
pub mod aid_shipment_translation;
pub mod api_token;
pub mod change_log;
pub mod exchange;
pub mod exchange_participant;
pub mod exchange_specialty;
pub mod exchange_translation;
pub mod image;
pub mod institution;
pub mod institution_alias;
pub mod institution_translation;
pub mod news_item;
pub mod news_item_translation;
pub mod photo;
pub mod photo_person;
pub mod photo_translation;
pub mod search_document;
pub mod speaker;
pub mod speaker_translation;
pub mod specialty;
pub mod specialty_translation;
pub mod talk;
pub mod talk_translation;
