//! `medexchange import`: an idempotent upsert by slug, in one transaction.
//!
//! Each entity named in the file is inserted or updated in place (its id
//! stays stable); its texts, aliases, participants, specialties, talks and
//! photos are replaced by the file's, and its search documents rebuilt in
//! the same transaction. Entities the file does not name are
//! left alone. Slugs the file refers to but does not define must already be
//! in the database. Any error rolls everything back.

use super::DatasetError;
use super::format::{self, Dataset, Localized, Photo};
use crate::i18n::Lang;
use crate::i18n::sort_key::{self, NameText};
use crate::model::ReportDate;
use crate::store::search_index::{self, DocKind, Owners};
use entity::{
    aid_shipment, aid_shipment_translation, exchange, exchange_participant, exchange_specialty,
    exchange_translation, institution, institution_alias, institution_translation, news_item,
    news_item_translation, photo, photo_person, photo_translation, speaker, speaker_translation,
    specialty, specialty_translation, talk, talk_translation,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use std::collections::HashMap;

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Specialties written.
    pub specialties: usize,
    /// Institutions written.
    pub institutions: usize,
    /// Speakers written.
    pub speakers: usize,
    /// Exchanges written.
    pub exchanges: usize,
    /// Aid shipments written.
    pub aid_shipments: usize,
    /// News items written.
    pub news: usize,
    /// Photos written.
    pub photos: usize,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::counts(&[
            (self.exchanges, "exchange", "exchanges"),
            (self.institutions, "institution", "institutions"),
            (self.speakers, "speaker", "speakers"),
            (self.specialties, "specialty", "specialties"),
            (self.photos, "photo", "photos"),
            (self.aid_shipments, "aid shipment", "aid shipments"),
            (self.news, "news item", "news items"),
        ]))
    }
}

/// Writes `dataset` (already checked by [`super::parse`]) in one transaction.
pub async fn import(
    db: &DatabaseConnection,
    dataset: &Dataset,
    source_name: &str,
) -> Result<ImportSummary, DatasetError> {
    let txn = db.begin().await?;
    let mut writer = Writer {
        txn: &txn,
        source_name,
        slugs: HashMap::new(),
        written: HashMap::new(),
        removed_photos: Vec::new(),
    };
    let summary = writer.write(dataset).await?;
    crate::store::data_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(summary)
}

/// The translation texts of one language, field by field.
fn texts_in(lang: Lang, fields: &[&Localized]) -> Option<Vec<Option<String>>> {
    let key = format::LangKey::from(lang);
    let texts: Vec<Option<String>> = fields.iter().map(|f| f.get(&key).cloned()).collect();
    texts.iter().any(Option::is_some).then_some(texts)
}

/// A name's sort keys (Chinese, Japanese, English readers) from its texts
/// and readings per language.
fn name_sort_keys(name: &Localized, reading: &Localized) -> [String; 3] {
    let texts: Vec<NameText<'_>> = Lang::ALL
        .into_iter()
        .filter_map(|lang| {
            let key = format::LangKey::from(lang);
            let text = name.get(&key)?;
            Some((lang, text.as_str(), reading.get(&key).map(String::as_str)))
        })
        .collect();
    sort_key::name_sort_keys(&texts)
}

/// Which table a slug belongs to, for resolving references.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Institution,
    Specialty,
    Speaker,
}

struct Writer<'a> {
    txn: &'a DatabaseTransaction,
    source_name: &'a str,
    slugs: HashMap<(Kind, String), i32>,
    /// What was written, to reindex for search at the end.
    written: HashMap<DocKind, Vec<i32>>,
    /// Photos deleted because the file no longer names them.
    removed_photos: Vec<i32>,
}

