//! The write path: what a writer's create, update, delete or restore does
//! ([`Editor`]), through the store's [`crate::store::writer::Writer`], which
//! writes a record's rows, search documents and history for mutations and
//! `medexchange import` alike.
//!
//! Each edit runs in one transaction: the data version that caches follow
//! (moved first, which also makes writers wait for one another), the
//! record with its texts and children, its search documents and its
//! history. Records are written in the dataset format through the same
//! writer and the same rules as `medexchange import`, so a record is the
//! same whichever way it was written. Nothing is written when a rule is
//! broken: the edit answers the broken rules instead.

mod kinds;

pub use kinds::Record;

use crate::dataset::{DatasetError, export::ExportError};
use crate::domain::rules::{Rule, Violation, Violations};
use crate::domain::vocabulary::{Role, now_rfc3339};
use crate::store::history::{self, Action, Provenance};
use crate::store::records;
use crate::store::search_index;
use crate::store::snapshot::Rows;
use crate::store::tokens::Caller;
use crate::store::writer::Writer;
use crate::store::{DatabaseConnection, DatabaseTransaction, DbErr};

/// Why an edit failed as a whole (rather than for its input).
#[derive(Debug)]
pub enum EditError {
    /// The writer's role may not do this; nothing was read or written.
    Forbidden(String),
    /// The database failed; nothing was written.
    Database(DbErr),
    /// A stored record could not be read back (a broken invariant).
    Stored(String),
}

impl From<DbErr> for EditError {
    fn from(error: DbErr) -> Self {
        EditError::Database(error)
    }
}

impl From<ExportError> for EditError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Database(error) => EditError::Database(error),
            other => EditError::Stored(other.to_string()),
        }
    }
}

impl From<DatasetError> for EditError {
    fn from(error: DatasetError) -> Self {
        match error {
            DatasetError::Database(error) => EditError::Database(error),
            other => EditError::Stored(other.to_string()),
        }
    }
}

/// The id of the record written, or the rules that kept it from being
/// written.
pub type Outcome = Result<i32, Violations>;

/// A record's bookkeeping: what the dataset format does not carry.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    /// Its id (0 for a new record).
    pub id: i32,
    /// Its version.
    pub version: i32,
    /// Whether an editor deleted it.
    pub deleted: bool,
    /// Its place among its kind (news) or its owner's photos.
    pub position: i32,
    /// What it belongs to (photos).
    pub owner: Option<records::PhotoOwner>,
}

/// One violation of `rule` at `field`.
pub fn violation(field: &[&str], rule: Rule) -> Violations {
    let field = field.iter().map(|part| (*part).to_owned()).collect();
    vec![Violation { field, rule }]
}

/// A writer's edits, as the token `caller` names them.
pub struct Editor<'a> {
    db: &'a DatabaseConnection,
    caller: &'a Caller,
}

impl<'a> Editor<'a> {
    /// Edits by `caller` over `db`.
    pub fn new(db: &'a DatabaseConnection, caller: &'a Caller) -> Self {
        Editor { db, caller }
    }

    /// Creates `draft` (with `meta`'s position and owner).
    pub async fn create<R: Record>(&self, draft: R, meta: Meta) -> Result<Outcome, EditError> {
        self.may(R::EDITED_BY, "create")?;
        let txn = records::begin(self.db).await?;
        let mut broken = draft.rules();
        broken.extend(slug_free::<R>(&txn, draft.slug(), None).await?);
        if !broken.is_empty() {
            return Ok(Err(broken));
        }
        let mut writer = self.writer(&txn, Action::Create);
        draft.write(&mut writer, &meta).await?;
        writer.finish().await?;
        let id = records::id_by_slug::<R::Entity, _>(&txn, draft.slug()).await?;
        records::commit(txn).await?;
        id.map(Ok)
            .ok_or_else(|| EditError::Stored("a created record has no id".into()))
    }

