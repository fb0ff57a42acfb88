//! The GraphQL schema: types, query roots, loaders, the language context and
//! the error type. Resolvers are short; the work lives in [`crate::store`].

pub mod connection;
pub mod enums;
pub mod error;
pub mod ids;
pub mod lang;
pub mod limits;
pub mod loaders;
pub mod mutation;
mod prefetch;
mod query;
pub mod subscription;
pub mod types;

use crate::i18n::Lang;
use crate::store::DatabaseConnection;
use crate::store::analytics::Analytics;
use crate::store::catalog::SharedCatalog;
use crate::store::change_feed::ChangeFeed;
use async_graphql::{Context, Data, Request, Response, SDLExportOptions, Schema, SchemaBuilder};
use loaders::{DbLoader, RequestLoader};
use std::sync::Arc;

pub use mutation::Mutation;
pub use query::{ExchangeFilter, Query};
pub use subscription::Subscription;

/// The schema type the server runs.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema with nothing attached: enough for the SDL and for tests that
/// need no database.
pub fn schema_builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
}

/// The schema over `db`, serving `default_lang` when a request names no
/// language, enforcing `limits`, answering introspection only when
/// `introspection` is on, and live changes from `feed`; its validation
/// mode and extensions are the caller's to add (see [`crate::pipeline`]).
pub(crate) fn schema(
    db: DatabaseConnection,
    default_lang: Lang,
    limits: &limits::Limits,
    introspection: bool,
    feed: Arc<ChangeFeed>,
    media: Arc<crate::media::Media>,
    analytics: Arc<Analytics>,
) -> SchemaBuilder<Query, Mutation, Subscription> {
    let builder = schema_builder();
    let builder = if introspection {
        builder
    } else {
        builder.disable_introspection()
    };
    builder
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_directives(limits.max_directives)
        .data(db)
        .data(lang::RequestLanguage(default_lang))
        .data(feed)
        .data(media)
        .data(analytics)
}

/// The SDL committed as `schema.graphql`: fields, arguments and enum values
/// sorted, so the file changes only when the schema does.
pub fn sdl() -> String {
    let options = SDLExportOptions::new()
        .sorted_fields()
        .sorted_arguments()
        .sorted_enum_items();
    schema_builder().finish().sdl_with_options(options)
}

/// The database pool of the schema.
pub(crate) fn database<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The process's analysts' fact table.
pub(crate) fn analytics<'a>(ctx: &Context<'a>) -> &'a Arc<Analytics> {
    ctx.data_unchecked::<Arc<Analytics>>()
}

/// The process's images (storage, IIIF).
pub(crate) fn media<'a>(ctx: &Context<'a>) -> &'a crate::media::Media {
    ctx.data_unchecked::<Arc<crate::media::Media>>()
}

/// The request's batch loader (see [`execute`]).
pub(crate) fn loader<'a>(ctx: &Context<'a>) -> &'a RequestLoader {
    ctx.data_unchecked::<RequestLoader>()
}

/// Runs one GraphQL request over `db` and the process's `catalog`, with its
/// own batch loader. Every execution goes through here, so resolvers always
/// find their loader; only [`crate::pipeline`] calls it (and builds the
/// schemas), so nothing runs GraphQL without the pipeline's steps.
pub(crate) async fn execute(
    schema: &AppSchema,
    db: &DatabaseConnection,
    catalog: &Arc<SharedCatalog>,
    request: Request,
) -> Response {
    let loader = DbLoader::per_request(db.clone(), catalog.clone());
    // The request's own pool (a standby for a query) before the schema's
    // (the primary): resolvers read through [`database`].
    schema.execute(request.data(loader).data(db.clone())).await
}

/// The data of one WebSocket connection: a batch loader of its own that
/// caches nothing, since a subscription lives long and each change it
/// hands on must be read as it is now.
pub(crate) fn live_data(db: &DatabaseConnection, catalog: &Arc<SharedCatalog>) -> Data {
    let loader = DbLoader::per_request(db.clone(), catalog.clone());
    loader.enable_all_cache(false);
    let mut data = Data::default();
    data.insert(loader);
    data
}

/// Whether the client selected `totalCount` on the connection being
/// resolved, so lists are counted only when asked.
pub(crate) fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}
