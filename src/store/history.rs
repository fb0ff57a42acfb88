//! History: every write of a record leaves a change in the same
//! transaction (who, when, how, which fields with their values before and
//! after, where it came from), and moves the record's version.
//!
//! A record's state is flattened to `field` → value: its own columns
//! (`country`, `date`), its texts per language (`name.ja`), and its links
//! (`aliases`, `participants`, as ids in their order). Ids, versions and
//! derived columns (sort keys, computed dates) are left out. A write that
//! changes nothing leaves no change and keeps the version, so importing
//! the same file twice writes no history.

use crate::domain::vocabulary::now_rfc3339;
use crate::store::page::Page;
use crate::store::records::Slugged;
use entity::{
    aid_shipment, aid_shipment_translation, change_log, exchange, exchange_participant,
    exchange_specialty, exchange_translation, institution, institution_alias,
    institution_translation, news_item, news_item_translation, photo, photo_person,
    photo_translation, speaker, speaker_translation, specialty, specialty_translation, talk,
};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The kinds of records with a history, by their GraphQL type names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// `Specialty`.
    Specialty,
    /// `Institution`.
    Institution,
    /// `Speaker`.
    Speaker,
    /// `Exchange`.
    Exchange,
    /// `AidShipment`.
    AidShipment,
    /// `NewsItem`.
    NewsItem,
    /// `Photo`.
    Photo,
}

impl RecordType {
    const ALL: [RecordType; 7] = [
        RecordType::Specialty,
        RecordType::Institution,
        RecordType::Speaker,
        RecordType::Exchange,
        RecordType::AidShipment,
        RecordType::NewsItem,
        RecordType::Photo,
    ];

    /// The stored spelling: the GraphQL type name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Specialty => "Specialty",
            RecordType::Institution => "Institution",
            RecordType::Speaker => "Speaker",
            RecordType::Exchange => "Exchange",
            RecordType::AidShipment => "AidShipment",
            RecordType::NewsItem => "NewsItem",
            RecordType::Photo => "Photo",
        }
    }

    /// Reads the stored spelling back.
    pub fn parse(text: &str) -> Option<Self> {
        RecordType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// How a record was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Created by a writer.
    Create,
    /// Changed by a writer.
    Update,
    /// Deleted (softly) by a writer.
    Delete,
    /// Restored by a writer.
    Restore,
    /// Written by `medexchange import`.
    Import,
}

impl Action {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "CREATE",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
            Action::Restore => "RESTORE",
            Action::Import => "IMPORT",
        }
    }
}

/// A record's state: field → value.
pub type State = BTreeMap<String, String>;

/// Who wrote, how, and where the write came from.
#[derive(Clone, Debug)]
pub struct Provenance {
    /// A token's name, or `import FILE`.
    pub actor: String,
    /// How.
    pub action: Action,
    /// Where from (`data/fy2020.yaml: institutions[2]`), when known.
    pub source: Option<String>,
}

/// One field changed: its values before and after (`None`: absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FieldChange(pub String, pub Option<String>, pub Option<String>);

/// The values `field` had before and after a logged change, from the
/// change's `diff` (none when the change left it alone).
pub fn values_of(diff: &str, field: &str) -> Vec<String> {
    let changes: Vec<FieldChange> = serde_json::from_str(diff).unwrap_or_default();
    let of_field = changes.into_iter().filter(|change| change.0 == field);
    of_field
        .flat_map(|FieldChange(_, before, after)| [before, after])
        .flatten()
        .collect()
}

/// Records a write of `record`, whose state was `before` (`None`: it did
/// not exist): compares with its state now, and when anything changed,
/// moves its version and logs the change. Returns the new version, or
/// `None` when nothing changed.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    record: (RecordType, i32),
    before: Option<State>,
    provenance: &Provenance,
) -> Result<Option<i32>, DbErr> {
    let after = state(db, record).await?;
    let diff = diff(before.as_ref(), &after);
    if before.is_some() && diff.is_empty() {
        return Ok(None);
    }
    let version = match before {
        Some(_) => bump_version(db, record).await?,
        None => 1,
    };
    let row = change_log::ActiveModel {
        at: Set(now_rfc3339()),
        actor: Set(provenance.actor.clone()),
        action: Set(provenance.action.as_str().to_owned()),
        record_type: Set(record.0.as_str().to_owned()),
        record_id: Set(record.1),
        version: Set(version),
        diff: Set(serde_json::to_string(&diff).unwrap_or_else(|_| "[]".to_owned())),
        source: Set(provenance.source.clone()),
        ..Default::default()
    };
    row.insert(db).await?;
    Ok(Some(version))
}