    /// Changes the record `id` with `change`, when its version is still
    /// `expected_version`.
    pub async fn update<R: Record>(
        &self,
        id: i32,
        expected_version: i32,
        change: impl FnOnce(&mut R),
    ) -> Result<Outcome, EditError> {
        self.update_at(id, Some(expected_version), change).await
    }

    /// Changes the record `id` as it is now, whatever its version (the
    /// operator's commands on the command line).
    pub async fn update_current<R: Record>(
        &self,
        id: i32,
        change: impl FnOnce(&mut R),
    ) -> Result<Outcome, EditError> {
        self.update_at(id, None, change).await
    }

    async fn update_at<R: Record>(
        &self,
        id: i32,
        expected_version: Option<i32>,
        change: impl FnOnce(&mut R),
    ) -> Result<Outcome, EditError> {
        self.may(R::EDITED_BY, "change")?;
        let txn = records::begin(self.db).await?;
        let (before, meta) = match current::<R>(&txn, id, expected_version).await? {
            Ok(found) => found,
            Err(broken) => return Ok(Err(broken)),
        };
        let mut after = before.clone();
        change(&mut after);
        let mut broken = after.changed_from(&before);
        broken.extend(after.rules());
        if after.slug() != before.slug() {
            self.may(Role::Admin, "change the slug of")?;
            broken.extend(slug_free::<R>(&txn, after.slug(), Some(id)).await?);
        }
        if !broken.is_empty() {
            return Ok(Err(broken));
        }
        self.rewrite(&txn, (id, &meta), &before, &after).await?;
        records::commit(txn).await?;
        Ok(Ok(id))
    }

    /// Writes `after` over the stored record `before` (moving its slug
    /// first when it changed), recording the whole change as one.
    async fn rewrite<R: Record>(
        &self,
        txn: &DatabaseTransaction,
        (id, meta): (i32, &Meta),
        before: &R,
        after: &R,
    ) -> Result<(), EditError> {
        let mut writer = self.writer(txn, Action::Update);
        if after.slug() != before.slug() {
            let state = history::state(txn, (R::TYPE, id)).await?;
            records::set_slug::<R::Entity, _>(txn, id, after.slug()).await?;
            writer.read_before(R::TYPE, after.slug(), state);
        }
        after.write(&mut writer, meta).await?;
        writer.finish().await?;
        Ok(())
    }

    /// Deletes the record `id` (softly), when its version is still
    /// `expected_version` and nothing refers to it.
    pub async fn delete<R: Record>(
        &self,
        id: i32,
        expected_version: i32,
    ) -> Result<Outcome, EditError> {
        self.may(R::EDITED_BY, "delete")?;
        let txn = records::begin(self.db).await?;
        if let Err(broken) = current::<R>(&txn, id, Some(expected_version)).await? {
            return Ok(Err(broken));
        }
        if records::referred_to(&txn, (R::TYPE, id)).await? {
            return Ok(Err(violation(&["id"], Rule::InUse)));
        }
        self.mark_deleted::<R>(&txn, id, Some(now_rfc3339()), Action::Delete)
            .await?;
        records::commit(txn).await?;
        Ok(Ok(id))
    }

    /// Brings back the record `id` as it was when deleted (a record that
    /// is not deleted stays as it is).
    pub async fn restore<R: Record>(&self, id: i32) -> Result<Outcome, EditError> {
        self.may(R::EDITED_BY, "restore")?;
        let txn = records::begin(self.db).await?;
        let rows = Rows::read_one(&txn, R::TYPE, id).await?;
        match R::meta(&rows) {
            None => return Ok(Err(violation(&["id"], Rule::NotFound))),
            Some(meta) if !meta.deleted => return Ok(Ok(id)),
            Some(_) => {}
        }
        self.mark_deleted::<R>(&txn, id, None, Action::Restore)
            .await?;
        records::commit(txn).await?;
        Ok(Ok(id))
    }

