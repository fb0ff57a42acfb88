//! Changing photos: captions, the venue, the people shown, the image. A
//! photo belongs to the exchange, aid shipment or news item it was created
//! for. Images come as multipart uploads (the GraphQL multipart request
//! spec); a file is checked and stored before the photo is written, and
//! a refused file writes nothing.

use super::user_error::{LocalizedTextInput, set_texts};
use super::{RecordInput, References, Written, record_mutations};
use crate::domain::record::Photo as Record;
use crate::domain::rules::{Rule, Violations};
use crate::edit::{Meta, violation};
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::types::Photo;
use crate::graphql::{database, media};
use crate::store::history::RecordType;
use crate::store::records::{self, PhotoOwner};
use crate::store::rows::image;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Upload};
use std::io::Read;

/// A photo's fields to set; those left out stay as they are.
#[derive(InputObject, Clone, Debug)]
pub struct PhotoInput {
    /// Stable key. Required to create; only an admin may change it.
    pub slug: Option<String>,
    /// The exchange, aid shipment or news item it belongs to (its id).
    /// Required to create, and fixed after: a new photo goes after the
    /// owner's others.
    pub owner: Option<ID>,
    /// Its caption per language (a new one needs at least one).
    pub caption: Option<Vec<LocalizedTextInput>>,
    /// The institution whose venue it shows; `null` for none.
    pub venue: MaybeUndefined<ID>,
    /// The speakers it shows, in order (replaces the list).
    pub people: Option<Vec<ID>>,
    /// Where the image is served when kept elsewhere; `null` for none.
    pub url: MaybeUndefined<String>,
    /// An image file to attach (JPEG, PNG or WebP; a multipart upload):
    /// the same as `setPhotoImage`.
    pub image: Option<Upload>,
    /// Who made the image; `null` clears it. When left out, an attached
    /// file's EXIF `Artist` is taken.
    pub credit: MaybeUndefined<String>,
    /// The image's copyright notice or rights URI; `null` clears it. When
    /// left out, an attached file's EXIF `Copyright` is taken.
    pub copyright: MaybeUndefined<String>,
}

/// What a photo input names, as slugs, its owner, and the image it
/// attached.
pub struct Named {
    owner: Option<PhotoOwner>,
    venue: MaybeUndefined<String>,
    people: Option<Vec<String>>,
    image: Option<image::Model>,
}

impl PhotoInput {
    /// The live record the `owner` id names.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<PhotoOwner>, ApiError> {
        let Some((node_type, id)) = self.owner.as_deref().and_then(|id| ids::decode_id(id)) else {
            return Ok(None);
        };
        let (kind, owner) = match node_type {
            NodeType::Exchange => (RecordType::Exchange, PhotoOwner::Exchange(id)),
            NodeType::AidShipment => (RecordType::AidShipment, PhotoOwner::AidShipment(id)),
            NodeType::NewsItem => (RecordType::NewsItem, PhotoOwner::NewsItem(id)),
            _ => return Ok(None),
        };
        let live = records::live_slugs(database(ctx), kind, &[id]).await?;
        Ok(live.contains_key(&id).then_some(owner))
    }
}

impl RecordInput for PhotoInput {
    type Record = Record;
    type Found = Named;

    async fn look_up(
        &self,
        ctx: &Context<'_>,
        creating: bool,
    ) -> Result<Result<Named, Violations>, ApiError> {
        if !creating && self.owner.is_some() {
            return Ok(Err(violation(&["owner"], Rule::Fixed)));
        }
        let mut references = References::default();
        let owner = self.owner(ctx).await?;
        match (creating, &self.owner, owner) {
            (true, None, _) => references.required("owner"),
            (true, Some(_), None) => references.missing(&["owner"]),
            _ => {}
        }
        let kind = RecordType::Institution;
        let venue = references.maybe(ctx, kind, "venue", &self.venue).await?;
        let people = match &self.people {
            Some(ids) => Some(
                references
                    .list(ctx, RecordType::Speaker, "people", ids)
                    .await?,
            ),
            None => None,
        };
        let image = match &self.image {
            Some(file) => match attach(ctx, file, &["image"]).await? {
                Ok(image) => Some(image),
                Err(broken) => return Ok(Err(broken)),
            },
            None => None,
        };
        Ok(references.found(Named {
            owner,
            venue,
            people,
            image,
        }))
    }

    async fn new_meta(&self, ctx: &Context<'_>, named: &Named) -> Result<Meta, ApiError> {
        let Some(owner) = named.owner else {
            return Ok(Meta::default());
        };
        let others = records::photo_ids_of(database(ctx), owner).await?;
        Ok(Meta {
            owner: Some(owner),
            position: others.len() as i32,
            ..Meta::default()
        })
    }

