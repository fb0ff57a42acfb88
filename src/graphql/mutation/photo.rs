//! Changing photos: captions, the venue, the people shown. A photo
//! belongs to the exchange, aid shipment or news item it was created for.
//! (The image itself is a `url` for now; uploads will join this path.)

use super::user_error::{LocalizedTextInput, set_texts};
use super::{RecordInput, References, record_mutations};
use crate::dataset::format::Photo as Record;
use crate::dataset::validate::{Rule, Violations};
use crate::edit::{Meta, violation};
use crate::graphql::database;
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::types::Photo;
use crate::store::history::RecordType;
use crate::store::records::{self, PhotoOwner};
use async_graphql::{Context, ID, InputObject, MaybeUndefined};

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
    /// Where the image is served; `null` for none.
    pub url: MaybeUndefined<String>,
}

/// What a photo input names, as slugs, and its owner.
pub struct Named {
    owner: Option<PhotoOwner>,
    venue: MaybeUndefined<String>,
    people: Option<Vec<String>>,
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
        Ok(references.found(Named {
            owner,
            venue,
            people,
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
    }
}

record_mutations!(
    PhotoMutation, PhotoPayload, photo: Photo,
    PhotoInput => Record,
    create_photo, update_photo, delete_photo, restore_photo,
    "a photo"
);
