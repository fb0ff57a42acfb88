//! Every `*_translation` row is an [`i18n::Translation`](crate::i18n::Translation).

use crate::i18n::Translation;
use entity::{
    aid_shipment_translation, exchange_translation, institution_translation, news_item_translation,
    photo_translation, speaker_translation, specialty_translation, talk_translation,
};

macro_rules! translation_rows {
    ($($module:ident),+) => {
        $(impl Translation for $module::Model {
            fn lang_code(&self) -> &str {
                &self.lang
            }
        })+
    };
}

translation_rows!(
    institution_translation,
    specialty_translation,
    speaker_translation,
    exchange_translation,
    talk_translation,
    photo_translation,
    aid_shipment_translation,
    news_item_translation
);
