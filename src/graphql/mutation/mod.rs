//! The root `Mutation`: create, update, delete and restore for every kind
//! of record, merged from one part per kind.
//!
//! Every mutation needs a writer's token (`UNAUTHENTICATED` without one,
//! `FORBIDDEN` when its role may not). Problems with the input come back
//! in the payload's `errors`, with nothing written; the work itself is
//! [`crate::edit`]'s.

mod aid_shipment;
mod exchange;
mod institution;
mod news_item;
mod photo;
mod speaker;
mod specialty;
mod user_error;

pub use user_error::{LocalizedTextInput, UserError, UserErrorCode};

use crate::domain::rules::{Rule, Violations};
use crate::edit::{self, Editor, Meta, Record, violation};
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::types::Node;
use crate::graphql::{database, loader};
use crate::store::history::RecordType;
use crate::store::records;
use crate::store::tokens::Caller;
use async_graphql::{Context, ID, InputType, MaybeUndefined, MergedObject};
use user_error::{languages_listed_twice, user_errors};

/// Every way to change the archive (a writer's token needed).
#[derive(MergedObject, Default)]
pub struct Mutation(
    institution::InstitutionMutation,
    exchange::ExchangeMutation,
    speaker::SpeakerMutation,
    specialty::SpecialtyMutation,
    aid_shipment::AidShipmentMutation,
    news_item::NewsItemMutation,
    photo::PhotoMutation,
    photo::PhotoImageMutation,
);

/// An input that creates or changes a record of one kind.
pub(crate) trait RecordInput: InputType + Sync {
    /// The kind of record.
    type Record: Record;
    /// What the input names, looked up (ids as slugs).
    type Found: Send + Sync;

    /// Looks up what the input names; `NOT_FOUND` for what does not exist,
    /// and, when `creating`, `REQUIRED` for what a new record must have
    /// beyond its texts and slug.
    async fn look_up(
        &self,
        ctx: &Context<'_>,
        creating: bool,
    ) -> Result<Result<Self::Found, Violations>, ApiError>;

    /// A new record's bookkeeping (what it belongs to, its place).
    async fn new_meta(&self, _ctx: &Context<'_>, _found: &Self::Found) -> Result<Meta, ApiError> {
        Ok(Meta::default())
    }

    /// A record with nothing set, which `apply` fills for a create.
    fn blank() -> Self::Record;

    /// Changes `record` as the input says; what it leaves out stays.
    fn apply(&self, found: &Self::Found, record: &mut Self::Record);
}

/// What a mutation wrote: the record's id, or the problems that kept it
/// from being written.
pub(crate) struct Written {
    id: Option<i32>,
    errors: Vec<UserError>,
}

impl Written {
    fn from(outcome: edit::Outcome, input: &async_graphql::Value) -> Self {
        match outcome {
            Ok(id) => Written {
                id: Some(id),
                errors: Vec::new(),
            },
            Err(violations) => Written::refused(violations, input),
        }
    }

    /// The refusal of an input setting a language twice in one text field.
    fn languages_twice(input: &async_graphql::Value) -> Option<Self> {
        let errors = languages_listed_twice(input);
        (!errors.is_empty()).then_some(Written { id: None, errors })
    }

    fn refused(violations: Violations, input: &async_graphql::Value) -> Self {
        Written {
            id: None,
            errors: user_errors(violations, input),
        }
    }

    /// The record written, as it is now (deleted or not), and the errors.
    pub(crate) async fn payload<T>(
        self,
        ctx: &Context<'_>,
        node_type: NodeType,
        pick: impl Fn(Node) -> Option<T>,
    ) -> Result<(Option<T>, Vec<UserError>), ApiError> {
        let Some(id) = self.id else {
            return Ok((None, self.errors));
        };
        // The rest of the request reads what was written: the catalog of
        // the new data version, and no row the loader kept from before.
        loader(ctx).loader().after_write().await?;
        loader(ctx).enable_all_cache(false);
        let node = Node::load_even_deleted(ctx, node_type, id, None).await?;
        Ok((node.and_then(pick), self.errors))
    }
}

/// The writer the request's token names; `UNAUTHENTICATED` without one.
fn editor<'a>(ctx: &Context<'a>) -> Result<Editor<'a>, ApiError> {
    let caller = ctx.data_opt::<Caller>().ok_or_else(|| {
        use crate::i18n::Lang;
        let message = match crate::graphql::lang::resolve(ctx, None, None) {
            Lang::Zh => "写入需要令牌：请发送 `Authorization: Bearer <令牌>`。",
            Lang::Ja => "書き込みにはトークンが必要です：`Authorization: Bearer <トークン>` を送ってください。",
            Lang::En => "writing needs a token: send `Authorization: Bearer <token>`",
        };
        ApiError::Unauthenticated(message.into())
    })?;
    Ok(Editor::new(database(ctx), caller))
}

