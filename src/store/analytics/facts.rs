//! The fact table: every exchange readers see, reduced to what analysts'
//! questions group and count by (dates, format, specialties, participants,
//! talks' speakers, photos), held in memory by each process.
//!
//! It is read whole once, then kept up to date from the change log: after
//! a write, only the exchanges the logged changes name (and the owners of
//! the photos they name) are read again. Writes the log does not describe
//! record by record (a generated dataset) move the data version's
//! `reload_version`, and the table is then read whole again. Each update
//! reads in one snapshot together with the [`Marks`] it is tagged with.
//!
//! About 80 bytes an exchange (1,000,000 exchanges: ~80 MB), in
//! [`Chunks`] so that an update copies only what it changes.

use super::chunks::Chunks;
use crate::store::bulk;
use crate::store::connection::read_snapshot as snapshot;
use crate::store::data_version::{self, LoggedChange, Marks};
use crate::store::history;
use entity::{exchange, exchange_participant, exchange_specialty, photo, talk};
use rustc_hash::{FxHashMap, FxHashSet};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};

/// Exchanges read per statement when the table is read whole.
const READ_STEP: i32 = 20_000;

/// The most logged changes applied one by one; beyond, the table is read
/// whole again.
const MOST_CHANGES: u64 = 5_000;

/// One exchange as analysts' questions see it. Dates are numbers
/// `YYYYMMDD` (`DD` 0 for a date given to the month).
#[derive(Clone, Debug, Default)]
pub struct Fact {
    /// Readers see it (not deleted, and read): the other facts are empty.
    pub live: bool,
    /// Its format, as an index into [`Facts::formats`].
    pub format: u8,
    specialty_count: u16,
    participant_count: u16,
    /// Its photos readers see.
    pub photos: u32,
    /// Its date as the source gives it.
    pub date: u32,
    /// Its first day.
    pub starts_on: u32,
    /// Its last day.
    pub ends_on: u32,
    /// Calendar year.
    pub year: i32,
    /// Japanese fiscal year.
    pub fiscal_year: i32,
    /// Specialty ids, then institution ids (in the order given), then the
    /// speaker of each talk.
    children: Box<[i32]>,
}

impl Fact {
    /// The specialties it covers, by id.
    pub fn specialties(&self) -> &[i32] {
        &self.children[..self.specialty_count as usize]
    }

    /// The institutions taking part, by id.
    pub fn participants(&self) -> &[i32] {
        let from = self.specialty_count as usize;
        &self.children[from..from + self.participant_count as usize]
    }

    /// The speaker of each of its talks (a speaker with two talks twice).
    pub fn talk_speakers(&self) -> &[i32] {
        &self.children[(self.specialty_count + self.participant_count) as usize..]
    }

    /// The month of its first day, `YYYYMM`.
    pub fn month(&self) -> u32 {
        self.starts_on / 100
    }
}

/// A date `YYYY-MM-DD` or `YYYY-MM` as the number `YYYYMMDD` (`DD` 0 for
/// a month); 0 when it is neither.
pub fn day_number(text: &str) -> u32 {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let month = || Some(digits(0..4)? * 10_000 + digits(5..7)? * 100);
    let number = match text.len() {
        7 => month(),
        10 => month().zip(digits(8..10)).map(|(month, day)| month + day),
        _ => None,
    };
    number.unwrap_or(0)
}

/// The text of a [`day_number`]: `YYYY-MM-DD`, or `YYYY-MM` for a month.
pub fn day_text(number: u32) -> String {
    let (year, month, day) = (number / 10_000, number / 100 % 100, number % 100);
    match day {
        0 => format!("{year:04}-{month:02}"),
        _ => format!("{year:04}-{month:02}-{day:02}"),
    }
}

/// The fact table of one data version.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Where the archive stood when the table was read.
    pub marks: Marks,
    /// Facts by exchange id.
    pub exchanges: Chunks<Fact>,
    /// The formats met, as stored; a fact's `format` indexes this.
    pub formats: Vec<String>,
}

/// Which exchanges one read covers.
enum Which<'a> {
    /// Ids from the first to the second, inclusive.
    Range(i32, i32),
    /// These ids.
    Ids(&'a [i32]),
}

impl Which<'_> {
    fn on(&self, column: impl ColumnTrait) -> SimpleExpr {
        match self {
            Which::Range(first, last) => column.between(*first, *last),
            Which::Ids(ids) => column.is_in(ids.iter().copied()),
        }
    }
}

