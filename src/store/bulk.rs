//! Bulk writes (`medexchange generate`): rows inserted a thousand per
//! statement, with the ids chosen by the writer, in one transaction.

use crate::store::data_version;
use entity::specialty;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QuerySelect, Statement, TransactionTrait,
};

/// Rows waiting to be inserted. Parents are flushed before their children,
/// so foreign keys hold at every statement.
pub struct Batch<M> {
    rows: Vec<M>,
}

impl<M> Default for Batch<M> {
    fn default() -> Self {
        Batch { rows: Vec::new() }
    }
}

impl<M> Batch<M> {
    /// Rows per INSERT statement (well under both engines' parameter limits).
    const SIZE: usize = 1000;

    /// Adds a row (its id included).
    pub fn push(&mut self, row: M) {
        self.rows.push(row);
    }

    /// Inserts every row held.
    pub async fn flush<A, C>(&mut self, db: &C) -> Result<(), DbErr>
    where
        M: IntoActiveModel<A>,
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        C: ConnectionTrait,
    {
        while !self.rows.is_empty() {
            let rest = self.rows.split_off(self.rows.len().min(Self::SIZE));
            let chunk = std::mem::replace(&mut self.rows, rest);
            let chunk = chunk.into_iter().map(IntoActiveModel::into_active_model);
            A::Entity::insert_many(chunk)
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }
}

/// The next free id of a table.
pub async fn next_id<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    id: E::Column,
) -> Result<i32, DbErr> {
    let max: Option<Option<i32>> = E::find()
        .select_only()
        .column_as(Expr::expr(Func::max(Expr::col(id))), "max_id")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// Whether a specialty's slug starts with `prefix` (a generated dataset
/// with that prefix was written before).
pub async fn prefix_used(db: &DatabaseConnection, prefix: &str) -> Result<bool, DbErr> {
    let used = specialty::Entity::find()
        .filter(specialty::Column::Slug.starts_with(prefix))
        .count(db)
        .await?;
    Ok(used > 0)
}

/// Opens the transaction a bulk write runs in.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin().await
}

/// Ends a bulk write: moves the data version (and the reload version: the
/// change log does not list what a bulk write adds), sets PostgreSQL's id
/// sequences past the ids written (the writer chose them), commits, and
/// settles the database ([`super::after_bulk_write`]).
pub async fn commit(db: &DatabaseConnection, txn: DatabaseTransaction) -> Result<(), DbErr> {
    data_version::bump_for_reload(&txn).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        let tables = [
            "institution",
            "institution_alias",
            "specialty",
            "speaker",
            "exchange",
            "talk",
            "photo",
        ];
        for table in tables {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            );
            txn.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await?;
        }
    }
    txn.commit().await?;
    super::after_bulk_write(db).await
}