/// The row id of a global id of the record's kind, if it is one.
fn row_id<R: Record>(id: &ID) -> Option<i32> {
    ids::decode_id_of(R::TYPE.into(), id)
}

/// Creates a record from `input`.
pub(crate) async fn create<I: RecordInput>(
    ctx: &Context<'_>,
    input: &I,
) -> Result<Written, ApiError> {
    let editor = editor(ctx)?;
    let value = input.to_value();
    if let Some(twice) = Written::languages_twice(&value) {
        return Ok(twice);
    }
    let found = match input.look_up(ctx, true).await? {
        Ok(found) => found,
        Err(violations) => return Ok(Written::refused(violations, &value)),
    };
    let mut draft = I::blank();
    input.apply(&found, &mut draft);
    let meta = input.new_meta(ctx, &found).await?;
    let outcome = editor.create(draft, meta).await?;
    Ok(Written::from(outcome, &value))
}

/// Changes the record `id` as `input` says, if its version is still
/// `expected_version`.
pub(crate) async fn update<I: RecordInput>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
    input: &I,
) -> Result<Written, ApiError> {
    let editor = editor(ctx)?;
    let value = input.to_value();
    if let Some(twice) = Written::languages_twice(&value) {
        return Ok(twice);
    }
    let Some(id) = row_id::<I::Record>(id) else {
        return Ok(Written::refused(violation(&["id"], Rule::NotFound), &value));
    };
    let found = match input.look_up(ctx, false).await? {
        Ok(found) => found,
        Err(violations) => return Ok(Written::refused(violations, &value)),
    };
    let change = |record: &mut I::Record| input.apply(&found, record);
    let outcome = editor.update(id, expected_version, change).await?;
    Ok(Written::from(outcome, &value))
}

/// Deletes the record `id` (softly), if its version is still
/// `expected_version`.
pub(crate) async fn delete<R: Record>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
) -> Result<Written, ApiError> {
    let editor = editor(ctx)?;
    let none = async_graphql::Value::Null;
    let Some(id) = row_id::<R>(id) else {
        return Ok(Written::refused(violation(&["id"], Rule::NotFound), &none));
    };
    let outcome = editor.delete::<R>(id, expected_version).await?;
    Ok(Written::from(outcome, &none))
}

/// Restores the deleted record `id`.
pub(crate) async fn restore<R: Record>(ctx: &Context<'_>, id: &ID) -> Result<Written, ApiError> {
    let editor = editor(ctx)?;
    let none = async_graphql::Value::Null;
    let Some(id) = row_id::<R>(id) else {
        return Ok(Written::refused(violation(&["id"], Rule::NotFound), &none));
    };
    let outcome = editor.restore::<R>(id).await?;
    Ok(Written::from(outcome, &none))
}

/// Looks up the records an input names by id, gathering `NOT_FOUND` for
/// each that does not exist or was deleted.
#[derive(Default)]
pub(crate) struct References(Violations);

impl References {
    /// The slugs of the records of `kind` that `ids` (the input's `field`)
    /// name, in their order.
    pub(crate) async fn list(
        &mut self,
        ctx: &Context<'_>,
        kind: RecordType,
        field: &str,
        ids: &[ID],
    ) -> Result<Vec<String>, ApiError> {
        let rows: Vec<Option<i32>> = ids
            .iter()
            .map(|id| ids::decode_id_of(kind.into(), id))
            .collect();
        let known: Vec<i32> = rows.iter().flatten().copied().collect();
        let slugs = records::live_slugs(database(ctx), kind, &known).await?;
        let mut found = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            match row.and_then(|row| slugs.get(&row)) {
                Some(slug) => found.push(slug.clone()),
                None => self.missing(&[field, &index.to_string()]),
            }
        }
        Ok(found)
    }

    /// The slug of the record of `kind` that `id` (at `field` in the
    /// input) names.
    pub(crate) async fn one(
        &mut self,
        ctx: &Context<'_>,
        kind: RecordType,
        field: &[&str],
        id: &ID,
    ) -> Result<Option<String>, ApiError> {
        let Some(row) = ids::decode_id_of(kind.into(), id) else {
            self.missing(field);
            return Ok(None);
        };
        let slug = records::live_slugs(database(ctx), kind, &[row])
            .await?
            .remove(&row);
        if slug.is_none() {
            self.missing(field);
        }
        Ok(slug)
    }

    /// The slug of the record of `kind` that a clearable reference names:
    /// left out stays left out, `null` clears it.
    pub(crate) async fn maybe(
        &mut self,
        ctx: &Context<'_>,
        kind: RecordType,
        field: &str,
        id: &MaybeUndefined<ID>,
    ) -> Result<MaybeUndefined<String>, ApiError> {
        Ok(match id {
            MaybeUndefined::Value(id) => {
                let slug = self.one(ctx, kind, &[field], id).await?;
                MaybeUndefined::Value(slug.unwrap_or_default())
            }
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        })
    }

    /// Notes that what the input's `field` names does not exist.
    pub(crate) fn missing(&mut self, field: &[&str]) {
        self.0.extend(violation(field, Rule::NotFound));
    }

    /// Notes that the input lacks `field`, which a new record needs.
    pub(crate) fn required(&mut self, field: &str) {
        self.0.extend(violation(&[field], Rule::Required));
    }

    /// `found`, unless something was missing.
    pub(crate) fn found<T>(self, found: T) -> Result<T, Violations> {
        match self.0.is_empty() {
            true => Ok(found),
            false => Err(self.0),
        }
    }
}

