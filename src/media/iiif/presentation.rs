//! IIIF Presentation API 3.0: a manifest per exchange, aid shipment and
//! news item (a canvas per photo with an image, labels and captions as
//! language maps in zh, ja and en, the photo's credit and copyright as its
//! `requiredStatement`), and a collection per fiscal year.
//!
//! A record whose photos have no image yet has no manifest (404): the
//! Presentation API asks a manifest for at least one canvas.

use crate::dataset::export;
use crate::domain::record::{Dataset, Localized, Photo};
use crate::i18n::Lang;
use crate::media::{Media, MediaError, pixels};
use crate::store::history::RecordType;
use crate::store::images;
use crate::store::rows::image as image_row;
use crate::store::snapshot::Rows;
use serde_json::{Value, json};

/// The kinds of record a manifest describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Described {
    Exchange,
    AidShipment,
    NewsItem,
}

impl Described {
    /// Its segment in manifest URLs.
    pub fn segment(self) -> &'static str {
        match self {
            Described::Exchange => "exchange",
            Described::AidShipment => "aid-shipment",
            Described::NewsItem => "news",
        }
    }

    /// The kind a URL segment names.
    pub fn of_segment(segment: &str) -> Option<Described> {
        [
            Described::Exchange,
            Described::AidShipment,
            Described::NewsItem,
        ]
        .into_iter()
        .find(|kind| kind.segment() == segment)
    }

    fn record_type(self) -> RecordType {
        match self {
            Described::Exchange => RecordType::Exchange,
            Described::AidShipment => RecordType::AidShipment,
            Described::NewsItem => RecordType::NewsItem,
        }
    }
}

/// The path of a record's manifest.
pub fn manifest_path(kind: Described, slug: &str) -> String {
    format!("/iiif/manifest/{}/{slug}", kind.segment())
}

/// The path of an image's IIIF Image API service.
pub fn image_service_path(hash: &str) -> String {
    format!("/iiif/3/{hash}")
}

/// The path of a fiscal year's collection.
pub fn collection_path(fiscal_year: i32) -> String {
    format!("/iiif/collection/fy{fiscal_year}")
}

/// What a manifest is made of: the record's texts and its photos that have
/// images.
struct Contents {
    label: Localized,
    summary: Localized,
    date: Option<String>,
    photos: Vec<Photo>,
}

impl Media {
    /// The manifest of the live record `slug` of `kind`, with URLs under
    /// `base` (the service's origin); `None` when there is no such record
    /// or none of its photos has an image.
    pub async fn manifest(
        &self,
        kind: Described,
        slug: &str,
        base: &str,
    ) -> Result<Option<Value>, MediaError> {
        let Some(record) = self.described(kind, slug).await? else {
            return Ok(None);
        };
        let hashes: Vec<String> = record.photos.iter().filter_map(image_hash).collect();
        let stored = images::by_hash(&self.db, &hashes).await?;
        let id = format!("{base}{}", manifest_path(kind, slug));
        let canvases: Vec<Value> = record
            .photos
            .iter()
            .filter_map(|photo| {
                let row = stored.get(&image_hash(photo)?)?;
                Some(canvas(&id, photo, row, base))
            })
            .collect();
        if canvases.is_empty() {
            return Ok(None);
        }
        let mut manifest = json!({
            "@context": "http://iiif.io/api/presentation/3/context.json",
            "id": id,
            "type": "Manifest",
            "label": language_map(&record.label),
            "items": canvases,
        });
        if !record.summary.is_empty() {
            manifest["summary"] = language_map(&record.summary);
        }
        if let Some(date) = &record.date {
            manifest["metadata"] = json!([{
                "label": {"zh": ["日期"], "ja": ["日付"], "en": ["Date"]},
                "value": {"none": [date]},
            }]);
        }
        Ok(Some(manifest))
    }

    /// The collection of the fiscal year's records that have manifests.
    pub async fn collection(&self, fiscal_year: i32, base: &str) -> Result<Value, MediaError> {
        let records = images::records_with_images(&self.db, fiscal_year).await?;
        let mut items = Vec::new();
        for (record_type, slug) in records {
            let kind = match record_type {
                RecordType::Exchange => Described::Exchange,
                RecordType::AidShipment => Described::AidShipment,
                _ => Described::NewsItem,
            };
            if let Some(record) = self.described(kind, &slug).await? {
                items.push(json!({
                    "id": format!("{base}{}", manifest_path(kind, &slug)),
                    "type": "Manifest",
                    "label": language_map(&record.label),
                }));
            }
        }
        Ok(json!({
            "@context": "http://iiif.io/api/presentation/3/context.json",
            "id": format!("{base}{}", collection_path(fiscal_year)),
            "type": "Collection",
            "label": {
                "zh": [format!("{fiscal_year} 年度")],
                "ja": [format!("{fiscal_year} 年度")],
                "en": [format!("Fiscal year {fiscal_year}")],
            },
            "items": items,
        }))
    }

