//! Keyset pagination shared by every list: a page is asked for by a limit
//! and a position (after or before a key), and says whether more rows lie
//! on either side.

use sea_orm::sea_query::{DynIden, Expr, ExprTrait, IntoValueTuple, Value};
use sea_orm::{
    Condition, ConnectionTrait, DbErr, EntityTrait, IntoIdentity, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
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
    I: IntoIdentity,
{
    let keyset = Keyset::new(columns, descending);
    let total = count(db, &select, &request).await?;
    let probe = keyset.probe(select.clone(), &request)?;
    let rows = probe.limit(Keyset::probe_size(&request)).all(db).await?;
    keyset.finish(db, select, request, rows, total).await
}

/// How many rows `select` holds, when the request asks.
pub async fn count<E, C, K>(
    db: &C,
    select: &Select<E>,
    request: &PageRequest<K>,
) -> Result<Option<u64>, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    if !request.count_total {
        return Ok(None);
    }
    select.clone().count(db).await.map(Some)
}

/// The order of a list by its key columns, and the statements reading a
/// page of it: [`Keyset::probe`] reads the rows, [`Keyset::finish`] tells
/// where they stand. (A page read inside a larger statement, as the
/// exchanges' tree does, goes through the same two steps.)
pub struct Keyset {
    columns: Vec<DynIden>,
    descending: bool,
}

impl Keyset {
    /// The order by `columns` (ending with a unique column, so the order is
    /// total), ascending or descending.
    pub fn new(columns: impl IntoIdentity, descending: bool) -> Self {
        let columns = columns.into_identity().iter().cloned().collect();
        Keyset {
            columns,
            descending,
        }
    }

    /// Whether a page is read in descending key order: the list's order,
    /// turned around when the page is taken from the end.
    pub fn reads_descending<K>(&self, request: &PageRequest<K>) -> bool {
        self.descending != request.from_end
    }

    /// `select` narrowed to the window between the request's cursors, in
    /// reading order (see [`Keyset::reads_descending`]), without a limit:
    /// a page reads [`Keyset::probe_size`] rows of it.
    pub fn probe<E: EntityTrait, K: IntoValueTuple + Clone>(
        &self,
        select: Select<E>,
        request: &PageRequest<K>,
    ) -> Result<Select<E>, DbErr> {
        let select = self.window(select, request.after.clone(), request.before.clone())?;
        let order = if self.reads_descending(request) {
            Order::Desc
        } else {
            Order::Asc
        };
        Ok(self.columns.iter().fold(select, |select, column| {
            select.order_by(Self::column::<E>(column), order.clone())
        }))
    }

    /// How many rows a page reads: one more than asked, telling whether
    /// more follow.
    pub fn probe_size<K>(request: &PageRequest<K>) -> u64 {
        request.limit + 1
    }

    /// The page made of `rows`, as [`Keyset::probe`] read them: in list
    /// order, without the probing row, saying whether rows lie on either
    /// side.
    pub async fn finish<E, C, K>(
        &self,
        db: &C,
        select: Select<E>,
        request: PageRequest<K>,
        mut rows: Vec<E::Model>,
        total: Option<u64>,
    ) -> Result<Page<E::Model>, DbErr>
    where
        E: EntityTrait,
        C: ConnectionTrait,
        K: IntoValueTuple + StepKey + Clone,
    {
        let more = rows.len() as u64 > request.limit;
        rows.truncate(request.limit as usize);
        if request.from_end {
            rows.reverse();
        }
        // In list order, "at or before k" is "before k's step toward the
        // end of the list", and "at or after k" is "after its step toward
        // the start".
        let descending = self.descending;
        let (has_next, has_previous) = if request.from_end {
            let at_or_after = match &request.before {
                Some(before) => {
                    self.any_row(db, select, Some(before.step(descending)), None)
                        .await?
                }
                None => false,
            };
            (at_or_after, more)
        } else {
            let at_or_before = match &request.after {
                Some(after) => {
                    self.any_row(db, select, None, Some(after.step(!descending)))
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

    /// Whether `select` holds any row between `after` and `before`.
    async fn any_row<E, C, K>(
        &self,
        db: &C,
        select: Select<E>,
        after: Option<K>,
        before: Option<K>,
    ) -> Result<bool, DbErr>
    where
        E: EntityTrait,
        C: ConnectionTrait,
        K: IntoValueTuple,
    {
        let window = self.window(select, after, before)?;
        Ok(window.limit(1).one(db).await?.is_some())
    }

    /// `select` narrowed to rows strictly after `after` and strictly before
    /// `before`, in list order.
    fn window<E: EntityTrait, K: IntoValueTuple>(
        &self,
        select: Select<E>,
        after: Option<K>,
        before: Option<K>,
    ) -> Result<Select<E>, DbErr> {
        let mut select = select;
        if let Some(key) = after {
            select = select.filter(self.beyond::<E>(key, !self.descending)?);
        }
        if let Some(key) = before {
            select = select.filter(self.beyond::<E>(key, self.descending)?);
        }
        Ok(select)
    }

    /// Rows whose key is above `key` (`above`) or below it: for keys
    /// `(c1, c2)`, `c1 > v1 OR (c1 = v1 AND c2 > v2)`.
    fn beyond<E: EntityTrait>(
        &self,
        key: impl IntoValueTuple,
        above: bool,
    ) -> Result<Condition, DbErr> {
        let values: Vec<Value> = key.into_value_tuple().into_iter().collect();
        if values.len() != self.columns.len() {
            return Err(DbErr::KeyArityMismatch {
                expected: self.columns.len() as u8,
                received: values.len() as u8,
            });
        }
        let pairs: Vec<(Expr, Value)> = self
            .columns
            .iter()
            .map(|column| Self::column::<E>(column))
            .zip(values)
            .collect();
        let condition = (0..pairs.len()).fold(Condition::any(), |any, last| {
            let equal_before = pairs[..last]
                .iter()
                .fold(Condition::all(), |all, (column, value)| {
                    all.add(column.clone().eq(value.clone()))
                });
            let (column, value) = pairs[last].clone();
            let step = if above {
                column.gt(value)
            } else {
                column.lt(value)
            };
            any.add(equal_before.add(step))
        });
        Ok(condition)
    }

    /// The key column `column` of `E`'s table.
    fn column<E: EntityTrait>(column: &DynIden) -> Expr {
        Expr::col((E::default(), column.clone()))
    }
}