    fn blank() -> Record {
        Record {
            slug: String::new(),
            caption: Default::default(),
            venue: None,
            people: Vec::new(),
            url: None,
            image: None,
            credit: None,
            copyright: None,
        }
    }

    fn apply(&self, named: &Named, record: &mut Record) {
        if let Some(slug) = &self.slug {
            record.slug = slug.clone();
        }
        set_texts(&mut record.caption, &self.caption);
        if let Some(venue) = named.venue.as_opt_ref() {
            record.venue = venue.cloned();
        }
        if let Some(people) = &named.people {
            record.people = people.clone();
        }
        if let Some(url) = self.url.as_opt_ref() {
            record.url = url.cloned();
        }
        if let Some(image) = &named.image {
            set_image(record, image);
        }
        if let Some(credit) = self.credit.as_opt_ref() {
            record.credit = credit.cloned();
        }
        if let Some(copyright) = self.copyright.as_opt_ref() {
            record.copyright = copyright.cloned();
        }
    }
}

record_mutations!(
    PhotoMutation, PhotoPayload, photo: Photo,
    PhotoInput => Record,
    create_photo, update_photo, delete_photo, restore_photo,
    "a photo"
);

/// Sets `record`'s image, and its rights from the file where it states
/// them (an editor's corrections are kept when the file says nothing).
fn set_image(record: &mut Record, image: &image::Model) {
    let (credit, copyright) = (image.credit.as_deref(), image.copyright.as_deref());
    record.set_image(&image.hash, credit, copyright);
}

/// Reads the uploaded `file`, checks it and stores it: the stored image,
/// or the violation (at `field`) that refused it.
async fn attach(
    ctx: &Context<'_>,
    file: &Upload,
    field: &[&str],
) -> Result<Result<image::Model, Violations>, ApiError> {
    let media = media(ctx);
    let max = media.options().limits.max_bytes;
    let upload = file
        .value(ctx)
        .map_err(|_| ApiError::bad_input("the upload named by the variable was not sent"))?;
    let read = tokio::task::spawn_blocking(move || {
        let mut bytes = Vec::new();
        upload
            .into_read()
            .take(max + 1)
            .read_to_end(&mut bytes)
            .map(|_| bytes)
    })
    .await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        _ => return Err(ApiError::bad_input("the upload could not be read")),
    };
    Ok(media
        .ingest(bytes)
        .await?
        .map_err(|problem| violation(field, Rule::Image(problem))))
}

/// The payload of an image mutation that wrote nothing, for `broken`
/// (its fields are the mutation's arguments).
async fn refused(ctx: &Context<'_>, broken: Violations) -> Result<PhotoPayload, ApiError> {
    let written = Written::refused(broken, &async_graphql::Value::Null);
    PhotoPayload::of(ctx, written).await
}

/// Attaching and removing photos' images.
#[derive(Default)]
pub struct PhotoImageMutation;

/// Attaching and removing photos' images.
#[Object]
impl PhotoImageMutation {
    /// Attaches `file` (JPEG, PNG or WebP, sent as a multipart upload) to
    /// the photo, replacing its image, if its version is still
    /// `expectedVersion`. The file is checked from its bytes (type, size,
    /// pixels) and its derivatives made before anything is written; a
    /// refused file comes back in `errors` (code `INVALID`, field
    /// `["file"]`). The file's EXIF `Artist` and `Copyright` become the
    /// photo's credit and copyright. History records the change.
    #[graphql(complexity = "crate::graphql::limits::MUTATION_COST + child_complexity")]
    async fn set_photo_image(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        file: Upload,
    ) -> Result<PhotoPayload, ApiError> {
        let editor = super::editor(ctx)?;
        let Some(id) = super::row_id::<Record>(&id) else {
            return refused(ctx, violation(&["id"], Rule::NotFound)).await;
        };
        let image = match attach(ctx, &file, &["file"]).await? {
            Ok(image) => image,
            Err(broken) => return refused(ctx, broken).await,
        };
        let outcome = editor
            .update::<Record>(id, expected_version, |record| set_image(record, &image))
            .await?;
        PhotoPayload::of(ctx, Written::from(outcome, &async_graphql::Value::Null)).await
    }

    /// Detaches the photo's image, if its version is still
    /// `expectedVersion` (its files are removed once no photo names them,
    /// after an hour). History records the change.
    #[graphql(complexity = "crate::graphql::limits::MUTATION_COST + child_complexity")]
    async fn remove_photo_image(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
    ) -> Result<PhotoPayload, ApiError> {
        let editor = super::editor(ctx)?;
        let Some(id) = super::row_id::<Record>(&id) else {
            return refused(ctx, violation(&["id"], Rule::NotFound)).await;
        };
        let outcome = editor
            .update::<Record>(id, expected_version, |record| record.image = None)
            .await?;
        PhotoPayload::of(ctx, Written::from(outcome, &async_graphql::Value::Null)).await
    }
}
