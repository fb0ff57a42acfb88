//! The whole archive read at once, for `medexchange export`: every row of
//! every table, children grouped by owner. Records an editor deleted are
//! left out: an export is the archive as readers see it.

use crate::store::batch::{all, group_by, rows_in};
use crate::store::history::RecordType;
use entity::{
    aid_shipment, aid_shipment_translation, exchange, exchange_participant, exchange_specialty,
    exchange_translation, institution, institution_alias, institution_translation, news_item,
    news_item_translation, photo, photo_person, photo_translation, speaker, speaker_translation,
    specialty, specialty_translation, talk, talk_translation,
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, ModelTrait};
use std::collections::HashMap;

/// Every row the dataset is made of; children grouped by owner.
#[derive(Default)]
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

impl Rows {
    /// The rows of one record (deleted or not): its own, its children's,
    /// and the rows it refers to (for their slugs). Empty when it does not
    /// exist.
    pub async fn read_one<C: ConnectionTrait>(
        db: &C,
        kind: RecordType,
        id: i32,
    ) -> Result<Rows, DbErr> {
        let mut rows = Rows::default();
        match kind {
            RecordType::Specialty => {
                rows.specialties = rows_where(db, specialty::Column::Id, [id], &[]).await?;
                rows.specialty_texts =
                    texts_of(db, specialty_translation::Column::SpecialtyId, [id], |r| {
                        r.specialty_id
                    })
                    .await?;
            }
            RecordType::Institution => {
                rows.institutions = rows_where(db, institution::Column::Id, [id], &[]).await?;
                rows.institution_texts = texts_of(
                    db,
                    institution_translation::Column::InstitutionId,
                    [id],
                    |r| r.institution_id,
                )
                .await?;
                let aliases = institution_alias::Column::InstitutionId;
                rows.aliases = by_owner(
                    rows_where(db, aliases, [id], &[institution_alias::Column::Id]).await?,
                    |r| r.institution_id,
                );
            }
            RecordType::Speaker => {
                rows.speakers = rows_where(db, speaker::Column::Id, [id], &[]).await?;
                rows.speaker_texts =
                    texts_of(db, speaker_translation::Column::SpeakerId, [id], |r| {
                        r.speaker_id
                    })
                    .await?;
            }
            RecordType::Exchange => rows.read_exchange(db, id).await?,
            RecordType::AidShipment => {
                rows.shipments = rows_where(db, aid_shipment::Column::Id, [id], &[]).await?;
                rows.shipment_texts = texts_of(
                    db,
                    aid_shipment_translation::Column::AidShipmentId,
                    [id],
                    |r| r.aid_shipment_id,
                )
                .await?;
                rows.read_photos(db, photo::Column::AidShipmentId, id)
                    .await?;
            }
            RecordType::NewsItem => {
                rows.news = rows_where(db, news_item::Column::Id, [id], &[]).await?;
                rows.news_texts =
                    texts_of(db, news_item_translation::Column::NewsItemId, [id], |r| {
                        r.news_item_id
                    })
                    .await?;
                rows.read_photos(db, photo::Column::NewsItemId, id).await?;
            }
            RecordType::Photo => rows.read_photos(db, photo::Column::Id, id).await?,
        }
        rows.read_referred(db).await
    }

    async fn read_exchange<C: ConnectionTrait>(&mut self, db: &C, id: i32) -> Result<(), DbErr> {
        use exchange_participant::Column as Participant;
        use exchange_specialty::Column as Covered;
        self.exchanges = rows_where(db, exchange::Column::Id, [id], &[]).await?;
        self.exchange_texts = texts_of(db, exchange_translation::Column::ExchangeId, [id], |r| {
            r.exchange_id
        })
        .await?;
        let participants =
            rows_where(db, Participant::ExchangeId, [id], &[Participant::Position]).await?;
        self.participants = by_owner(participants, |r| r.exchange_id);
        let covered = rows_where(db, Covered::ExchangeId, [id], &[Covered::Position]).await?;
        self.exchange_specialties = by_owner(covered, |r| r.exchange_id);
        let order = [talk::Column::Position, talk::Column::Id];
        let talks = rows_where(db, talk::Column::ExchangeId, [id], &order).await?;
        let talk_ids: Vec<i32> = talks.iter().map(|t| t.id).collect();
        self.talk_texts = texts_of(db, talk_translation::Column::TalkId, talk_ids, |r| {
            r.talk_id
        })
        .await?;
        self.talks = by_owner(talks, |r| r.exchange_id);
        self.read_photos(db, photo::Column::ExchangeId, id).await
    }

