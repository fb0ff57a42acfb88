//! The one write path of import and the mutations: a record in the
//! dataset's shape written inside a transaction, with its rows, its search
//! documents and its history. `medexchange import` writes a whole file
//! through it ([`crate::dataset::import`]); the mutations write one record
//! at a time ([`crate::edit::Editor`]).

use super::DatabaseTransaction;
use super::history::{self, Action, Provenance, RecordType, State};
use super::records::{self, PhotoOwner};
use super::search_index::{self, DocKind, Owners};
use crate::dataset::DatasetError;
use crate::dataset::import::ImportSummary;
use crate::domain::record::{self, Dataset, Localized, Photo};
use crate::domain::vocabulary::ReportDate;
use crate::i18n::Lang;
use crate::i18n::sort_key::{self, NameText};
use entity::{
    aid_shipment, aid_shipment_translation, exchange, exchange_participant, exchange_specialty,
    exchange_translation, institution, institution_alias, institution_translation, news_item,
    news_item_translation, photo, photo_person, photo_translation, speaker, speaker_translation,
    specialty, specialty_translation, talk, talk_translation,
};
use std::collections::HashMap;

/// The translation texts of one language, field by field.
fn texts_in(lang: Lang, fields: &[&Localized]) -> Option<Vec<Option<String>>> {
    let key = record::LangKey::from(lang);
    let texts: Vec<Option<String>> = fields.iter().map(|f| f.get(&key).cloned()).collect();
    texts.iter().any(Option::is_some).then_some(texts)
}