    /// The live record's texts and live photos, in the dataset format.
    async fn described(&self, kind: Described, slug: &str) -> Result<Option<Contents>, MediaError> {
        let Some(id) = images::live_id_by_slug(&self.db, kind.record_type(), slug).await? else {
            return Ok(None);
        };
        let mut rows = Rows::read_one(&self.db, kind.record_type(), id).await?;
        rows.photos.retain(|row| row.deleted_at.is_none());
        let Ok(dataset) = export::dataset_of(&rows) else {
            return Ok(None);
        };
        Ok(described_of(kind, dataset))
    }
}

fn described_of(kind: Described, dataset: Dataset) -> Option<Contents> {
    Some(match kind {
        Described::Exchange => {
            let item = dataset.exchanges.into_iter().next()?;
            Contents {
                label: item.title,
                summary: item.summary,
                date: Some(item.date),
                photos: item.photos,
            }
        }
        Described::AidShipment => {
            let item = dataset.aid_shipments.into_iter().next()?;
            Contents {
                label: item.items,
                summary: item.description,
                date: Some(item.date),
                photos: item.photos,
            }
        }
        Described::NewsItem => {
            let item = dataset.news.into_iter().next()?;
            Contents {
                label: item.title,
                summary: Localized::new(),
                date: item.date,
                photos: item.photos,
            }
        }
    })
}

/// The hash a photo's image names (`sha256:HEX` in the dataset format).
fn image_hash(photo: &Photo) -> Option<String> {
    let image = photo.image.as_deref()?;
    image.strip_prefix("sha256:").map(str::to_owned)
}

/// `{"zh": ["…"], "ja": ["…"], "en": ["…"]}` for the languages given.
pub fn language_map(texts: &Localized) -> Value {
    let map: serde_json::Map<String, Value> = texts
        .iter()
        .map(|(lang, text)| (Lang::from(*lang).code().to_owned(), json!([text])))
        .collect();
    Value::Object(map)
}

/// A photo's canvas: its image painted at full size, with the IIIF image
/// service viewers zoom with, and a thumbnail.
fn canvas(manifest: &str, photo: &Photo, row: &image_row::Model, base: &str) -> Value {
    let (width, height) = (row.width as u32, row.height as u32);
    let id = format!("{manifest}/canvas/{}", photo.slug);
    let service = format!("{base}{}", image_service_path(&row.hash));
    let thumb_width = crate::media::widths_of(row)
        .first()
        .copied()
        .unwrap_or(width);
    let mut canvas = json!({
        "id": id,
        "type": "Canvas",
        "label": language_map(&photo.caption),
        "width": width,
        "height": height,
        "thumbnail": [{
            "id": format!("{base}/media/{}/{thumb_width}.jpg", row.hash),
            "type": "Image",
            "format": "image/jpeg",
            "width": thumb_width,
            "height": pixels::proportional_height(width, height, thumb_width),
        }],
        "items": [{
            "id": format!("{id}/page"),
            "type": "AnnotationPage",
            "items": [{
                "id": format!("{id}/page/image"),
                "type": "Annotation",
                "motivation": "painting",
                "target": id,
                "body": {
                    "id": format!("{service}/full/max/0/default.jpg"),
                    "type": "Image",
                    "format": "image/jpeg",
                    "width": width,
                    "height": height,
                    "service": [{"id": service, "type": "ImageService3", "profile": "level2"}],
                },
            }],
        }],
    });
    if let Some(statement) = rights_statement(photo) {
        canvas["requiredStatement"] = statement;
    }
    if let Some(rights) = photo.copyright.as_deref().filter(|c| is_rights_uri(c)) {
        canvas["rights"] = json!(rights);
    }
    canvas
}

/// "Credit: …; © …" as a `requiredStatement`, when the photo has either.
fn rights_statement(photo: &Photo) -> Option<Value> {
    let parts: Vec<String> = [
        photo.credit.clone(),
        photo.copyright.as_ref().map(|c| format!("© {c}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        return None;
    }
    Some(json!({
        "label": {"zh": ["版权与署名"], "ja": ["著作権・クレジット"], "en": ["Attribution"]},
        "value": {"none": [parts.join(" · ")]},
    }))
}

/// Whether `text` is a rights URI the Presentation API accepts for
/// `rights` (Creative Commons or RightsStatements.org).
fn is_rights_uri(text: &str) -> bool {
    [
        "http://creativecommons.org/",
        "https://creativecommons.org/",
        "http://rightsstatements.org/vocab/",
        "https://rightsstatements.org/vocab/",
    ]
    .iter()
    .any(|prefix| text.starts_with(prefix))
}
