//! The rules a dataset must keep before anything is written. Each failure
//! names its place in the file.

use super::format::{Dataset, Localized, NewsItem, Photo};
use crate::model::ReportDate;
use std::collections::HashSet;

/// A rule broken: where, and what.
pub type Failure = (String, String);

/// Checks every rule that needs no database (references to slugs not in
/// the file are checked against the database on import).
pub fn check(dataset: &Dataset) -> Result<(), Failure> {
    let mut photo_slugs = HashSet::new();
    let mut seen = HashSet::new();
    for (i, specialty) in dataset.specialties.iter().enumerate() {
        let place = format!("specialties[{i}]");
        slug(&place, &specialty.slug, &mut seen)?;
        required(&place, "name", &specialty.name)?;
    }
    seen.clear();
    for (i, institution) in dataset.institutions.iter().enumerate() {
        let place = format!("institutions[{i}] ({})", institution.slug);
        slug(&place, &institution.slug, &mut seen)?;
        required(&place, "name", &institution.name)?;
        optional(&place, "region", &institution.region)?;
        optional(&place, "city", &institution.city)?;
        for (field, texts) in [("region", &institution.region), ("city", &institution.city)] {
            if let Some(lang) = texts
                .keys()
                .find(|lang| !institution.name.contains_key(lang))
            {
                return Err((
                    place,
                    format!("`{field}` has a {lang:?} text but `name` has none in that language"),
                ));
            }
        }
        let mut aliases = HashSet::new();
        for (j, alias) in institution.aliases.iter().enumerate() {
            if alias.trim().is_empty() || !aliases.insert(alias) {
                return Err((
                    format!("{place}.aliases[{j}]"),
                    "aliases must be non-empty and distinct".into(),
                ));
            }
        }
    }
    seen.clear();
    for (i, speaker) in dataset.speakers.iter().enumerate() {
        let place = format!("speakers[{i}] ({})", speaker.slug);
        slug(&place, &speaker.slug, &mut seen)?;
        required(&place, "name", &speaker.name)?;
        optional(&place, "position", &speaker.position)?;
    }
    seen.clear();
    for (i, exchange) in dataset.exchanges.iter().enumerate() {
        let place = format!("exchanges[{i}] ({})", exchange.slug);
        slug(&place, &exchange.slug, &mut seen)?;
        date(&place, &exchange.date)?;
        required(&place, "title", &exchange.title)?;
        optional(&place, "summary", &exchange.summary)?;
        if exchange.participants.is_empty() {
            return Err((
                place,
                "`participants` must name at least one institution".into(),
            ));
        }
        distinct(&place, "participants", &exchange.participants)?;
        distinct(&place, "specialties", &exchange.specialties)?;
        for (j, talk) in exchange.talks.iter().enumerate() {
            optional(&format!("{place}.talks[{j}]"), "title", &talk.title)?;
        }
        photos(&place, &exchange.photos, &mut photo_slugs)?;
    }
    seen.clear();
    for (i, shipment) in dataset.aid_shipments.iter().enumerate() {
        let place = format!("aid_shipments[{i}] ({})", shipment.slug);
        slug(&place, &shipment.slug, &mut seen)?;
        date(&place, &shipment.date)?;
        required(&place, "items", &shipment.items)?;
        required(&place, "sender", &shipment.sender)?;
        required(&place, "recipient", &shipment.recipient)?;
        optional(&place, "description", &shipment.description)?;
        if shipment.quantity.is_some_and(|q| q < 0) {
            return Err((place, "`quantity` must not be negative".into()));
        }
        photos(&place, &shipment.photos, &mut photo_slugs)?;
    }
    seen.clear();
    for (i, item) in dataset.news.iter().enumerate() {
        let place = format!("news[{i}] ({})", item.slug);
        news_item(&place, item, &mut seen)?;
        photos(&place, &item.photos, &mut photo_slugs)?;
    }
    Ok(())
}

fn news_item(place: &str, item: &NewsItem, seen: &mut HashSet<String>) -> Result<(), Failure> {
    slug(place, &item.slug, seen)?;
    required(place, "title", &item.title)?;
    optional(place, "body", &item.body)?;
    match (&item.date, item.fiscal_year) {
        (Some(text), fiscal_year) => {
            let parsed = date(place, text)?;
            if fiscal_year.is_some_and(|fy| fy != parsed.fiscal_year()) {
                return Err((
                    place.into(),
                    format!("`fiscal_year` disagrees with `date` {text}"),
                ));
            }
        }
        (None, None) => return Err((place.into(), "give `date` or `fiscal_year`".into())),
        (None, Some(_)) => {}
    }
    Ok(())
}

fn photos(place: &str, photos: &[Photo], seen: &mut HashSet<String>) -> Result<(), Failure> {
    for (j, photo) in photos.iter().enumerate() {
        let place = format!("{place}.photos[{j}] ({})", photo.slug);
        slug(&place, &photo.slug, seen)?;
        required(&place, "caption", &photo.caption)?;
        distinct(&place, "people", &photo.people)?;
    }
    Ok(())
}

fn slug(place: &str, slug: &str, seen: &mut HashSet<String>) -> Result<(), Failure> {
    let well_formed = !slug.is_empty()
        && slug.len() <= 200
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !well_formed {
        return Err((
            place.into(),
            format!("slug {slug:?} must be lowercase letters, digits and inner hyphens"),
        ));
    }
    if !seen.insert(slug.to_owned()) {
        return Err((place.into(), format!("slug {slug:?} is used twice")));
    }
    Ok(())
}

fn required(place: &str, field: &str, texts: &Localized) -> Result<(), Failure> {
    if texts.is_empty() {
        return Err((
            place.into(),
            format!("`{field}` needs a text in at least one language"),
        ));
    }
    optional(place, field, texts)
}

fn optional(place: &str, field: &str, texts: &Localized) -> Result<(), Failure> {
    match texts.iter().find(|(_, text)| text.trim().is_empty()) {
        Some((lang, _)) => Err((place.into(), format!("`{field}.{lang:?}` is empty"))),
        None => Ok(()),
    }
}

fn date(place: &str, text: &str) -> Result<ReportDate, Failure> {
    ReportDate::parse(text).map_err(|error| (place.into(), error.to_string()))
}

fn distinct(place: &str, field: &str, slugs: &[String]) -> Result<(), Failure> {
    let mut seen = HashSet::new();
    match slugs.iter().position(|slug| !seen.insert(slug)) {
        Some(j) => Err((
            format!("{place}.{field}[{j}]"),
            format!("{:?} is listed twice", slugs[j]),
        )),
        None => Ok(()),
    }
}
