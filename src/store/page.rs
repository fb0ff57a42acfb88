//! Keyset pagination shared by every list: a page is asked for by a limit
//! and a position (after or before a key), and says whether more rows lie
//! on either side.

use sea_orm::sea_query::IntoValueTuple;
use sea_orm::{
    ConnectionTrait, Cursor, DbErr, EntityTrait, IntoIdentity, PaginatorTrait, Select, SelectModel,
};

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

/// A cursor key that can move by the smallest step, so that "at or before
/// `k`" can be asked as "before the key just after `k`" (keys end with an
/// integer id, so nothing lies between `k` and its step).
pub trait StepKey: Sized {
    /// The next key up (`up`) or down.
    fn step(&self, up: bool) -> Self;
}

impl StepKey for i32 {
    fn step(&self, up: bool) -> i32 {
        if up {
            self.saturating_add(1)
        } else {
            self.saturating_sub(1)
        }
    }
}

impl StepKey for (String, i32) {
    fn step(&self, up: bool) -> (String, i32) {
        (self.0.clone(), self.1.step(up))
    }
}

/// Reads one page of `select`, ordered by `columns` (ending with a unique
/// column, so the order is total), ascending or descending.
///
/// Reads one row more than asked to tell whether more follow. Whether rows
/// lie on the other side of the cursor (`has_previous` paging forward from
/// `after`, `has_next` paging back from `before`) takes one more statement,
/// only when a cursor is given: the cursor may name a row that is gone, or
/// be made by hand.
pub async fn fetch<E, C, K, I>(
    db: &C,
    select: Select<E>,
    columns: I,
    request: PageRequest<K>,
    descending: bool,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
    K: IntoValueTuple + StepKey + Clone,
    I: IntoIdentity + Clone,
{
    let total = if request.count_total {
        Some(select.clone().count(db).await?)
    } else {
        None
    };
    let mut cursor = select.clone().cursor_by(columns.clone());
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
    // In list order, "at or before k" is "before k's step toward the end of
    // the list", and "at or after k" is "after its step toward the start".
    let (has_next, has_previous) = if request.from_end {
        if more {
            rows.remove(0);
        }
        let at_or_after = match &request.before {
            Some(before) => {
                any_row(db, select, columns, descending, |c| {
                    c.after(before.step(descending));
                })
                .await?
            }
            None => false,
        };
        (at_or_after, more)
    } else {
        rows.truncate(request.limit as usize);
        let at_or_before = match &request.after {
            Some(after) => {
                any_row(db, select, columns, descending, |c| {
                    c.before(after.step(!descending));
                })
                .await?
            }
            None => false,
        };
        (more, at_or_before)
    };
    Ok(Page {
        rows,
        has_next,
        has_previous,
        total,
    })
}

/// Whether `select`, in its list order and narrowed by `position`, holds
/// any row.
async fn any_row<E, C, I>(
    db: &C,
    select: Select<E>,
    columns: I,
    descending: bool,
    position: impl FnOnce(&mut Cursor<SelectModel<E::Model>>),
) -> Result<bool, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
    I: IntoIdentity,
{
    let mut cursor = select.cursor_by(columns);
    if descending {
        cursor.desc();
    }
    position(&mut cursor);
    Ok(!cursor.first(1).all(db).await?.is_empty())
}