impl Writer<'_> {
    async fn write(&mut self, dataset: &Dataset) -> Result<ImportSummary, DatasetError> {
        let mut summary = ImportSummary::default();
        for item in &dataset.specialties {
            self.specialty(item).await?;
            summary.specialties += 1;
        }
        for item in &dataset.institutions {
            self.institution(item).await?;
            summary.institutions += 1;
        }
        for (i, item) in dataset.speakers.iter().enumerate() {
            self.speaker(item, &format!("speakers[{i}] ({})", item.slug))
                .await?;
            summary.speakers += 1;
        }
        for (i, item) in dataset.exchanges.iter().enumerate() {
            let place = format!("exchanges[{i}] ({})", item.slug);
            summary.photos += self.exchange(item, &place).await?;
            summary.exchanges += 1;
        }
        for (i, item) in dataset.aid_shipments.iter().enumerate() {
            let place = format!("aid_shipments[{i}] ({})", item.slug);
            summary.photos += self.aid_shipment(item, &place).await?;
            summary.aid_shipments += 1;
        }
        for (i, item) in dataset.news.iter().enumerate() {
            let place = format!("news[{i}] ({})", item.slug);
            summary.photos += self.news_item(item, i as i32, &place).await?;
            summary.news += 1;
        }
        search_index::remove(
            self.txn,
            DocKind::Photo,
            &Owners::Ids(std::mem::take(&mut self.removed_photos)),
        )
        .await?;
        for (kind, ids) in std::mem::take(&mut self.written) {
            search_index::reindex(self.txn, kind, Owners::Ids(ids)).await?;
        }
        Ok(summary)
    }

    fn wrote(&mut self, kind: DocKind, id: i32) {
        self.written.entry(kind).or_default().push(id);
    }

    fn invalid(&self, place: String, message: String) -> DatasetError {
        DatasetError::Invalid {
            source_name: self.source_name.to_owned(),
            place,
            message,
        }
    }

    /// The id of a slug defined in this file or already stored.
    async fn resolve(
        &mut self,
        kind: Kind,
        slug: &str,
        place: String,
    ) -> Result<i32, DatasetError> {
        if let Some(id) = self.slugs.get(&(kind, slug.to_owned())) {
            return Ok(*id);
        }
        let stored: Option<i32> = match kind {
            Kind::Institution => {
                id_of::<institution::Entity>(
                    self.txn,
                    institution::Column::Slug,
                    institution::Column::Id,
                    slug,
                )
                .await?
            }
            Kind::Specialty => {
                id_of::<specialty::Entity>(
                    self.txn,
                    specialty::Column::Slug,
                    specialty::Column::Id,
                    slug,
                )
                .await?
            }
            Kind::Speaker => {
                id_of::<speaker::Entity>(self.txn, speaker::Column::Slug, speaker::Column::Id, slug)
                    .await?
            }
        };
        match stored {
            Some(id) => {
                self.slugs.insert((kind, slug.to_owned()), id);
                Ok(id)
            }
            None => Err(self.invalid(
                place,
                format!("no {kind:?} has the slug {slug:?}").to_lowercase(),
            )),
        }
    }

    async fn specialty(&mut self, item: &format::Specialty) -> Result<(), DatasetError> {
        let existing = id_of::<specialty::Entity>(
            self.txn,
            specialty::Column::Slug,
            specialty::Column::Id,
            &item.slug,
        )
        .await?;
        let model = specialty::ActiveModel {
            id: existing.map(Set).unwrap_or(NotSet),
            slug: Set(item.slug.clone()),
        };
        let id = save(self.txn, model, existing.is_some()).await?.id;
        specialty_translation::Entity::delete_many()
            .filter(specialty_translation::Column::SpecialtyId.eq(id))
            .exec(self.txn)
            .await?;
        for lang in Lang::ALL {
            if let Some(texts) = texts_in(lang, &[&item.name]) {
                let row = specialty_translation::ActiveModel {
                    specialty_id: Set(id),
                    lang: Set(lang.code().to_owned()),
                    name: Set(texts[0].clone()),
                };
                row.insert(self.txn).await?;
            }
        }
        self.slugs.insert((Kind::Specialty, item.slug.clone()), id);
        self.wrote(DocKind::Specialty, id);
        Ok(())
    }

    async fn institution(&mut self, item: &format::Institution) -> Result<(), DatasetError> {
        let existing = id_of::<institution::Entity>(
            self.txn,
            institution::Column::Slug,
            institution::Column::Id,
            &item.slug,
        )
        .await?;
        let [sort_zh, sort_ja, sort_en] = name_sort_keys(&item.name, &item.reading);
        let model = institution::ActiveModel {
            id: existing.map(Set).unwrap_or(NotSet),
            slug: Set(item.slug.clone()),
            country: Set(item.country.as_str().to_owned()),
            kind: Set(item.kind.as_str().to_owned()),
            sort_zh: Set(sort_zh),
            sort_ja: Set(sort_ja),
            sort_en: Set(sort_en),
        };
        let id = save(self.txn, model, existing.is_some()).await?.id;
        institution_translation::Entity::delete_many()
            .filter(institution_translation::Column::InstitutionId.eq(id))
            .exec(self.txn)
            .await?;
        for lang in Lang::ALL {
            let fields = [&item.name, &item.region, &item.city, &item.reading];
            if let Some(texts) = texts_in(lang, &fields) {
                let row = institution_translation::ActiveModel {
                    institution_id: Set(id),
                    lang: Set(lang.code().to_owned()),
                    name: Set(texts[0].clone()),
                    region: Set(texts[1].clone()),
                    city: Set(texts[2].clone()),
                    reading: Set(texts[3].clone()),
                };
                row.insert(self.txn).await?;
            }
        }
        institution_alias::Entity::delete_many()
            .filter(institution_alias::Column::InstitutionId.eq(id))
            .exec(self.txn)
            .await?;
        for alias in &item.aliases {
            let row = institution_alias::ActiveModel {
                id: NotSet,
                institution_id: Set(id),
                alias: Set(alias.clone()),
            };
            row.insert(self.txn).await?;
        }
        self.slugs
            .insert((Kind::Institution, item.slug.clone()), id);
        self.wrote(DocKind::Institution, id);
        Ok(())
    }

    async fn speaker(&mut self, item: &format::Speaker, place: &str) -> Result<(), DatasetError> {
        let institution_id = match &item.institution {
            Some(slug) => Some(
                self.resolve(Kind::Institution, slug, format!("{place}.institution"))
                    .await?,
            ),
            None => None,
        };
        let existing = id_of::<speaker::Entity>(
            self.txn,
            speaker::Column::Slug,
            speaker::Column::Id,
            &item.slug,
        )
        .await?;
        let [sort_zh, sort_ja, sort_en] = name_sort_keys(&item.name, &item.reading);
        let model = speaker::ActiveModel {
            id: existing.map(Set).unwrap_or(NotSet),
            slug: Set(item.slug.clone()),
            institution_id: Set(institution_id),
            sort_zh: Set(sort_zh),
            sort_ja: Set(sort_ja),
            sort_en: Set(sort_en),
        };
        let id = save(self.txn, model, existing.is_some()).await?.id;
        speaker_translation::Entity::delete_many()
            .filter(speaker_translation::Column::SpeakerId.eq(id))
            .exec(self.txn)
            .await?;
        for lang in Lang::ALL {
            if let Some(texts) = texts_in(lang, &[&item.name, &item.position, &item.reading]) {
                let row = speaker_translation::ActiveModel {
                    speaker_id: Set(id),
                    lang: Set(lang.code().to_owned()),
                    name: Set(texts[0].clone()),
                    position: Set(texts[1].clone()),
                    reading: Set(texts[2].clone()),
                };
                row.insert(self.txn).await?;
            }
        }
        self.slugs.insert((Kind::Speaker, item.slug.clone()), id);
        self.wrote(DocKind::Speaker, id);
        Ok(())
    }

    async fn exchange(
        &mut self,
        item: &format::Exchange,
        place: &str,
    ) -> Result<usize, DatasetError> {
        let date =
            ReportDate::parse(&item.date).map_err(|e| self.invalid(place.into(), e.to_string()))?;
        let existing = id_of::<exchange::Entity>(
            self.txn,
            exchange::Column::Slug,
            exchange::Column::Id,
            &item.slug,
        )
        .await?;
        let model = exchange::ActiveModel {
            id: existing.map(Set).unwrap_or(NotSet),
            slug: Set(item.slug.clone()),
            date: Set(date.to_string()),
            starts_on: Set(date.first_day()),
            ends_on: Set(date.last_day()),
            year: Set(date.year),
            month: Set(Some(date.month as i32)),
            fiscal_year: Set(date.fiscal_year()),
            format: Set(item.format.as_str().to_owned()),
        };
        let id = save(self.txn, model, existing.is_some()).await?.id;
        exchange_translation::Entity::delete_many()
            .filter(exchange_translation::Column::ExchangeId.eq(id))
            .exec(self.txn)
            .await?;
        for lang in Lang::ALL {
            if let Some(texts) = texts_in(lang, &[&item.title, &item.summary]) {
                let row = exchange_translation::ActiveModel {
                    exchange_id: Set(id),
                    lang: Set(lang.code().to_owned()),
                    title: Set(texts[0].clone()),
                    summary: Set(texts[1].clone()),
                };
                row.insert(self.txn).await?;
            }
        }
        exchange_participant::Entity::delete_many()
            .filter(exchange_participant::Column::ExchangeId.eq(id))
            .exec(self.txn)
            .await?;
        for (position, slug) in item.participants.iter().enumerate() {
            let institution_id = self
                .resolve(
                    Kind::Institution,
                    slug,
                    format!("{place}.participants[{position}]"),
                )
                .await?;
            let row = exchange_participant::ActiveModel {
                exchange_id: Set(id),
                institution_id: Set(institution_id),
                position: Set(position as i32),
            };
            row.insert(self.txn).await?;
        }
        exchange_specialty::Entity::delete_many()
            .filter(exchange_specialty::Column::ExchangeId.eq(id))
            .exec(self.txn)
            .await?;
        for (position, slug) in item.specialties.iter().enumerate() {
            let specialty_id = self
                .resolve(
                    Kind::Specialty,
                    slug,
                    format!("{place}.specialties[{position}]"),
                )
                .await?;
            let row = exchange_specialty::ActiveModel {
                exchange_id: Set(id),
                specialty_id: Set(specialty_id),
                position: Set(position as i32),
            };
            row.insert(self.txn).await?;
        }
        talk::Entity::delete_many()
            .filter(talk::Column::ExchangeId.eq(id))
            .exec(self.txn)
            .await?;
        for (position, item) in item.talks.iter().enumerate() {
            let speaker_id = self
                .resolve(
                    Kind::Speaker,
                    &item.speaker,
                    format!("{place}.talks[{position}].speaker"),
                )
                .await?;
            let row = talk::ActiveModel {
                id: NotSet,
                exchange_id: Set(id),
                speaker_id: Set(speaker_id),
                position: Set(position as i32),
                kind: Set(item.kind.as_str().to_owned()),
            };
            let talk_id = row.insert(self.txn).await?.id;
            for lang in Lang::ALL {
                if let Some(texts) = texts_in(lang, &[&item.title]) {
                    let row = talk_translation::ActiveModel {
                        talk_id: Set(talk_id),
                        lang: Set(lang.code().to_owned()),
                        title: Set(texts[0].clone()),
                    };
                    row.insert(self.txn).await?;
                }
            }
        }
        self.wrote(DocKind::Exchange, id);
        self.photos(Owner::Exchange(id), &item.photos, place).await
    }

    async fn aid_shipment(
        &mut self,
        item: &format::AidShipment,
        place: &str,
    ) -> Result<usize, DatasetError> {
        let date =
            ReportDate::parse(&item.date).map_err(|e| self.invalid(place.into(), e.to_string()))?;
        let existing = id_of::<aid_shipment::Entity>(
            self.txn,
            aid_shipment::Column::Slug,
            aid_shipment::Column::Id,
            &item.slug,
        )
        .await?;
        let model = aid_shipment::ActiveModel {
            id: existing.map(Set).unwrap_or(NotSet),
            slug: Set(item.slug.clone()),
            date: Set(date.to_string()),
            starts_on: Set(date.first_day()),
            year: Set(date.year),
            month: Set(Some(date.month as i32)),
            fiscal_year: Set(date.fiscal_year()),
            direction: Set(item.direction.as_str().to_owned()),
            quantity: Set(item.quantity),
        };
        let id = save(self.txn, model, existing.is_some()).await?.id;
        aid_shipment_translation::Entity::delete_many()
            .filter(aid_shipment_translation::Column::AidShipmentId.eq(id))
            .exec(self.txn)
            .await?;
        for lang in Lang::ALL {
            if let Some(texts) = texts_in(
                lang,
                &[
                    &item.items,
                    &item.sender,
                    &item.recipient,
                    &item.description,
                ],
            ) {
                let row = aid_shipment_translation::ActiveModel {
                    aid_shipment_id: Set(id),
                    lang: Set(lang.code().to_owned()),
                    items: Set(texts[0].clone()),
                    sender: Set(texts[1].clone()),
                    recipient: Set(texts[2].clone()),
                    description: Set(texts[3].clone()),
                };
                row.insert(self.txn).await?;
            }
        }
        self.wrote(DocKind::AidShipment, id);
        self.photos(Owner::AidShipment(id), &item.photos, place)
            .await
    }

    async fn news_item(
        &mut self,
        item: &format::NewsItem,
        position: i32,
        place: &str,
    ) -> Result<usize, DatasetError> {
        let date = item
            .date
            .as_deref()
            .map(ReportDate::parse)
            .transpose()
            .map_err(|e| self.invalid(place.into(), e.to_string()))?;
        let fiscal_year = match (date, item.fiscal_year) {
            (Some(date), _) => date.fiscal_year(),
            (None, Some(fiscal_year)) => fiscal_year,
            (None, None) => {
                return Err(self.invalid(place.into(), "give `date` or `fiscal_year`".into()));
            }
        };
        let existing = id_of::<news_item::Entity>(
            self.txn,
            news_item::Column::Slug,
            news_item::Column::Id,
            &item.slug,
        )
        .await?;
        let model = news_item::ActiveModel {
            id: existing.map(Set).unwrap_or(NotSet),
            slug: Set(item.slug.clone()),
            date: Set(date.map(|d| d.to_string())),
            fiscal_year: Set(fiscal_year),
            position: Set(position),
        };
        let id = save(self.txn, model, existing.is_some()).await?.id;
        news_item_translation::Entity::delete_many()
            .filter(news_item_translation::Column::NewsItemId.eq(id))
            .exec(self.txn)
            .await?;
        for lang in Lang::ALL {
            if let Some(texts) = texts_in(lang, &[&item.title, &item.body]) {
                let row = news_item_translation::ActiveModel {
                    news_item_id: Set(id),
                    lang: Set(lang.code().to_owned()),
                    title: Set(texts[0].clone()),
                    body: Set(texts[1].clone()),
                };
                row.insert(self.txn).await?;
            }
        }
        self.photos(Owner::NewsItem(id), &item.photos, place).await
    }

    /// Replaces the photos of one owner by `photos`: photos named again keep
    /// their ids, photos no longer named are deleted.
    async fn photos(
        &mut self,
        owner: Owner,
        photos: &[Photo],
        place: &str,
    ) -> Result<usize, DatasetError> {
        let owner_filter = match owner {
            Owner::Exchange(id) => photo::Column::ExchangeId.eq(id),
            Owner::AidShipment(id) => photo::Column::AidShipmentId.eq(id),
            Owner::NewsItem(id) => photo::Column::NewsItemId.eq(id),
        };
        let keep: Vec<String> = photos.iter().map(|p| p.slug.clone()).collect();
        let dropped: Vec<i32> = photo::Entity::find()
            .select_only()
            .column(photo::Column::Id)
            .filter(owner_filter)
            .filter(photo::Column::Slug.is_not_in(keep))
            .into_tuple()
            .all(self.txn)
            .await?;
        photo::Entity::delete_many()
            .filter(photo::Column::Id.is_in(dropped.clone()))
            .exec(self.txn)
            .await?;
        self.removed_photos.extend(dropped);
        for (position, item) in photos.iter().enumerate() {
            let place = format!("{place}.photos[{position}] ({})", item.slug);
            let venue = match &item.venue {
                Some(slug) => Some(
                    self.resolve(Kind::Institution, slug, format!("{place}.venue"))
                        .await?,
                ),
                None => None,
            };
            let existing = id_of::<photo::Entity>(
                self.txn,
                photo::Column::Slug,
                photo::Column::Id,
                &item.slug,
            )
            .await?;
            let (exchange_id, aid_shipment_id, news_item_id) = match owner {
                Owner::Exchange(id) => (Some(id), None, None),
                Owner::AidShipment(id) => (None, Some(id), None),
                Owner::NewsItem(id) => (None, None, Some(id)),
            };
            let model = photo::ActiveModel {
                id: existing.map(Set).unwrap_or(NotSet),
                slug: Set(item.slug.clone()),
                exchange_id: Set(exchange_id),
                aid_shipment_id: Set(aid_shipment_id),
                news_item_id: Set(news_item_id),
                venue_institution_id: Set(venue),
                url: Set(item.url.clone()),
                position: Set(position as i32),
            };
            let id = save(self.txn, model, existing.is_some()).await?.id;
            self.wrote(DocKind::Photo, id);
            photo_translation::Entity::delete_many()
                .filter(photo_translation::Column::PhotoId.eq(id))
                .exec(self.txn)
                .await?;
            for lang in Lang::ALL {
                if let Some(texts) = texts_in(lang, &[&item.caption]) {
                    let row = photo_translation::ActiveModel {
                        photo_id: Set(id),
                        lang: Set(lang.code().to_owned()),
                        caption: Set(texts[0].clone()),
                    };
                    row.insert(self.txn).await?;
                }
            }
            photo_person::Entity::delete_many()
                .filter(photo_person::Column::PhotoId.eq(id))
                .exec(self.txn)
                .await?;
            for (j, slug) in item.people.iter().enumerate() {
                let speaker_id = self
                    .resolve(Kind::Speaker, slug, format!("{place}.people[{j}]"))
                    .await?;
                let row = photo_person::ActiveModel {
                    photo_id: Set(id),
                    speaker_id: Set(speaker_id),
                    position: Set(j as i32),
                };
                row.insert(self.txn).await?;
            }
        }
        Ok(photos.len())
    }
}

/// What a photo belongs to.
#[derive(Clone, Copy)]
enum Owner {
    Exchange(i32),
    AidShipment(i32),
    NewsItem(i32),
}

/// The id of the row of `E` with this slug, if any.
async fn id_of<E: EntityTrait>(
    txn: &DatabaseTransaction,
    slug_column: E::Column,
    id_column: E::Column,
    slug: &str,
) -> Result<Option<i32>, sea_orm::DbErr> {
    E::find()
        .select_only()
        .column(id_column)
        .filter(slug_column.eq(slug))
        .into_tuple::<i32>()
        .one(txn)
        .await
}

/// Inserts a new row, or updates the existing one (whose id is set).
async fn save<A>(
    txn: &DatabaseTransaction,
    model: A,
    exists: bool,
) -> Result<<A::Entity as EntityTrait>::Model, sea_orm::DbErr>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    if exists {
        model.update(txn).await
    } else {
        model.insert(txn).await
    }
}
