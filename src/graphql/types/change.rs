//! Recorded changes: every write of a record, who made it and what it
//! changed.

use crate::graphql::connection::{ChangeConnection, PageArgs, paged};
use crate::graphql::database;
use crate::graphql::error::ApiError;
use crate::graphql::ids;
use crate::graphql::types::Node;
use crate::store::history::{self, FieldChange, RecordType, Visible};
use crate::store::rows::change_log;
use crate::store::tokens::Caller;
use async_graphql::{Context, Enum, Object, SimpleObject};

/// How a record was changed.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeAction {
    /// Created by a writer.
    Create,
    /// Changed by a writer.
    Update,
    /// Deleted by a writer (softly: it can be restored).
    Delete,
    /// Restored by a writer.
    Restore,
    /// Written by `medexchange import` (created or changed).
    Import,
}

/// One recorded change: every write (mutation or import) leaves one, in
/// the same transaction as the write itself.
#[derive(Clone)]
pub struct Change {
    pub(crate) row: change_log::Model,
}

/// One field a change touched, with its values before and after.
#[derive(SimpleObject, Clone)]
pub struct FieldValues {
    /// The field: a column (`country`), a text in one language (`name.ja`)
    /// or a list (`aliases`, `participants`: ids in their order).
    pub field: String,
    /// Its value before; `null` when it had none (or the record was new).
    pub before: Option<String>,
    /// Its value after; `null` when it has none now.
    pub after: Option<String>,
}

impl Change {
    fn diff(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.row.diff).unwrap_or_default()
    }
}

/// One recorded change: every write (mutation or import) leaves one, in
/// the same transaction as the write itself. Readers without a token see
/// the changes of records not deleted now, with `editor` for the token's
/// name; editors see every change and who made it.
#[Object]
impl Change {
    /// When, in RFC 3339, UTC.
    async fn at(&self) -> &str {
        &self.row.at
    }

    /// Who: the writer's token name, or `import FILE` for the CLI. Token
    /// names are for editors: readers without a token see `editor`.
    async fn actor(&self, ctx: &Context<'_>) -> &str {
        match self.row.action.as_str() {
            "IMPORT" => &self.row.actor,
            _ if is_editor(ctx) => &self.row.actor,
            _ => ANONYMOUS_ACTOR,
        }
    }

    /// How.
    async fn action(&self) -> Result<ChangeAction, ApiError> {
        Ok(match self.row.action.as_str() {
            "CREATE" => ChangeAction::Create,
            "UPDATE" => ChangeAction::Update,
            "DELETE" => ChangeAction::Delete,
            "RESTORE" => ChangeAction::Restore,
            "IMPORT" => ChangeAction::Import,
            other => return Err(ApiError::invariant(format!("stored action {other:?}"))),
        })
    }

    /// The record changed; for editors even once deleted (so it can be
    /// restored); null once it is gone for good.
    async fn record(&self, ctx: &Context<'_>) -> Result<Option<Node>, ApiError> {
        let Some(record_type) = RecordType::parse(&self.row.record_type) else {
            return Ok(None);
        };
        let (node_type, id) = (record_type.into(), self.row.record_id);
        match is_editor(ctx) {
            true => Node::load_even_deleted(ctx, node_type, id, None).await,
            false => Node::load(ctx, node_type, id, None).await,
        }
    }

    /// The record's version after the change.
    async fn version(&self) -> i32 {
        self.row.version
    }

    /// The fields that changed, e.g. `["name.ja", "aliases"]`.
    async fn fields(&self) -> Vec<String> {
        self.diff().into_iter().map(|change| change.0).collect()
    }

    /// The fields that changed, with their values before and after.
    async fn changes(&self) -> Vec<FieldValues> {
        self.diff()
            .into_iter()
            .map(|FieldChange(field, before, after)| FieldValues {
                field,
                before,
                after,
            })
            .collect()
    }

    /// Where it came from: the file and the place in it for an import
    /// (`data/fy2020.yaml: institutions[1] (kameda-medical-center)`).
    async fn source(&self) -> Option<&str> {
        self.row.source.as_deref()
    }
}

/// What readers without a token see as a writer's name.
pub const ANONYMOUS_ACTOR: &str = "editor";

/// Whether the request carries a writer's token (an editor or admin).
pub(crate) fn is_editor(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<Caller>().is_some()
}

/// The changes the request may see: all for editors; for readers without
/// a token, those of records not deleted now.
pub(crate) fn visible(ctx: &Context<'_>) -> Visible {
    match is_editor(ctx) {
        true => Visible::All,
        false => Visible::OfLiveRecords,
    }
}

/// Changes, newest first: of one record, or of all (`record: None`).
pub(crate) async fn change_page(
    ctx: &Context<'_>,
    record: Option<(RecordType, i32)>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ChangeConnection, ApiError> {
    let count_total = crate::graphql::wants_total(ctx);
    // Boxed: every record type has this field, and async-graphql allocates
    // each field's future at the size of the type's largest one.
    Box::pin(paged(
        PageArgs::forward(first, after),
        count_total,
        ids::decode_change_cursor,
        async |request| {
            let page = (request.after, request.limit);
            history::changes(database(ctx), record, visible(ctx), page, count_total).await
        },
        |row| ids::change_cursor(row.id),
        |row| Change { row },
    ))
    .await
}