/// A name's sort keys (Chinese, Japanese, English readers) from its texts
/// and readings per language.
fn name_sort_keys(name: &Localized, reading: &Localized) -> [String; 3] {
    let texts: Vec<NameText<'_>> = Lang::ALL
        .into_iter()
        .filter_map(|lang| {
            let key = record::LangKey::from(lang);
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

/// Writes records in the dataset format inside a transaction, with their
/// search documents and history: the one write path of import and the
/// mutations.
pub struct Writer<'a> {
    txn: &'a DatabaseTransaction,
    /// The file written from (`import`), or the writer's token name.
    source_name: &'a str,
    /// Who history names.
    actor: String,
    /// How history says the records were written.
    action: Action,
    slugs: HashMap<(Kind, String), i32>,
    /// What was written, to reindex for search at the end.
    written: HashMap<DocKind, Vec<i32>>,
    /// Photos deleted because the file no longer names them.
    removed_photos: Vec<i32>,
    /// States read before this write by the caller (see [`Writer::read_before`]).
    known_before: HashMap<(RecordType, String), State>,
}

impl<'a> Writer<'a> {
    /// A writer in `txn`, from `source_name`, recording `action` by `actor`.
    pub fn new(
        txn: &'a DatabaseTransaction,
        source_name: &'a str,
        actor: String,
        action: Action,
    ) -> Self {
        Writer {
            txn,
            source_name,
            actor,
            action,
            slugs: HashMap::new(),
            written: HashMap::new(),
            removed_photos: Vec::new(),
            known_before: HashMap::new(),
        }
    }

    /// Tells the writer the state of the record now written under `slug`
    /// as it was before the caller changed it (its slug), so history
    /// records the whole change as one.
    pub fn read_before(&mut self, kind: RecordType, slug: &str, state: State) {
        self.known_before.insert((kind, slug.to_owned()), state);
    }

    pub(crate) async fn write(&mut self, dataset: &Dataset) -> Result<ImportSummary, DatasetError> {
        let mut summary = ImportSummary::default();
        for (i, item) in dataset.specialties.iter().enumerate() {
            self.specialty(item, &format!("specialties[{i}] ({})", item.slug))
                .await?;
            summary.specialties += 1;
        }
        for (i, item) in dataset.institutions.iter().enumerate() {
            self.institution(item, &format!("institutions[{i}] ({})", item.slug))
                .await?;
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
        self.finish().await?;
        Ok(summary)
    }

    /// Brings the search index in step with what was written.
    pub async fn finish(&mut self) -> Result<(), DatasetError> {
        search_index::remove(
            self.txn,
            DocKind::Photo,
            &Owners::Ids(std::mem::take(&mut self.removed_photos)),
        )
        .await?;
        for (kind, ids) in std::mem::take(&mut self.written) {
            search_index::reindex(self.txn, kind, Owners::Ids(ids)).await?;
        }
        Ok(())
    }

    /// The state of the record of `E` with `slug` before this import
    /// writes it; `None` when it is new.
    async fn before<E: records::Slugged>(
        &mut self,
        kind: RecordType,
        slug: &str,
    ) -> Result<Option<State>, DatasetError> {
        if let Some(state) = self.known_before.remove(&(kind, slug.to_owned())) {
            return Ok(Some(state));
        }
        match records::id_by_slug::<E, _>(self.txn, slug).await? {
            Some(id) => Ok(Some(history::state(self.txn, (kind, id)).await?)),
            None => Ok(None),
        }
    }

    /// Records the import's write of `record` (nothing when it changed
    /// nothing), with the file and the place in it as provenance.
    async fn record(
        &self,
        record: (RecordType, i32),
        before: Option<State>,
        place: &str,
    ) -> Result<(), DatasetError> {
        let provenance = Provenance {
            actor: self.actor.clone(),
            action: self.action,
            source: (self.action == Action::Import)
                .then(|| format!("{}: {place}", self.source_name)),
        };
        history::record(self.txn, record, before, &provenance).await?;
        Ok(())
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

    /// The id of the record a slug names (defined in this file or stored
    /// before), unless an editor deleted it: a live record never refers to
    /// a deleted one.
    async fn resolve(
        &mut self,
        kind: Kind,
        slug: &str,
        place: String,
    ) -> Result<i32, DatasetError> {
        if let Some(id) = self.slugs.get(&(kind, slug.to_owned())) {
            return Ok(*id);
        }
        let record_type = match kind {
            Kind::Institution => RecordType::Institution,
            Kind::Specialty => RecordType::Specialty,
            Kind::Speaker => RecordType::Speaker,
        };
        let slugs = [slug.to_owned()];
        let live = records::live_ids(self.txn, record_type, &slugs).await?;
        match live.get(slug) {
            Some(id) => {
                self.slugs.insert((kind, slug.to_owned()), *id);
                Ok(*id)
            }
            None => {
                let deleted = records::slug_taken_in(self.txn, record_type, slug).await?;
                let message = match deleted {
                    true => format!("the {kind:?} {slug:?} was deleted: restore it first"),
                    false => format!("no {kind:?} has the slug {slug:?}"),
                };
                Err(self.invalid(place, message.to_lowercase()))
            }
        }
    }

    pub async fn specialty(
        &mut self,
        item: &record::Specialty,
        place: &str,
    ) -> Result<(), DatasetError> {
        let before = self
            .before::<specialty::Entity>(RecordType::Specialty, &item.slug)
            .await?;
        let row = specialty::Model {
            version: 1,
            deleted_at: None,
            id: 0,
            slug: item.slug.clone(),
        };
        let id = records::upsert(self.txn, row, &item.slug).await?;
        let texts = translations(&[&item.name], |lang, texts| specialty_translation::Model {
            specialty_id: id,
            lang: lang.code().to_owned(),
            name: texts[0].clone(),
        });
        records::replace_children(
            self.txn,
            specialty_translation::Column::SpecialtyId,
            id,
            texts,
        )
        .await?;
        self.wrote(DocKind::Specialty, id);
        self.record((RecordType::Specialty, id), before, place)
            .await
    }

    pub async fn institution(
        &mut self,
        item: &record::Institution,
        place: &str,
    ) -> Result<(), DatasetError> {
        let before = self
            .before::<institution::Entity>(RecordType::Institution, &item.slug)
            .await?;
        let [sort_zh, sort_ja, sort_en] = name_sort_keys(&item.name, &item.reading);
        let row = institution::Model {
            version: 1,
            deleted_at: None,
            id: 0,
            slug: item.slug.clone(),
            country: item.country.as_str().to_owned(),
            kind: item.kind.as_str().to_owned(),
            sort_zh,
            sort_ja,
            sort_en,
        };
        let id = records::upsert(self.txn, row, &item.slug).await?;
        let fields = [&item.name, &item.region, &item.city, &item.reading];
        let texts = translations(&fields, |lang, texts| institution_translation::Model {
            institution_id: id,
            lang: lang.code().to_owned(),
            name: texts[0].clone(),
            region: texts[1].clone(),
            city: texts[2].clone(),
            reading: texts[3].clone(),
        });
        use institution_alias::Column as Alias;
        use institution_translation::Column as Text;
        records::replace_children(self.txn, Text::InstitutionId, id, texts).await?;
        let aliases = item.aliases.iter().map(|alias| institution_alias::Model {
            id: 0,
            institution_id: id,
            alias: alias.clone(),
        });
        // Alias ids are new each time, chosen by the database.
        records::delete_children(self.txn, Alias::InstitutionId, id).await?;
        for alias in aliases {
            records::insert_new(self.txn, alias, Alias::Id).await?;
        }
        self.wrote(DocKind::Institution, id);
        self.record((RecordType::Institution, id), before, place)
            .await
    }

    pub async fn speaker(
        &mut self,
        item: &record::Speaker,
        place: &str,
    ) -> Result<(), DatasetError> {
        let institution_id = match &item.institution {
            Some(slug) => Some(
                self.resolve(Kind::Institution, slug, format!("{place}.institution"))
                    .await?,
            ),
            None => None,
        };
        let before = self
            .before::<speaker::Entity>(RecordType::Speaker, &item.slug)
            .await?;
        let [sort_zh, sort_ja, sort_en] = name_sort_keys(&item.name, &item.reading);
        let row = speaker::Model {
            version: 1,
            deleted_at: None,
            id: 0,
            slug: item.slug.clone(),
            institution_id,
            sort_zh,
            sort_ja,
            sort_en,
        };
        let id = records::upsert(self.txn, row, &item.slug).await?;
        let fields = [&item.name, &item.position, &item.reading];
        let texts = translations(&fields, |lang, texts| speaker_translation::Model {
            speaker_id: id,
            lang: lang.code().to_owned(),
            name: texts[0].clone(),
            position: texts[1].clone(),
            reading: texts[2].clone(),
        });
        records::replace_children(self.txn, speaker_translation::Column::SpeakerId, id, texts)
            .await?;
        self.wrote(DocKind::Speaker, id);
        self.record((RecordType::Speaker, id), before, place).await
    }

    pub async fn exchange(
        &mut self,
        item: &record::Exchange,
        place: &str,
    ) -> Result<usize, DatasetError> {
        let date =
            ReportDate::parse(&item.date).map_err(|e| self.invalid(place.into(), e.to_string()))?;
        let before = self
            .before::<exchange::Entity>(RecordType::Exchange, &item.slug)
            .await?;
        let row = exchange::Model {
            version: 1,
            deleted_at: None,
            id: 0,
            slug: item.slug.clone(),
            date: date.to_string(),
            starts_on: date.first_day(),
            ends_on: date.last_day(),
            year: date.year,
            month: Some(date.month as i32),
            fiscal_year: date.fiscal_year(),
            format: item.format.as_str().to_owned(),
        };
        let id = records::upsert(self.txn, row, &item.slug).await?;
        let texts = translations(&[&item.title, &item.summary], |lang, texts| {
            exchange_translation::Model {
                exchange_id: id,
                lang: lang.code().to_owned(),
                title: texts[0].clone(),
                summary: texts[1].clone(),
            }
        });
        records::replace_children(
            self.txn,
            exchange_translation::Column::ExchangeId,
            id,
            texts,
        )
        .await?;
        self.participants_and_specialties(id, item, place).await?;
        self.talks(id, &item.talks, place).await?;
        self.wrote(DocKind::Exchange, id);
        self.record((RecordType::Exchange, id), before, place)
            .await?;
        self.photos(PhotoOwner::Exchange(id), &item.photos, place)
            .await
    }

    /// Replaces an exchange's participants and specialties, in the file's order.
    async fn participants_and_specialties(
        &mut self,
        id: i32,
        item: &record::Exchange,
        place: &str,
    ) -> Result<(), DatasetError> {
        let mut participants = Vec::new();
        for (position, slug) in item.participants.iter().enumerate() {
            let at = format!("{place}.participants[{position}]");
            participants.push(exchange_participant::Model {
                exchange_id: id,
                institution_id: self.resolve(Kind::Institution, slug, at).await?,
                position: position as i32,
            });
        }
        use exchange_participant::Column as Participant;
        records::replace_children(self.txn, Participant::ExchangeId, id, participants).await?;
        let mut specialties = Vec::new();
        for (position, slug) in item.specialties.iter().enumerate() {
            let at = format!("{place}.specialties[{position}]");
            specialties.push(exchange_specialty::Model {
                exchange_id: id,
                specialty_id: self.resolve(Kind::Specialty, slug, at).await?,
                position: position as i32,
            });
        }
        use exchange_specialty::Column as Covered;
        records::replace_children(self.txn, Covered::ExchangeId, id, specialties).await?;
        Ok(())
    }

    /// Replaces an exchange's talks (new ids) and their titles.
    async fn talks(
        &mut self,
        id: i32,
        talks: &[record::Talk],
        place: &str,
    ) -> Result<(), DatasetError> {
        records::delete_children(self.txn, talk::Column::ExchangeId, id).await?;
        for (position, item) in talks.iter().enumerate() {
            let at = format!("{place}.talks[{position}].speaker");
            let row = talk::Model {
                id: 0,
                exchange_id: id,
                speaker_id: self.resolve(Kind::Speaker, &item.speaker, at).await?,
                position: position as i32,
                kind: item.kind.as_str().to_owned(),
            };
            let talk_id = records::insert_new(self.txn, row, talk::Column::Id).await?;
            let texts = translations(&[&item.title], |lang, texts| talk_translation::Model {
                talk_id,
                lang: lang.code().to_owned(),
                title: texts[0].clone(),
            });
            records::replace_children(self.txn, talk_translation::Column::TalkId, talk_id, texts)
                .await?;
        }
        Ok(())
    }

    pub async fn aid_shipment(
        &mut self,
        item: &record::AidShipment,
        place: &str,
    ) -> Result<usize, DatasetError> {
        let date =
            ReportDate::parse(&item.date).map_err(|e| self.invalid(place.into(), e.to_string()))?;
        let before = self
            .before::<aid_shipment::Entity>(RecordType::AidShipment, &item.slug)
            .await?;
        let row = aid_shipment::Model {
            version: 1,
            deleted_at: None,
            id: 0,
            slug: item.slug.clone(),
            date: date.to_string(),
            starts_on: date.first_day(),
            year: date.year,
            month: Some(date.month as i32),
            fiscal_year: date.fiscal_year(),
            direction: item.direction.as_str().to_owned(),
            quantity: item.quantity,
        };
        let id = records::upsert(self.txn, row, &item.slug).await?;
        let fields = [
            &item.items,
            &item.sender,
            &item.recipient,
            &item.description,
        ];
        let texts = translations(&fields, |lang, texts| aid_shipment_translation::Model {
            aid_shipment_id: id,
            lang: lang.code().to_owned(),
            items: texts[0].clone(),
            sender: texts[1].clone(),
            recipient: texts[2].clone(),
            description: texts[3].clone(),
        });
        use aid_shipment_translation::Column as Text;
        records::replace_children(self.txn, Text::AidShipmentId, id, texts).await?;
        self.wrote(DocKind::AidShipment, id);
        self.record((RecordType::AidShipment, id), before, place)
            .await?;
        self.photos(PhotoOwner::AidShipment(id), &item.photos, place)
            .await
    }

    pub async fn news_item(
        &mut self,
        item: &record::NewsItem,
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
        let before = self
            .before::<news_item::Entity>(RecordType::NewsItem, &item.slug)
            .await?;
        let row = news_item::Model {
            version: 1,
            deleted_at: None,
            id: 0,
            slug: item.slug.clone(),
            date: date.map(|d| d.to_string()),
            fiscal_year,
            position,
        };
        let id = records::upsert(self.txn, row, &item.slug).await?;
        let texts = translations(&[&item.title, &item.body], |lang, texts| {
            news_item_translation::Model {
                news_item_id: id,
                lang: lang.code().to_owned(),
                title: texts[0].clone(),
                body: texts[1].clone(),
            }
        });
        use news_item_translation::Column as Text;
        records::replace_children(self.txn, Text::NewsItemId, id, texts).await?;
        self.record((RecordType::NewsItem, id), before, place)
            .await?;
        self.photos(PhotoOwner::NewsItem(id), &item.photos, place)
            .await
    }

    /// Replaces the photos of one owner by `photos`: photos named again keep
    /// their ids, photos no longer named are deleted.
    async fn photos(
        &mut self,
        owner: PhotoOwner,
        photos: &[Photo],
        place: &str,
    ) -> Result<usize, DatasetError> {
        let keep: Vec<String> = photos.iter().map(|p| p.slug.clone()).collect();
        let dropped = records::delete_photos_except(self.txn, owner, &keep).await?;
        self.removed_photos.extend(dropped);
        for (position, item) in photos.iter().enumerate() {
            let place = format!("{place}.photos[{position}] ({})", item.slug);
            self.photo(owner, position, item, &place).await?;
        }
        Ok(photos.len())
    }

    /// One photo of `owner`, at `position`: upserted by slug, with its
    /// captions and the people shown.
    pub async fn photo(
        &mut self,
        owner: PhotoOwner,
        position: usize,
        item: &Photo,
        place: &str,
    ) -> Result<(), DatasetError> {
        let venue = match &item.venue {
            Some(slug) => Some(
                self.resolve(Kind::Institution, slug, format!("{place}.venue"))
                    .await?,
            ),
            None => None,
        };
        let image_hash = self.stored_image(item, place).await?;
        let before = self
            .before::<photo::Entity>(RecordType::Photo, &item.slug)
            .await?;
        let (exchange_id, aid_shipment_id, news_item_id) = owner.columns();
        let row = photo::Model {
            version: 1,
            deleted_at: None,
            id: 0,
            slug: item.slug.clone(),
            exchange_id,
            aid_shipment_id,
            news_item_id,
            venue_institution_id: venue,
            url: item.url.clone(),
            image_hash,
            credit: item.credit.clone(),
            copyright: item.copyright.clone(),
            position: position as i32,
        };
        let id = records::upsert(self.txn, row, &item.slug).await?;
        self.wrote(DocKind::Photo, id);
        let texts = translations(&[&item.caption], |lang, texts| photo_translation::Model {
            photo_id: id,
            lang: lang.code().to_owned(),
            caption: texts[0].clone(),
        });
        records::replace_children(self.txn, photo_translation::Column::PhotoId, id, texts).await?;
        let mut people = Vec::new();
        for (j, slug) in item.people.iter().enumerate() {
            let at = format!("{place}.people[{j}]");
            people.push(photo_person::Model {
                photo_id: id,
                speaker_id: self.resolve(Kind::Speaker, slug, at).await?,
                position: j as i32,
            });
        }
        records::replace_children(self.txn, photo_person::Column::PhotoId, id, people).await?;
        self.record((RecordType::Photo, id), before, place).await
    }
}

/// One translation row per language that has any of `fields`.
fn translations<M>(fields: &[&Localized], row: impl Fn(Lang, Vec<Option<String>>) -> M) -> Vec<M> {
    Lang::ALL
        .into_iter()
        .filter_map(|lang| texts_in(lang, fields).map(|texts| row(lang, texts)))
        .collect()
}

impl Writer<'_> {
    /// The hash of the stored image a photo names (`sha256:HEX`): a file
    /// path must have been stored first (`medexchange import` does), and
    /// the image must be known.
    async fn stored_image(
        &self,
        item: &Photo,
        place: &str,
    ) -> Result<Option<String>, DatasetError> {
        let Some(image) = &item.image else {
            return Ok(None);
        };
        let invalid = |message: String| DatasetError::Invalid {
            source_name: self.source_name.to_owned(),
            place: format!("{place}.image"),
            message,
        };
        let Some(hash) = image
            .strip_prefix("sha256:")
            .filter(|h| crate::media::is_hash(h))
        else {
            return Err(invalid(format!(
                "{image:?} is a file that was not read: import the dataset file with `medexchange import`, which stores it"
            )));
        };
        let known = crate::store::images::by_hash(self.txn, &[hash.to_owned()]).await?;
        match known.contains_key(hash) {
            true => Ok(Some(hash.to_owned())),
            false => Err(invalid(format!("no image with the hash {hash} is stored"))),
        }
    }
}