    /// Sets or clears the deletion of `id`, takes it out of the search
    /// index or puts it back, and records the change.
    async fn mark_deleted<R: Record>(
        &self,
        txn: &DatabaseTransaction,
        id: i32,
        at: Option<String>,
        action: Action,
    ) -> Result<(), EditError> {
        let before = history::state(txn, (R::TYPE, id)).await?;
        let deleting = at.is_some();
        records::set_deleted::<R::Entity, _>(txn, id, at).await?;
        for (kind, owners) in R::indexed(txn, id).await? {
            match deleting {
                true => search_index::remove(txn, kind, &owners).await?,
                false => search_index::reindex(txn, kind, owners).await.map(drop)?,
            }
        }
        let provenance = self.provenance(action);
        history::record(txn, (R::TYPE, id), Some(before), &provenance).await?;
        Ok(())
    }

    fn writer<'t>(&'t self, txn: &'t DatabaseTransaction, action: Action) -> Writer<'t> {
        Writer::new(txn, &self.caller.name, self.caller.name.clone(), action)
    }

    fn provenance(&self, action: Action) -> Provenance {
        Provenance {
            actor: self.caller.name.clone(),
            action,
            source: None,
        }
    }

    /// Refuses what the caller's role may not do.
    fn may(&self, needed: Role, doing: &str) -> Result<(), EditError> {
        if needed == Role::Admin && self.caller.role != Role::Admin {
            return Err(EditError::Forbidden(format!(
                "only an admin may {doing} this record"
            )));
        }
        Ok(())
    }
}

/// The record `id` as it is now, and its bookkeeping: `NOT_FOUND` when it
/// does not exist or is deleted, `CONFLICT` when its version is not
/// `expected_version`.
async fn current<R: Record>(
    txn: &DatabaseTransaction,
    id: i32,
    expected_version: Option<i32>,
) -> Result<Result<(R, Meta), Violations>, EditError> {
    let rows = Rows::read_one(txn, R::TYPE, id).await?;
    let (Some(meta), Some(record)) = (R::meta(&rows), R::from_rows(&rows)?) else {
        return Ok(Err(violation(&["id"], Rule::NotFound)));
    };
    if meta.deleted {
        return Ok(Err(violation(&["id"], Rule::NotFound)));
    }
    if expected_version.is_some_and(|expected| expected != meta.version) {
        return Ok(Err(violation(&["expectedVersion"], Rule::StaleVersion)));
    }
    Ok(Ok((record, meta)))
}

/// `DUPLICATE` when a record of the kind other than `except` (deleted
/// ones too: a slug is never reused) has `slug`.
async fn slug_free<R: Record>(
    txn: &DatabaseTransaction,
    slug: &str,
    except: Option<i32>,
) -> Result<Violations, EditError> {
    let taken = records::slug_taken::<R::Entity, _>(txn, slug, except).await?;
    Ok(match taken {
        true => violation(&["slug"], Rule::SlugTaken),
        false => Vec::new(),
    })
}

/// Attaches the stored `image` to the photo `slug` as the operator (the
/// command line's `media add`): history names the actor `cli`.
pub async fn attach_image(
    db: &DatabaseConnection,
    slug: &str,
    image: &crate::store::rows::image::Model,
) -> Result<i32, String> {
    let id = records::id_by_slug::<crate::store::rows::photo::Entity, _>(db, slug)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no photo has this slug")?;
    let caller = Caller {
        name: "cli".to_owned(),
        role: Role::Admin,
    };
    let (credit, copyright) = (image.credit.as_deref(), image.copyright.as_deref());
    let change =
        |photo: &mut crate::domain::record::Photo| photo.set_image(&image.hash, credit, copyright);
    match Editor::new(db, &caller).update_current(id, change).await {
        Ok(Ok(id)) => Ok(id),
        Ok(Err(broken)) => {
            let messages: Vec<String> = broken
                .iter()
                .map(|v| v.rule.message(crate::i18n::Lang::En).into_owned())
                .collect();
            Err(messages.join(" "))
        }
        Err(error) => Err(format!("{error:?}")),
    }
}