/// What [`Facts::updated`] found.
pub enum Update {
    /// The table of the data version now.
    Done(Facts),
    /// The changes since cannot be applied one by one: read it whole.
    Reload,
}

impl Facts {
    /// Reads the whole table, in one snapshot.
    pub async fn load(db: &DatabaseConnection) -> Result<Facts, DbErr> {
        let txn = snapshot(db).await?;
        let mut facts = Facts {
            marks: data_version::marks(&txn).await?,
            ..Facts::default()
        };
        let last = bulk::next_id::<exchange::Entity, _>(&txn, exchange::Column::Id).await? - 1;
        let mut first = 1;
        while first <= last {
            let through = first.saturating_add(READ_STEP - 1);
            facts.read(&txn, Which::Range(first, through)).await?;
            first = through.saturating_add(1);
        }
        txn.commit().await?;
        Ok(facts)
    }

    /// The table brought to the data version now, from the changes logged
    /// since it was read; in one snapshot.
    pub async fn updated(&self, db: &DatabaseConnection) -> Result<Update, DbErr> {
        let txn = snapshot(db).await?;
        let (marks, changes) = data_version::logged_since(&txn, &self.marks, MOST_CHANGES).await?;
        let Some(changes) = changes else {
            return Ok(Update::Reload);
        };
        let mut facts = self.clone();
        facts.apply(&txn, &changes).await?;
        facts.marks = marks;
        txn.commit().await?;
        Ok(Update::Done(facts))
    }

    /// Reads again the exchanges `changes` name, and those the photos they
    /// name belong to (now, and before and after each change).
    async fn apply(
        &mut self,
        db: &DatabaseTransaction,
        changes: &[LoggedChange],
    ) -> Result<(), DbErr> {
        let mut exchanges: FxHashSet<i32> = FxHashSet::default();
        let mut photos: FxHashSet<i32> = FxHashSet::default();
        for (kind, id, diff) in changes {
            match kind.as_str() {
                "Exchange" => {
                    exchanges.insert(*id);
                }
                "Photo" => {
                    photos.insert(*id);
                    let owners = history::values_of(diff, "exchange_id");
                    exchanges.extend(owners.iter().filter_map(|id| id.parse::<i32>().ok()));
                }
                _ => {}
            }
        }
        if !photos.is_empty() {
            let owners: Vec<Option<i32>> = photo::Entity::find()
                .select_only()
                .column(photo::Column::ExchangeId)
                .filter(photo::Column::Id.is_in(photos))
                .into_tuple()
                .all(db)
                .await?;
            exchanges.extend(owners.into_iter().flatten());
        }
        let ids: Vec<i32> = exchanges.into_iter().collect();
        for batch in ids.chunks(READ_STEP as usize) {
            self.read(db, Which::Ids(batch)).await?;
        }
        Ok(())
    }

    /// Reads the exchanges `which` covers, in five statements: those
    /// readers see become live facts, the others empty ones.
    async fn read<C: ConnectionTrait>(&mut self, db: &C, which: Which<'_>) -> Result<(), DbErr> {
        let rows: Vec<(i32, String, String, String, i32, i32, String)> = exchange::Entity::find()
            .select_only()
            .columns([
                exchange::Column::Id,
                exchange::Column::Date,
                exchange::Column::StartsOn,
                exchange::Column::EndsOn,
                exchange::Column::Year,
                exchange::Column::FiscalYear,
                exchange::Column::Format,
            ])
            .filter(exchange::Column::DeletedAt.is_null())
            .filter(which.on(exchange::Column::Id))
            .into_tuple()
            .all(db)
            .await?;
        let children = Children::read(db, &which).await?;
        if let Which::Ids(ids) = which {
            for id in ids {
                self.set(*id, Fact::default());
            }
        }
        for (id, date, starts_on, ends_on, year, fiscal_year, format) in rows {
            let fact = Fact {
                live: true,
                format: self.format_index(&format),
                date: day_number(&date),
                starts_on: day_number(&starts_on),
                ends_on: day_number(&ends_on),
                year,
                fiscal_year,
                ..children.of(id)
            };
            self.set(id, fact);
        }
        Ok(())
    }

