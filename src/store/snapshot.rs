//! The whole archive read at once, for `medexchange export`: every row of
//! every table, children grouped by owner. Records an editor deleted are
//! left out: an export is the archive as readers see it.

use crate::store::batch::{all, group_by};
use entity::{
    aid_shipment, aid_shipment_translation, exchange, exchange_participant, exchange_specialty,
    exchange_translation, institution, institution_alias, institution_translation, news_item,
    news_item_translation, photo, photo_person, photo_translation, speaker, speaker_translation,
    specialty, specialty_translation, talk, talk_translation,
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, ModelTrait};
use std::collections::HashMap;

/// Every row the dataset is made of; children grouped by owner.
pub struct Rows {
    pub specialties: Vec<specialty::Model>,
    pub specialty_texts: HashMap<i32, Vec<specialty_translation::Model>>,
    pub institutions: Vec<institution::Model>,
    pub institution_texts: HashMap<i32, Vec<institution_translation::Model>>,
    pub aliases: HashMap<i32, Vec<institution_alias::Model>>,
    pub speakers: Vec<speaker::Model>,
    pub speaker_texts: HashMap<i32, Vec<speaker_translation::Model>>,
    pub exchanges: Vec<exchange::Model>,
    pub exchange_texts: HashMap<i32, Vec<exchange_translation::Model>>,
    pub participants: HashMap<i32, Vec<exchange_participant::Model>>,
    pub exchange_specialties: HashMap<i32, Vec<exchange_specialty::Model>>,
    pub talks: HashMap<i32, Vec<talk::Model>>,
    pub talk_texts: HashMap<i32, Vec<talk_translation::Model>>,
    pub shipments: Vec<aid_shipment::Model>,
    pub shipment_texts: HashMap<i32, Vec<aid_shipment_translation::Model>>,
    pub news: Vec<news_item::Model>,
    pub news_texts: HashMap<i32, Vec<news_item_translation::Model>>,
    pub photos: Vec<photo::Model>,
    pub photo_texts: HashMap<i32, Vec<photo_translation::Model>>,
    pub people: HashMap<i32, Vec<photo_person::Model>>,
}

impl Rows {
    /// Reads every row, in id order (children in their stored order).
    pub async fn read<C: ConnectionTrait>(db: &C) -> Result<Rows, DbErr> {
        let mut rows = Rows::read_all(db).await?;
        rows.specialties.retain(|r| r.deleted_at.is_none());
        rows.institutions.retain(|r| r.deleted_at.is_none());
        rows.speakers.retain(|r| r.deleted_at.is_none());
        rows.exchanges.retain(|r| r.deleted_at.is_none());
        rows.shipments.retain(|r| r.deleted_at.is_none());
        rows.news.retain(|r| r.deleted_at.is_none());
        rows.photos.retain(|r| r.deleted_at.is_none());
        Ok(rows)
    }

    async fn read_all<C: ConnectionTrait>(db: &C) -> Result<Rows, DbErr> {
        use exchange_participant as participant;
        Ok(Rows {
            specialties: all(db, &[specialty::Column::Id]).await?,
            specialty_texts: texts(db, |r: &specialty_translation::Model| r.specialty_id).await?,
            institutions: all(db, &[institution::Column::Id]).await?,
            institution_texts: texts(db, |r: &institution_translation::Model| r.institution_id)
                .await?,
            aliases: by_owner(all(db, &[institution_alias::Column::Id]).await?, |r| {
                r.institution_id
            }),
            speakers: all(db, &[speaker::Column::Id]).await?,
            speaker_texts: texts(db, |r: &speaker_translation::Model| r.speaker_id).await?,
            exchanges: all(db, &[exchange::Column::Id]).await?,
            exchange_texts: texts(db, |r: &exchange_translation::Model| r.exchange_id).await?,
            participants: by_owner(all(db, &[participant::Column::Position]).await?, |r| {
                r.exchange_id
            }),
            exchange_specialties: by_owner(
                all(db, &[exchange_specialty::Column::Position]).await?,
                |r| r.exchange_id,
            ),
            talks: by_owner(
                all(db, &[talk::Column::Position, talk::Column::Id]).await?,
                |r| r.exchange_id,
            ),
            talk_texts: texts(db, |r: &talk_translation::Model| r.talk_id).await?,
            shipments: all(db, &[aid_shipment::Column::Id]).await?,
            shipment_texts: texts(db, |r: &aid_shipment_translation::Model| r.aid_shipment_id)
                .await?,
            news: all(db, &[news_item::Column::Position, news_item::Column::Id]).await?,
            news_texts: texts(db, |r: &news_item_translation::Model| r.news_item_id).await?,
            photos: all(db, &[photo::Column::Position, photo::Column::Id]).await?,
            photo_texts: texts(db, |r: &photo_translation::Model| r.photo_id).await?,
            people: by_owner(all(db, &[photo_person::Column::Position]).await?, |r| {
                r.photo_id
            }),
        })
    }
}

/// Every translation row of one kind, by the id of what it translates.
async fn texts<C, M>(db: &C, owner: impl Fn(&M) -> i32) -> Result<HashMap<i32, Vec<M>>, DbErr>
where
    C: ConnectionTrait,
    M: ModelTrait + FromQueryResult + Send + Sync,
    M::Entity: EntityTrait<Model = M>,
{
    Ok(by_owner(M::Entity::find().all(db).await?, owner))
}

fn by_owner<T>(rows: Vec<T>, owner: impl Fn(&T) -> i32) -> HashMap<i32, Vec<T>> {
    group_by(rows, owner)
}
