//! `medexchange export`: the whole database written back in the dataset
//! format, so that importing the export gives the same data.

use super::format::{self, Dataset, LangKey, Localized};
use crate::i18n::{Lang, Translation};
use crate::model::{AidDirection, Country, ExchangeFormat, InstitutionKind, TalkKind};
use entity::{
    aid_shipment, aid_shipment_translation, exchange, exchange_participant, exchange_specialty,
    exchange_translation, institution, institution_alias, institution_translation, news_item,
    news_item_translation, photo, photo_person, photo_translation, speaker, speaker_translation,
    specialty, specialty_translation, talk, talk_translation,
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use std::collections::HashMap;

/// Reads every entity, in id order (children in their stored order).
pub async fn export<C: ConnectionTrait>(db: &C) -> Result<Dataset, DbErr> {
    let specialties = specialty::Entity::find()
        .order_by_asc(specialty::Column::Id)
        .all(db)
        .await?;
    let specialty_texts = by_owner(specialty_translation::Entity::find().all(db).await?, |r| {
        r.specialty_id
    });
    let institutions = institution::Entity::find()
        .order_by_asc(institution::Column::Id)
        .all(db)
        .await?;
    let institution_texts = by_owner(
        institution_translation::Entity::find().all(db).await?,
        |r| r.institution_id,
    );
    let aliases = by_owner(
        institution_alias::Entity::find()
            .order_by_asc(institution_alias::Column::Id)
            .all(db)
            .await?,
        |r| r.institution_id,
    );
    let speakers = speaker::Entity::find()
        .order_by_asc(speaker::Column::Id)
        .all(db)
        .await?;
    let speaker_texts = by_owner(speaker_translation::Entity::find().all(db).await?, |r| {
        r.speaker_id
    });
    let exchanges = exchange::Entity::find()
        .order_by_asc(exchange::Column::Id)
        .all(db)
        .await?;
    let exchange_texts = by_owner(exchange_translation::Entity::find().all(db).await?, |r| {
        r.exchange_id
    });
    let participants = by_owner(
        exchange_participant::Entity::find()
            .order_by_asc(exchange_participant::Column::Position)
            .all(db)
            .await?,
        |r| r.exchange_id,
    );
    let exchange_specialties = by_owner(
        exchange_specialty::Entity::find()
            .order_by_asc(exchange_specialty::Column::Position)
            .all(db)
            .await?,
        |r| r.exchange_id,
    );
    let talks = by_owner(
        talk::Entity::find()
            .order_by_asc(talk::Column::Position)
            .order_by_asc(talk::Column::Id)
            .all(db)
            .await?,
        |r| r.exchange_id,
    );
    let talk_texts = by_owner(talk_translation::Entity::find().all(db).await?, |r| {
        r.talk_id
    });
    let shipments = aid_shipment::Entity::find()
        .order_by_asc(aid_shipment::Column::Id)
        .all(db)
        .await?;
    let shipment_texts = by_owner(
        aid_shipment_translation::Entity::find().all(db).await?,
        |r| r.aid_shipment_id,
    );
    let news = news_item::Entity::find()
        .order_by_asc(news_item::Column::Position)
        .order_by_asc(news_item::Column::Id)
        .all(db)
        .await?;
    let news_texts = by_owner(news_item_translation::Entity::find().all(db).await?, |r| {
        r.news_item_id
    });
    let photos = photo::Entity::find()
        .order_by_asc(photo::Column::Position)
        .order_by_asc(photo::Column::Id)
        .all(db)
        .await?;
    let photo_texts = by_owner(photo_translation::Entity::find().all(db).await?, |r| {
        r.photo_id
    });
    let people = by_owner(
        photo_person::Entity::find()
            .order_by_asc(photo_person::Column::Position)
            .all(db)
            .await?,
        |r| r.photo_id,
    );

    let specialty_slugs: HashMap<i32, String> =
        specialties.iter().map(|r| (r.id, r.slug.clone())).collect();
    let institution_slugs: HashMap<i32, String> = institutions
        .iter()
        .map(|r| (r.id, r.slug.clone()))
        .collect();
    let speaker_slugs: HashMap<i32, String> =
        speakers.iter().map(|r| (r.id, r.slug.clone())).collect();
    let slug_of = |map: &HashMap<i32, String>, id: i32| map.get(&id).cloned().unwrap_or_default();
    let photo_of = |row: &photo::Model| format::Photo {
        slug: row.slug.clone(),
        caption: localized(photo_texts.get(&row.id), |r| r.caption.as_deref()),
        venue: row
            .venue_institution_id
            .map(|id| slug_of(&institution_slugs, id)),
        people: people
            .get(&row.id)
            .into_iter()
            .flatten()
            .map(|p| slug_of(&speaker_slugs, p.speaker_id))
            .collect(),
        url: row.url.clone(),
    };
    let mut exchange_photos: HashMap<i32, Vec<format::Photo>> = HashMap::new();
    let mut shipment_photos: HashMap<i32, Vec<format::Photo>> = HashMap::new();
    let mut news_photos: HashMap<i32, Vec<format::Photo>> = HashMap::new();
    for row in &photos {
        let owner = match (row.exchange_id, row.aid_shipment_id, row.news_item_id) {
            (Some(id), _, _) => exchange_photos.entry(id),
            (_, Some(id), _) => shipment_photos.entry(id),
            (_, _, Some(id)) => news_photos.entry(id),
            _ => continue,
        };
        owner.or_default().push(photo_of(row));
    }

    Ok(Dataset {
        specialties: specialties
            .iter()
            .map(|row| format::Specialty {
                slug: row.slug.clone(),
                name: localized(specialty_texts.get(&row.id), |r| r.name.as_deref()),
            })
            .collect(),
        institutions: institutions
            .iter()
            .map(|row| {
                let texts = institution_texts.get(&row.id);
                format::Institution {
                    slug: row.slug.clone(),
                    country: Country::parse(&row.country).unwrap_or(Country::Cn),
                    kind: InstitutionKind::parse(&row.kind).unwrap_or(InstitutionKind::Other),
                    name: localized(texts, |r| r.name.as_deref()),
                    region: localized(texts, |r| r.region.as_deref()),
                    city: localized(texts, |r| r.city.as_deref()),
                    aliases: aliases
                        .get(&row.id)
                        .into_iter()
                        .flatten()
                        .map(|a| a.alias.clone())
                        .collect(),
                }
            })
            .collect(),
        speakers: speakers
            .iter()
            .map(|row| {
                let texts = speaker_texts.get(&row.id);
                format::Speaker {
                    slug: row.slug.clone(),
                    institution: row.institution_id.map(|id| slug_of(&institution_slugs, id)),
                    name: localized(texts, |r| r.name.as_deref()),
                    position: localized(texts, |r| r.position.as_deref()),
                }
            })
            .collect(),
        exchanges: exchanges
            .iter()
            .map(|row| {
                let texts = exchange_texts.get(&row.id);
                format::Exchange {
                    slug: row.slug.clone(),
                    date: row.date.clone(),
                    format: ExchangeFormat::parse(&row.format).unwrap_or(ExchangeFormat::Online),
                    title: localized(texts, |r| r.title.as_deref()),
                    summary: localized(texts, |r| r.summary.as_deref()),
                    specialties: exchange_specialties
                        .get(&row.id)
                        .into_iter()
                        .flatten()
                        .map(|s| slug_of(&specialty_slugs, s.specialty_id))
                        .collect(),
                    participants: participants
                        .get(&row.id)
                        .into_iter()
                        .flatten()
                        .map(|p| slug_of(&institution_slugs, p.institution_id))
                        .collect(),
                    talks: talks
                        .get(&row.id)
                        .into_iter()
                        .flatten()
                        .map(|t| format::Talk {
                            speaker: slug_of(&speaker_slugs, t.speaker_id),
                            kind: TalkKind::parse(&t.kind).unwrap_or(TalkKind::Lecture),
                            title: localized(talk_texts.get(&t.id), |r| r.title.as_deref()),
                        })
                        .collect(),
                    photos: exchange_photos.remove(&row.id).unwrap_or_default(),
                }
            })
            .collect(),
        aid_shipments: shipments
            .iter()
            .map(|row| {
                let texts = shipment_texts.get(&row.id);
                format::AidShipment {
                    slug: row.slug.clone(),
                    date: row.date.clone(),
                    direction: AidDirection::parse(&row.direction).unwrap_or(AidDirection::JpToCn),
                    items: localized(texts, |r| r.items.as_deref()),
                    quantity: row.quantity,
                    sender: localized(texts, |r| r.sender.as_deref()),
                    recipient: localized(texts, |r| r.recipient.as_deref()),
                    description: localized(texts, |r| r.description.as_deref()),
                    photos: shipment_photos.remove(&row.id).unwrap_or_default(),
                }
            })
            .collect(),
        news: news
            .iter()
            .map(|row| {
                let texts = news_texts.get(&row.id);
                format::NewsItem {
                    slug: row.slug.clone(),
                    date: row.date.clone(),
                    fiscal_year: row.date.is_none().then_some(row.fiscal_year),
                    title: localized(texts, |r| r.title.as_deref()),
                    body: localized(texts, |r| r.body.as_deref()),
                    photos: news_photos.remove(&row.id).unwrap_or_default(),
                }
            })
            .collect(),
    })
}

/// The dataset as YAML, with a header saying where it came from.
pub fn to_yaml(dataset: &Dataset) -> Result<String, serde_yaml_ng::Error> {
    let body = serde_yaml_ng::to_string(dataset)?;
    Ok(format!(
        "# Exported by medexchange {}; `medexchange import` reads it back.\n{body}",
        env!("CARGO_PKG_VERSION")
    ))
}

fn by_owner<T>(rows: Vec<T>, owner: impl Fn(&T) -> i32) -> HashMap<i32, Vec<T>> {
    crate::store::batch::group_by(rows, owner)
}

fn localized<T: Translation>(
    rows: Option<&Vec<T>>,
    field: impl Fn(&T) -> Option<&str>,
) -> Localized {
    rows.into_iter()
        .flatten()
        .filter_map(|row| {
            let lang: Lang = row.lang_code().parse().ok()?;
            Some((LangKey::from(lang), field(row)?.to_owned()))
        })
        .collect()
}
