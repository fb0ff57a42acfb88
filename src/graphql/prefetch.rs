//! Look-ahead below exchanges: a root field that has its exchanges in hand
//! (`exchanges`), or their ids (`exchange`, `node`), reads what the query
//! selects below them (with the exchanges, when only ids are known) in one
//! statement ([`exchange_tree`]) and hands the rows to the request's
//! loaders, so the fields below find them loaded instead of each
//! hop waiting for a statement of its own. Fields the look-ahead does not
//! cover (nested lists, hops further down) load as before, one hop at a
//! time.

use crate::graphql::error::ApiError;
use crate::graphql::loaders::{
    ExchangeById, ExchangeParticipants, ExchangePhotos, ExchangeSpecialties, ExchangeTalks,
    ExchangeTranslations, PhotoTranslations, TalkTranslations,
};
use crate::graphql::{database, loader};
use crate::store::batch::group_by;
use crate::store::exchange_tree::{self, TreeParts, Trees};
use async_graphql::{Context, Lookahead};
use entity::exchange;
use std::hash::Hash;
use std::sync::Arc;

/// Reads what the connection being resolved selects below its exchanges
/// (as `nodes` or as `edges { node }`) and hands it to the loaders.
pub(crate) async fn below_connection(
    ctx: &Context<'_>,
    rows: &[exchange::Model],
) -> Result<(), ApiError> {
    let look = ctx.look_ahead();
    let parts = parts(&look.field("nodes")).or(parts(&look.field("edges").field("node")));
    below(ctx, rows, parts).await
}

/// The exchange `id`, with what the field being resolved selects below it,
/// in one statement.
pub(crate) async fn exchange_by_id(
    ctx: &Context<'_>,
    id: i32,
) -> Result<Option<exchange::Model>, ApiError> {
    let parts = TreeParts {
        exchanges: true,
        ..parts(&ctx.look_ahead())
    };
    let mut trees = exchange_tree::load(database(ctx), &[id], parts).await?;
    let Some(row) = trees.exchanges.pop() else {
        return Ok(None);
    };
    feed(ctx, std::slice::from_ref(&row), parts, trees).await;
    Ok(Some(row))
}

async fn below(
    ctx: &Context<'_>,
    rows: &[exchange::Model],
    parts: TreeParts,
) -> Result<(), ApiError> {
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let trees = exchange_tree::load(database(ctx), &ids, parts).await?;
    feed(ctx, rows, parts, trees).await;
    Ok(())
}

/// Hands the exchanges and the `parts` of their trees to the loaders.
async fn feed(ctx: &Context<'_>, rows: &[exchange::Model], parts: TreeParts, trees: Trees) {
    let loader = loader(ctx);
    loader
        .feed_many(rows.iter().map(|row| (ExchangeById(row.id), row.clone())))
        .await;
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let talk_ids: Vec<i32> = trees.talks.iter().map(|t| t.id).collect();
    let photo_ids: Vec<i32> = trees.photos.iter().map(|p| p.id).collect();
    if parts.texts {
        let texts = by_owner(&ids, trees.texts, |r| r.exchange_id, ExchangeTranslations);
        loader.feed_many(texts).await;
    }
    if parts.participants {
        let participants = by_owner(
            &ids,
            trees.participants,
            |r| r.exchange_id,
            ExchangeParticipants,
        );
        loader.feed_many(participants).await;
    }
    if parts.specialties {
        let specialties = by_owner(
            &ids,
            trees.specialties,
            |r| r.exchange_id,
            ExchangeSpecialties,
        );
        loader.feed_many(specialties).await;
    }
    if parts.talks {
        let talks = by_owner(&ids, trees.talks, |r| r.exchange_id, ExchangeTalks);
        loader.feed_many(talks).await;
    }
    if parts.talk_texts {
        let texts = by_owner(&talk_ids, trees.talk_texts, |r| r.talk_id, TalkTranslations);
        loader.feed_many(texts).await;
    }
    if parts.photos {
        let photos = by_owner(
            &ids,
            trees.photos,
            |r| r.exchange_id.unwrap_or_default(),
            ExchangePhotos,
        );
        loader.feed_many(photos).await;
    }
    if parts.photo_texts {
        let texts = by_owner(
            &photo_ids,
            trees.photo_texts,
            |r| r.photo_id,
            PhotoTranslations,
        );
        loader.feed_many(texts).await;
    }
}

/// The parts of an exchange's tree a selection of exchange fields reads.
fn parts(exchange: &Lookahead<'_>) -> TreeParts {
    let talks = exchange.field("talks");
    let photos = exchange.field("photos");
    TreeParts {
        exchanges: false,
        texts: exchange.field("title").exists() || exchange.field("summary").exists(),
        participants: exchange.field("participants").exists(),
        specialties: exchange.field("specialties").exists(),
        talks: talks.exists() || exchange.field("speakers").exists(),
        talk_texts: talks.field("title").exists(),
        photos: photos.exists(),
        photo_texts: photos.field("caption").exists(),
    }
}

/// The rows of each owner under its loader key, every owner included (an
/// owner without rows has none, and its key must say so).
fn by_owner<K: Hash + Eq, T>(
    owners: &[i32],
    rows: Vec<T>,
    owner: impl Fn(&T) -> i32,
    key: impl Fn(i32) -> K,
) -> Vec<(K, Arc<Vec<T>>)> {
    let mut groups = group_by(rows, owner);
    owners
        .iter()
        .map(|id| (key(*id), Arc::new(groups.remove(id).unwrap_or_default())))
        .collect()
}
