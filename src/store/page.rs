//! Keyset pagination shared by every list: a page is asked for by a limit
//! and a position (after or before a key), and says whether more rows lie
//! on either side.

use sea_orm::sea_query::IntoValueTuple;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IntoIdentity, PaginatorTrait, Select};

/// Which slice of an ordered list to read.
#[derive(Clone, Debug)]
pub struct PageRequest<K> {
    /// How many rows at most.
    pub limit: u64,
    /// Only rows strictly after this key.
    pub after: Option<K>,
    /// Only rows strictly before this key.
    pub before: Option<K>,
    /// Take the last `limit` rows of the window instead of the first.
    pub from_end: bool,
    /// Whether to count every row of the list too.
    pub count_total: bool,
}

/// One page of rows.
#[derive(Clone, Debug)]
pub struct Page<M> {
    /// The rows, in list order.
    pub rows: Vec<M>,
    /// More rows follow the last one.
    pub has_next: bool,
    /// More rows precede the first one.
    pub has_previous: bool,
    /// Rows in the whole list, when asked for.
    pub total: Option<u64>,
}

/// Reads one page of `select`, ordered by `columns` (ending with a unique
/// column, so the order is total), ascending or descending.
///
/// Reads one row more than asked to tell whether more follow. When paging
/// forward from a key, rows before it exist by construction (the key came
/// from one), so `has_previous` is true; likewise `has_next` backward.
pub async fn fetch<E, C, K>(
    db: &C,
    select: Select<E>,
    columns: impl IntoIdentity,
    request: PageRequest<K>,
    descending: bool,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
    K: IntoValueTuple + Clone,
{
    let total = if request.count_total {
        Some(select.clone().count(db).await?)
    } else {
        None
    };
    let mut cursor = select.cursor_by(columns);
    if descending {
        cursor.desc();
    }
    if let Some(after) = request.after.clone() {
        cursor.after(after);
    }
    if let Some(before) = request.before.clone() {
        cursor.before(before);
    }
    let probe = request.limit + 1;
    if request.from_end {
        cursor.last(probe);
    } else {
        cursor.first(probe);
    }
    let mut rows = cursor.all(db).await?;
    let more = rows.len() as u64 > request.limit;
    let (has_next, has_previous) = if request.from_end {
        if more {
            rows.remove(0);
        }
        (request.before.is_some(), more)
    } else {
        rows.truncate(request.limit as usize);
        (more, request.after.is_some())
    };
    Ok(Page {
        rows,
        has_next,
        has_previous,
        total,
    })
}