/// Declares a kind's payload and its four mutations (create, update,
/// delete, restore), each a line over the functions above.
macro_rules! record_mutations {
    (
        $mutation:ident, $payload:ident, $field:ident: $node:ident,
        $input:ident => $record:ty,
        $create:ident, $update:ident, $delete:ident, $restore:ident,
        $what:literal
    ) => {
        #[doc = concat!("What a mutation of ", $what, " wrote.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $payload {
            #[doc = concat!("The ", $what, " as written; `null` when nothing was (see `errors`).")]
            pub $field: Option<$node>,
            /// Why nothing was written; empty when the write succeeded.
            pub errors: Vec<$crate::graphql::mutation::UserError>,
        }

        impl $payload {
            async fn of(
                ctx: &async_graphql::Context<'_>,
                written: $crate::graphql::mutation::Written,
            ) -> Result<Self, $crate::graphql::error::ApiError> {
                let pick = |node| match node {
                    $crate::graphql::types::Node::$node(node) => Some(node),
                    _ => None,
                };
                let node_type = $crate::graphql::ids::NodeType::$node;
                let ($field, errors) = written.payload(ctx, node_type, pick).await?;
                Ok($payload { $field, errors })
            }
        }

        #[doc = concat!("Changing ", $what, ".")]
        #[derive(Default)]
        pub struct $mutation;

        #[doc = concat!("Changing ", $what, ".")]
        #[async_graphql::Object]
        impl $mutation {
            #[doc = concat!("Creates ", $what, "; `errors` says what a new one lacks.")]
            #[graphql(complexity = "crate::graphql::limits::MUTATION_COST + child_complexity")]
            async fn $create(
                &self,
                ctx: &async_graphql::Context<'_>,
                input: $input,
            ) -> Result<$payload, $crate::graphql::error::ApiError> {
                let written = $crate::graphql::mutation::create(ctx, &input).await?;
                $payload::of(ctx, written).await
            }

            #[doc = concat!("Changes ", $what, " if its version is still `expectedVersion` (else a `CONFLICT` error); what the input leaves out stays as it is.")]
            #[graphql(complexity = "crate::graphql::limits::MUTATION_COST + child_complexity")]
            async fn $update(
                &self,
                ctx: &async_graphql::Context<'_>,
                id: async_graphql::ID,
                expected_version: i32,
                input: $input,
            ) -> Result<$payload, $crate::graphql::error::ApiError> {
                let written =
                    $crate::graphql::mutation::update(ctx, &id, expected_version, &input).await?;
                $payload::of(ctx, written).await
            }

            #[doc = concat!("Deletes ", $what, " softly: it leaves every list and `node` gives `null`, until restored. `IN_USE` while other records refer to it.")]
            #[graphql(complexity = "crate::graphql::limits::MUTATION_COST + child_complexity")]
            async fn $delete(
                &self,
                ctx: &async_graphql::Context<'_>,
                id: async_graphql::ID,
                expected_version: i32,
            ) -> Result<$payload, $crate::graphql::error::ApiError> {
                let written =
                    $crate::graphql::mutation::delete::<$record>(ctx, &id, expected_version)
                        .await?;
                $payload::of(ctx, written).await
            }

            #[doc = concat!("Brings back ", $what, " as it was when deleted.")]
            #[graphql(complexity = "crate::graphql::limits::MUTATION_COST + child_complexity")]
            async fn $restore(
                &self,
                ctx: &async_graphql::Context<'_>,
                id: async_graphql::ID,
            ) -> Result<$payload, $crate::graphql::error::ApiError> {
                let written = $crate::graphql::mutation::restore::<$record>(ctx, &id).await?;
                $payload::of(ctx, written).await
            }
        }
    };
}

pub(crate) use record_mutations;