    fn set(&mut self, id: i32, fact: Fact) {
        if let Ok(index) = usize::try_from(id) {
            self.exchanges.set(index, fact);
        }
    }

    fn format_index(&mut self, format: &str) -> u8 {
        if let Some(at) = self.formats.iter().position(|f| f == format) {
            return at as u8;
        }
        self.formats.push(format.to_owned());
        (self.formats.len() - 1).min(u8::MAX as usize) as u8
    }

    /// The live facts, with their exchange ids.
    pub fn live(&self) -> impl Iterator<Item = (i32, &Fact)> {
        let facts = self.exchanges.iter().filter(|(_, fact)| fact.live);
        facts.map(|(id, fact)| (id as i32, fact))
    }
}

/// The children of the exchanges one read covers, by exchange id.
#[derive(Default)]
struct Children {
    specialties: FxHashMap<i32, Vec<i32>>,
    participants: FxHashMap<i32, Vec<i32>>,
    speakers: FxHashMap<i32, Vec<i32>>,
    /// Photos readers see, by exchange.
    photo_counts: FxHashMap<i32, u32>,
}

impl Children {
    async fn read<C: ConnectionTrait>(db: &C, which: &Which<'_>) -> Result<Children, DbErr> {
        use exchange_participant::Column as Participant;
        use exchange_specialty::Column as Specialty;
        let specialties = owned(db, which, Specialty::ExchangeId, Specialty::SpecialtyId).await?;
        let participants = owned(
            db,
            which,
            Participant::ExchangeId,
            Participant::InstitutionId,
        )
        .await?;
        let speakers = owned(db, which, talk::Column::ExchangeId, talk::Column::SpeakerId).await?;
        let photo_counts: Vec<(i32, i64)> = photo::Entity::find()
            .select_only()
            .column(photo::Column::ExchangeId)
            .column_as(photo::Column::Id.count(), "photos")
            .filter(which.on(photo::Column::ExchangeId))
            .filter(photo::Column::DeletedAt.is_null())
            .group_by(photo::Column::ExchangeId)
            .into_tuple()
            .all(db)
            .await?;
        let photo_counts = photo_counts
            .into_iter()
            .map(|(owner, count)| (owner, u32::try_from(count).unwrap_or(u32::MAX)))
            .collect();
        Ok(Children {
            specialties,
            participants,
            speakers,
            photo_counts,
        })
    }

    /// The fact of exchange `id` with its children (and nothing else).
    fn of(&self, id: i32) -> Fact {
        fn list(map: &FxHashMap<i32, Vec<i32>>, id: i32) -> &[i32] {
            map.get(&id).map_or(&[], |v| v.as_slice())
        }
        let specialties = list(&self.specialties, id);
        let participants = list(&self.participants, id);
        let children: Vec<i32> = [specialties, participants, list(&self.speakers, id)].concat();
        Fact {
            specialty_count: specialties.len().min(u16::MAX as usize) as u16,
            participant_count: participants.len().min(u16::MAX as usize) as u16,
            photos: self.photo_counts.get(&id).copied().unwrap_or(0),
            children: children.into_boxed_slice(),
            ..Fact::default()
        }
    }
}

/// The `id` column of the rows of one table whose `owner` column is an
/// exchange `which` covers, by owner.
async fn owned<C, Col>(
    db: &C,
    which: &Which<'_>,
    owner: Col,
    id: Col,
) -> Result<FxHashMap<i32, Vec<i32>>, DbErr>
where
    C: ConnectionTrait,
    Col: ColumnTrait,
    Col::EntityName: EntityTrait,
{
    let pairs: Vec<(i32, i32)> = <Col::EntityName as EntityTrait>::find()
        .select_only()
        .columns([owner, id])
        .filter(which.on(owner))
        .into_tuple()
        .all(db)
        .await?;
    let mut owned: FxHashMap<i32, Vec<i32>> = FxHashMap::default();
    for (owner, id) in pairs {
        owned.entry(owner).or_default().push(id);
    }
    Ok(owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_their_order_and_text() {
        assert_eq!(day_number("2020-06-15"), 20200615);
        assert_eq!(day_number("2020-06"), 20200600);
        assert!(day_number("2020-06") < day_number("2020-06-01"));
        assert_eq!(day_number("June"), 0);
        assert_eq!(day_text(20200615), "2020-06-15");
        assert_eq!(day_text(20200600), "2020-06");
    }
}