/// The fields whose values differ, in field order.
fn diff(before: Option<&State>, after: &State) -> Vec<FieldChange> {
    let empty = State::new();
    let before = before.unwrap_or(&empty);
    let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|field| before.get(*field) != after.get(*field))
        .map(|field| {
            FieldChange(
                field.clone(),
                before.get(field).cloned(),
                after.get(field).cloned(),
            )
        })
        .collect()
}

/// Moves a record's version up by one; returns the new version.
async fn bump_version<C: ConnectionTrait>(
    db: &C,
    (kind, id): (RecordType, i32),
) -> Result<i32, DbErr> {
    macro_rules! bump {
        ($table:ident) => {{
            $table::Entity::update_many()
                .col_expr(
                    $table::Column::Version,
                    Expr::col($table::Column::Version).add(1),
                )
                .filter($table::Column::Id.eq(id))
                .exec(db)
                .await?;
            $table::Entity::find_by_id(id)
                .one(db)
                .await?
                .map_or(1, |row| row.version)
        }};
    }
    Ok(match kind {
        RecordType::Specialty => bump!(specialty),
        RecordType::Institution => bump!(institution),
        RecordType::Speaker => bump!(speaker),
        RecordType::Exchange => bump!(exchange),
        RecordType::AidShipment => bump!(aid_shipment),
        RecordType::NewsItem => bump!(news_item),
        RecordType::Photo => bump!(photo),
    })
}

/// A record's state now (empty when it does not exist).
pub async fn state<C: ConnectionTrait>(
    db: &C,
    (kind, id): (RecordType, i32),
) -> Result<State, DbErr> {
    let mut state = State::new();
    match kind {
        RecordType::Specialty => {
            columns(&mut state, specialty::Entity::find_by_id(id).one(db).await?);
            texts(
                &mut state,
                children(db, specialty_translation::Column::SpecialtyId, id).await?,
            );
        }
        RecordType::Institution => {
            columns(
                &mut state,
                institution::Entity::find_by_id(id).one(db).await?,
            );
            texts(
                &mut state,
                children(db, institution_translation::Column::InstitutionId, id).await?,
            );
            let aliases = children(db, institution_alias::Column::InstitutionId, id).await?;
            list(
                &mut state,
                "aliases",
                aliases.iter().map(|a| a.alias.clone()),
            );
        }
        RecordType::Speaker => {
            columns(&mut state, speaker::Entity::find_by_id(id).one(db).await?);
            texts(
                &mut state,
                children(db, speaker_translation::Column::SpeakerId, id).await?,
            );
        }
        RecordType::Exchange => exchange_state(db, id, &mut state).await?,
        RecordType::AidShipment => {
            columns(
                &mut state,
                aid_shipment::Entity::find_by_id(id).one(db).await?,
            );
            use aid_shipment_translation::Column as Text;
            texts(&mut state, children(db, Text::AidShipmentId, id).await?);
        }
        RecordType::NewsItem => {
            columns(&mut state, news_item::Entity::find_by_id(id).one(db).await?);
            texts(
                &mut state,
                children(db, news_item_translation::Column::NewsItemId, id).await?,
            );
        }
        RecordType::Photo => {
            columns(&mut state, photo::Entity::find_by_id(id).one(db).await?);
            texts(
                &mut state,
                children(db, photo_translation::Column::PhotoId, id).await?,
            );
            let people = children(db, photo_person::Column::PhotoId, id).await?;
            let mut people: Vec<_> = people.iter().map(|p| (p.position, p.speaker_id)).collect();
            people.sort();
            list(
                &mut state,
                "people",
                people.iter().map(|(_, id)| id.to_string()),
            );
        }
    }
    Ok(state)
}

