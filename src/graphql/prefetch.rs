//! Look-ahead below exchanges: a root field reading a page of exchanges
//! (`exchanges`), or one by id (`exchange`, `node`), reads what the query
//! selects below them with the exchanges themselves in one statement
//! ([`exchange_tree`]) and hands the rows to the request's loaders, so the
//! fields below find them loaded instead of each hop waiting for a
//! statement of its own. Fields the look-ahead does not
//! cover (nested lists, hops further down) load as before, one hop at a
//! time. Texts are read for the language of the root field's scope: the
//! rows needed to pick them in it.

use crate::graphql::error::ApiError;
use crate::graphql::lang::{self, Scope};
use crate::graphql::loaders::{
    DbLoader, ExchangeById, ExchangeParticipants, ExchangePhotos, ExchangeSpecialties,
    ExchangeTalks, ExchangeTexts, PhotoTexts, RequestLoader, TalkTexts,
};
use crate::graphql::{database, loader};
use crate::i18n::Lang;
use crate::store::batch::group_by;
use crate::store::exchange_tree::{self, TreeParts, Trees};
use crate::store::rows::exchange;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead};
use std::hash::Hash;
use std::sync::Arc;

/// The parts of their trees the connection being resolved selects below
/// its exchanges (as `nodes` or as `edges { node }`), texts in the language
/// of its `scope`.
pub(crate) fn below_connection(ctx: &Context<'_>, scope: Scope) -> TreeParts {
    let look = ctx.look_ahead();
    let lang = lang::resolve(ctx, None, scope);
    parts(&look.field("nodes"), lang).or(parts(&look.field("edges").field("node"), lang))
}

/// The exchange `id`, with what the field being resolved selects below it
/// (texts in the language of its `scope`), in one statement.
pub(crate) async fn exchange_by_id(
    ctx: &Context<'_>,
    id: i32,
    scope: Scope,
) -> Result<Option<exchange::Model>, ApiError> {
    let parts = parts(&ctx.look_ahead(), lang::resolve(ctx, None, scope));
    let mut trees = exchange_tree::load(database(ctx), id, parts).await?;
    let Some(row) = trees.exchanges.pop() else {
        return Ok(None);
    };
    feed(ctx, std::slice::from_ref(&row), parts, trees).await;
    Ok(Some(row))
}

/// Hands the exchanges and the `parts` of their trees to the loaders.
pub(crate) async fn feed(
    ctx: &Context<'_>,
    rows: &[exchange::Model],
    parts: TreeParts,
    trees: Trees,
) {
    let loader = loader(ctx);
    loader
        .feed_many(rows.iter().map(|row| (ExchangeById(row.id), row.clone())))
        .await;
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let talk_ids: Vec<i32> = trees.talks.iter().map(|t| t.id).collect();
    let photo_ids: Vec<i32> = trees.photos.iter().map(|p| p.id).collect();
    let lang = parts.lang;
    feed_part(
        loader,
        parts.texts,
        &ids,
        trees.texts,
        |r| r.exchange_id,
        |id| ExchangeTexts(id, lang),
    )
    .await;
    feed_part(
        loader,
        parts.participants,
        &ids,
        trees.participants,
        |r| r.exchange_id,
        ExchangeParticipants,
    )
    .await;
    feed_part(
        loader,
        parts.specialties,
        &ids,
        trees.specialties,
        |r| r.exchange_id,
        ExchangeSpecialties,
    )
    .await;
    feed_part(
        loader,
        parts.talks,
        &ids,
        trees.talks,
        |r| r.exchange_id,
        ExchangeTalks,
    )
    .await;
    feed_part(
        loader,
        parts.talk_texts,
        &talk_ids,
        trees.talk_texts,
        |r| r.talk_id,
        |id| TalkTexts(id, lang),
    )
    .await;
    feed_part(
        loader,
        parts.photos,
        &ids,
        trees.photos,
        |r| r.exchange_id.unwrap_or_default(),
        ExchangePhotos,
    )
    .await;
    feed_part(
        loader,
        parts.photo_texts,
        &photo_ids,
        trees.photo_texts,
        |r| r.photo_id,
        |id| PhotoTexts(id, lang),
    )
    .await;
}

/// Hands one part, when it was `asked` for, to the loader: the rows of each
/// owner under its key, every owner included (an owner without rows has
/// none, and its key must say so).
async fn feed_part<K, T>(
    loader: &RequestLoader,
    asked: bool,
    owners: &[i32],
    rows: Vec<T>,
    owner: impl Fn(&T) -> i32,
    key: impl Fn(i32) -> K,
) where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Value = Arc<Vec<T>>>,
{
    if !asked {
        return;
    }
    let mut groups = group_by(rows, owner);
    let values = owners
        .iter()
        .map(|id| (key(*id), Arc::new(groups.remove(id).unwrap_or_default())));
    loader.feed_many(values).await;
}

/// The parts of an exchange's tree a selection of exchange fields reads,
/// texts in `lang`.
fn parts(exchange: &Lookahead<'_>, lang: Lang) -> TreeParts {
    let talks = exchange.field("talks");
    let photos = exchange.field("photos");
    TreeParts {
        lang,
        texts: exchange.field("title").exists() || exchange.field("summary").exists(),
        participants: exchange.field("participants").exists(),
        specialties: exchange.field("specialties").exists(),
        talks: talks.exists() || exchange.field("speakers").exists(),
        talk_texts: talks.field("title").exists(),
        photos: photos.exists(),
        photo_texts: photos.field("caption").exists(),
    }
}