    /// The photos whose `column` is `id`, with their captions and people.
    async fn read_photos<C: ConnectionTrait>(
        &mut self,
        db: &C,
        column: photo::Column,
        id: i32,
    ) -> Result<(), DbErr> {
        let order = [photo::Column::Position, photo::Column::Id];
        self.photos = rows_where(db, column, [id], &order).await?;
        let ids: Vec<i32> = self.photos.iter().map(|p| p.id).collect();
        self.photo_texts = texts_of(db, photo_translation::Column::PhotoId, ids.clone(), |r| {
            r.photo_id
        })
        .await?;
        let people = rows_where(
            db,
            photo_person::Column::PhotoId,
            ids,
            &[photo_person::Column::Position],
        )
        .await?;
        self.people = by_owner(people, |r| r.photo_id);
        Ok(())
    }

    /// The institutions, specialties and speakers the rows refer to, that
    /// are not among them already (speakers first: where they work is an
    /// institution referred to as well).
    async fn read_referred<C: ConnectionTrait>(mut self, db: &C) -> Result<Rows, DbErr> {
        let talks = self.talks.values().flatten().map(|t| t.speaker_id);
        let shown = self.people.values().flatten().map(|p| p.speaker_id);
        let speakers: Vec<i32> = talks.chain(shown).collect();
        let referred = rows_where(db, speaker::Column::Id, speakers, &[]).await?;
        self.speakers.extend(referred);
        let venues = self.photos.iter().filter_map(|p| p.venue_institution_id);
        let employers = self.speakers.iter().filter_map(|s| s.institution_id);
        let participants = self.participants.values().flatten();
        let participants = participants.map(|p| p.institution_id);
        let institutions: Vec<i32> = venues.chain(employers).chain(participants).collect();
        let referred = rows_where(db, institution::Column::Id, institutions, &[]).await?;
        self.institutions.extend(referred);
        let covered = self.exchange_specialties.values().flatten();
        let specialties: Vec<i32> = covered.map(|s| s.specialty_id).collect();
        let referred = rows_where(db, specialty::Column::Id, specialties, &[]).await?;
        self.specialties.extend(referred);
        Ok(self)
    }
}

/// The rows whose `column` is one of `ids`, ordered by `order`.
async fn rows_where<C, Col>(
    db: &C,
    column: Col,
    ids: impl IntoIterator<Item = i32>,
    order: &[Col],
) -> Result<Vec<<Col::EntityName as EntityTrait>::Model>, DbErr>
where
    C: ConnectionTrait,
    Col: sea_orm::ColumnTrait,
    Col::EntityName: EntityTrait<Column = Col>,
{
    rows_in::<Col::EntityName, C>(db, column, ids, order).await
}

/// The translation rows whose `owner` column is one of `ids`, by owner.
async fn texts_of<C, Col>(
    db: &C,
    owner: Col,
    ids: impl IntoIterator<Item = i32>,
    owner_of: impl Fn(&<Col::EntityName as EntityTrait>::Model) -> i32,
) -> Result<HashMap<i32, Vec<<Col::EntityName as EntityTrait>::Model>>, DbErr>
where
    C: ConnectionTrait,
    Col: sea_orm::ColumnTrait,
    Col::EntityName: EntityTrait<Column = Col>,
{
    Ok(by_owner(rows_where(db, owner, ids, &[]).await?, owner_of))
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