/// An exchange's state: its columns and texts, its participants,
/// specialties and talks (speaker and kind) in their order.
async fn exchange_state<C: ConnectionTrait>(
    db: &C,
    id: i32,
    state: &mut State,
) -> Result<(), DbErr> {
    columns(state, exchange::Entity::find_by_id(id).one(db).await?);
    texts(
        state,
        children(db, exchange_translation::Column::ExchangeId, id).await?,
    );
    let mut participants = children(db, exchange_participant::Column::ExchangeId, id).await?;
    participants.sort_by_key(|p| p.position);
    list(
        state,
        "participants",
        participants.iter().map(|p| p.institution_id.to_string()),
    );
    let mut specialties = children(db, exchange_specialty::Column::ExchangeId, id).await?;
    specialties.sort_by_key(|s| s.position);
    list(
        state,
        "specialties",
        specialties.iter().map(|s| s.specialty_id.to_string()),
    );
    let mut talks = children(db, talk::Column::ExchangeId, id).await?;
    talks.sort_by_key(|t| (t.position, t.id));
    list(
        state,
        "talks",
        talks.iter().map(|t| format!("{} {}", t.speaker_id, t.kind)),
    );
    Ok(())
}

/// The rows whose `owner` column is `id`.
async fn children<Col, C>(
    db: &C,
    owner: Col,
    id: i32,
) -> Result<Vec<<Col::EntityName as EntityTrait>::Model>, DbErr>
where
    Col: ColumnTrait,
    Col::EntityName: EntityTrait,
    C: ConnectionTrait,
{
    <Col::EntityName as EntityTrait>::find()
        .filter(owner.eq(id))
        .all(db)
        .await
}

/// Columns that are not part of a record's state: ids, versions,
/// languages (part of the field's name), positions, and what is derived
/// from other columns.
const NOT_STATE: &[&str] = &[
    "id",
    "version",
    "lang",
    "position",
    "sort_zh",
    "sort_ja",
    "sort_en",
    "starts_on",
    "ends_on",
    "year",
    "month",
    "fiscal_year",
];

/// A row's columns as fields, each name followed by `suffix` (`.ja`); the
/// `owner` column left out.
fn fields_of(row: &impl Serialize, suffix: &str, owner: Option<&str>, state: &mut State) {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(row) else {
        return;
    };
    for (column, value) in map {
        if NOT_STATE.contains(&column.as_str()) || owner == Some(column.as_str()) {
            continue;
        }
        let value = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        };
        state.insert(format!("{column}{suffix}"), value);
    }
}

/// The record's own columns.
fn columns(state: &mut State, row: Option<impl Serialize>) {
    if let Some(row) = row {
        fields_of(&row, "", None, state);
    }
}

/// Translation rows as `field.lang`.
fn texts<M: Serialize + HasLang>(state: &mut State, rows: Vec<M>) {
    for row in rows {
        let suffix = format!(".{}", row.lang());
        fields_of(&row, &suffix, Some(row.owner_column()), state);
    }
}

/// A list of values as one field (`a; b`), when not empty.
fn list(state: &mut State, field: &str, values: impl Iterator<Item = String>) {
    let values: Vec<String> = values.collect();
    if !values.is_empty() {
        state.insert(field.to_owned(), values.join("; "));
    }
}

/// A translation row: its language and the column naming its owner.
trait HasLang {
    fn lang(&self) -> &str;
    fn owner_column(&self) -> &'static str;
}

macro_rules! has_lang {
    ($($table:ident => $owner:literal),+ $(,)?) => {$(
        impl HasLang for $table::Model {
            fn lang(&self) -> &str {
                &self.lang
            }
            fn owner_column(&self) -> &'static str {
                $owner
            }
        }
    )+};
}

has_lang!(
    specialty_translation => "specialty_id",
    institution_translation => "institution_id",
    speaker_translation => "speaker_id",
    exchange_translation => "exchange_id",
    aid_shipment_translation => "aid_shipment_id",
    news_item_translation => "news_item_id",
    photo_translation => "photo_id",
);

