//! The table models (the `entity` crate), as the rest of the crate reaches
//! them: only the store names the `entity` crate. GraphQL types still wrap
//! these rows (an `Exchange` holds an `exchange::Model`); giving them
//! domain types of their own is not done yet.

pub use entity::{
    aid_shipment, aid_shipment_translation, api_token, change_log, exchange, exchange_participant,
    exchange_specialty, exchange_translation, image, institution, institution_alias,
    institution_translation, news_item, news_item_translation, photo, photo_person,
    photo_translation, search_document, speaker, speaker_translation, specialty,
    specialty_translation, talk, talk_translation,
};
