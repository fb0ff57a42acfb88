//! Writers' token buckets in the database (table `write_rate`), shared by
//! every process on it: each take is one statement that refills the bucket
//! by the time passed on the database's clock (one clock for every
//! process) and takes the writes only when it holds enough.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use std::time::Duration;

/// The rate: a bucket of `per_minute` writes, refilled evenly.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub per_minute: u32,
}

impl Rate {
    fn per_ms(self) -> f64 {
        f64::from(self.per_minute) / 60_000.0
    }

    /// How long until a bucket holding `left` holds `wanted` (at most a
    /// full bucket), at least a second.
    pub fn wait(self, left: f64, wanted: f64) -> Duration {
        let missing = wanted.min(f64::from(self.per_minute)) - left;
        Duration::from_secs_f64((missing / self.per_ms() / 1000.0).max(1.0))
    }
}

/// Takes `writes` from `token`'s bucket: `Ok(Ok(()))` when it held enough,
/// `Ok(Err(wait))` when not (nothing taken). A negative `writes` gives them
/// back (never beyond a full bucket).
pub async fn take<C: ConnectionTrait>(
    db: &C,
    token: &str,
    writes: f64,
    rate: Rate,
) -> Result<Result<(), Duration>, DbErr> {
    let backend = db.get_database_backend();
    let values: [Value; 4] = [
        token.into(),
        f64::from(rate.per_minute).into(),
        writes.into(),
        rate.per_ms().into(),
    ];
    let statement = Statement::from_sql_and_values(backend, take_sql(backend), values);
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("write_rate".to_owned()))?;
    let taken: bool = row.try_get("", "taken")?;
    let left: f64 = row.try_get("", "left_writes")?;
    Ok(match taken {
        true => Ok(()),
        false => Err(rate.wait(left, writes)),
    })
}

/// The upsert: parameters token, capacity, writes wanted, refill per ms.
fn take_sql(backend: DbBackend) -> String {
    let (now, min, max, p): (&str, &str, &str, fn(u8) -> String) = match backend {
        DbBackend::Postgres => (
            "(extract(epoch from statement_timestamp()) * 1000)::double precision",
            "LEAST",
            "GREATEST",
            |i| format!("${i}"),
        ),
        _ => (
            "((julianday('now') - 2440587.5) * 86400000.0)",
            "MIN",
            "MAX",
            |i| format!("?{i}"),
        ),
    };
    let (token, capacity, wanted, per_ms) = (p(1), p(2), p(3), p(4));
    let refilled = format!(
        "{min}({capacity}, write_rate.left_writes + {max}(0, {now} - write_rate.at_ms) * {per_ms})"
    );
    format!(
        "INSERT INTO write_rate (token, left_writes, at_ms, taken) \
         VALUES ({token}, CASE WHEN {wanted} <= {capacity} THEN {min}({capacity}, {capacity} - {wanted}) \
         ELSE {capacity} END, {now}, {wanted} <= {capacity}) \
         ON CONFLICT (token) DO UPDATE SET \
         left_writes = CASE WHEN {refilled} >= {wanted} THEN {min}({capacity}, {refilled} - {wanted}) \
         ELSE {refilled} END, \
         taken = {refilled} >= {wanted}, \
         at_ms = {now} \
         RETURNING left_writes, taken"
    )
}
