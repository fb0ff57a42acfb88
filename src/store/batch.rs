//! Batch reads behind the API's DataLoaders (one statement for many keys),
//! and whole tables in a given order (export, the catalog).

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::hash::Hash;

/// Rows of `E` whose `column` is one of `keys`, ordered by `order`.
pub async fn rows_in<E, C>(
    db: &C,
    column: E::Column,
    keys: impl IntoIterator<Item = i32>,
    order: &[E::Column],
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let keys = distinct(keys);
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = E::find().filter(column.is_in(keys));
    for column in order {
        select = select.order_by_asc(*column);
    }
    select.all(db).await
}

/// The keys of a batch, each once, in ascending order (a loader may hand
/// them in any order, with repeats).
pub fn distinct(keys: impl IntoIterator<Item = i32>) -> Vec<i32> {
    let mut keys: Vec<i32> = keys.into_iter().collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Every row of the entity of `order`'s columns, in that order.
pub async fn all<C, Col>(
    db: &C,
    order: &[Col],
) -> Result<Vec<<Col::EntityName as EntityTrait>::Model>, DbErr>
where
    C: ConnectionTrait,
    Col: ColumnTrait,
    Col::EntityName: EntityTrait,
{
    let mut select = <Col::EntityName as EntityTrait>::find();
    for column in order {
        select = select.order_by_asc(*column);
    }
    select.all(db).await
}

/// Groups rows by a key, keeping their order within each group.
pub fn group_by<K: Hash + Eq, T>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut groups: HashMap<K, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}