/// Whose changes a reader may see: everyone's, or only those of records
/// not deleted now (what readers without a token see: a deleted record's
/// texts, current and former, are for editors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visible {
    /// Every change (editors).
    All,
    /// Changes of records not deleted now.
    OfLiveRecords,
}

impl Visible {
    /// The condition on `change_log` rows this visibility allows.
    fn condition(self) -> Condition {
        match self {
            Visible::All => Condition::all(),
            Visible::OfLiveRecords => {
                RecordType::ALL
                    .into_iter()
                    .fold(Condition::all(), |all, kind| {
                        all.add(
                            Condition::any()
                                .add(change_log::Column::RecordType.ne(kind.as_str()))
                                .add(
                                    change_log::Column::RecordId.not_in_subquery(deleted_ids(kind)),
                                ),
                        )
                    })
            }
        }
    }
}

/// The ids of the records of `kind` deleted now.
fn deleted_ids(kind: RecordType) -> SelectStatement {
    fn of<E: Slugged>(entity: E) -> SelectStatement {
        Query::select()
            .column(E::id_column())
            .from(entity)
            .and_where(E::deleted_column().is_not_null())
            .to_owned()
    }
    match kind {
        RecordType::Specialty => of(specialty::Entity),
        RecordType::Institution => of(institution::Entity),
        RecordType::Speaker => of(speaker::Entity),
        RecordType::Exchange => of(exchange::Entity),
        RecordType::AidShipment => of(aid_shipment::Entity),
        RecordType::NewsItem => of(news_item::Entity),
        RecordType::Photo => of(photo::Entity),
    }
}

/// Of the changes with ids in `ids`, those readers without a token may
/// see (their records are not deleted now).
pub async fn public_among<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<i64>, DbErr> {
    change_log::Entity::find()
        .select_only()
        .column(change_log::Column::Id)
        .filter(change_log::Column::Id.is_in(ids.iter().copied()))
        .filter(Visible::OfLiveRecords.condition())
        .into_tuple()
        .all(db)
        .await
}

/// The first change of a record: where it came from (the file and place
/// of its import, or the editor who created it); none when `visible`
/// hides the record's changes.
pub async fn origin<C: ConnectionTrait>(
    db: &C,
    (kind, id): (RecordType, i32),
    visible: Visible,
) -> Result<Option<change_log::Model>, DbErr> {
    change_log::Entity::find()
        .filter(visible.condition())
        .filter(change_log::Column::RecordType.eq(kind.as_str()))
        .filter(change_log::Column::RecordId.eq(id))
        .order_by_asc(change_log::Column::Id)
        .one(db)
        .await
}

/// Changes `visible` allows, newest first: of one record, or of every
/// record; after the change with id `after` (a cursor), `limit` at most.
pub async fn changes<C: ConnectionTrait>(
    db: &C,
    record: Option<(RecordType, i32)>,
    visible: Visible,
    (after, limit): (Option<i64>, u64),
    count_total: bool,
) -> Result<Page<change_log::Model>, DbErr> {
    let mut select = change_log::Entity::find().filter(visible.condition());
    if let Some((kind, id)) = record {
        select = select
            .filter(change_log::Column::RecordType.eq(kind.as_str()))
            .filter(change_log::Column::RecordId.eq(id));
    }
    let total = match count_total {
        true => Some(select.clone().count(db).await?),
        false => None,
    };
    let has_previous = match after {
        Some(after) => select
            .clone()
            .filter(change_log::Column::Id.gte(after))
            .one(db)
            .await?
            .is_some(),
        None => false,
    };
    if let Some(after) = after {
        select = select.filter(change_log::Column::Id.lt(after));
    }
    let mut rows = select
        .order_by_desc(change_log::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok(Page {
        rows,
        has_next,
        has_previous,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_lists_changed_added_and_removed_fields() {
        let before: State = [("name.ja", "亀田"), ("city.en", "Kamogawa")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let after: State = [("name.ja", "亀田総合病院"), ("name.en", "Kameda")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let fields: Vec<String> = diff(Some(&before), &after)
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(fields, ["city.en", "name.en", "name.ja"]);
        assert!(diff(Some(&after), &after).is_empty());
        assert_eq!(diff(None, &after).len(), 2);
    }
}
