//! What lies below exchanges (texts, participants, specialties, talks and
//! their titles, photos and their captions), read with the exchanges in one
//! statement: for a page of them ([`load_page`]), or one by id ([`load`]).
//!
//! Each part is a scalar subquery aggregating its rows into a JSON array
//! (`json_agg` on PostgreSQL, `json_group_array` on SQLite), each row an
//! array of its columns in the order of the model's fields; the rows are
//! put in the order the one-hop loaders give once read ([`Trees::sort`]).
//! One statement instead of one per hop saves their round trips and the
//! hops' waits for one another. Of the texts, only the rows needed in the
//! language asked for are read ([`translations::needed_rows`]).

use crate::i18n::Lang;
use crate::store::sql::Params;
use crate::store::translations;
use entity::{
    exchange, exchange_participant, exchange_specialty, exchange_translation, photo,
    photo_translation, talk, talk_translation,
};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable, QueryResult, Statement,
};
use serde::de::DeserializeOwned;

/// Which parts of the exchanges' trees to read (the exchanges themselves
/// are always read), and for which language their texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeParts {
    /// The language texts are read for: only the rows needed to pick them
    /// in it, along its fallback chain.
    pub lang: Lang,
    /// Titles and summaries.
    pub texts: bool,
    /// The institutions taking part.
    pub participants: bool,
    /// The specialties covered.
    pub specialties: bool,
    /// The talks.
    pub talks: bool,
    /// The talks' titles.
    pub talk_texts: bool,
    /// The photos.
    pub photos: bool,
    /// The photos' captions.
    pub photo_texts: bool,
}

impl TreeParts {
    /// The parts either asks for, texts in this one's language.
    pub fn or(self, other: TreeParts) -> TreeParts {
        TreeParts {
            lang: self.lang,
            texts: self.texts || other.texts,
            participants: self.participants || other.participants,
            specialties: self.specialties || other.specialties,
            talks: self.talks || other.talks,
            talk_texts: self.talk_texts || other.talk_texts,
            photos: self.photos || other.photos,
            photo_texts: self.photo_texts || other.photo_texts,
        }
    }
}

/// The rows of the parts read (empty for a part not asked for), each in
/// the order of its one-hop loader: by owner, then position or language.
#[derive(Debug, Default)]
pub struct Trees {
    /// The exchanges, by id.
    pub exchanges: Vec<exchange::Model>,
    /// Titles and summaries needed in the language asked for, by exchange
    /// and language.
    pub texts: Vec<exchange_translation::Model>,
    /// Participants, by exchange and position.
    pub participants: Vec<exchange_participant::Model>,
    /// Specialties covered, by exchange and position.
    pub specialties: Vec<exchange_specialty::Model>,
    /// Talks, by exchange, position and id.
    pub talks: Vec<talk::Model>,
    /// The talks' titles needed, by talk and language.
    pub talk_texts: Vec<talk_translation::Model>,
    /// Photos, by exchange, position and id.
    pub photos: Vec<photo::Model>,
    /// The photos' captions needed, by photo and language.
    pub photo_texts: Vec<photo_translation::Model>,
}

/// The exchange `id` with the `parts` of its tree, in one statement.
pub async fn load<C: ConnectionTrait>(db: &C, id: i32, parts: TreeParts) -> Result<Trees, DbErr> {
    read(db, Sql::of_one(db.get_database_backend(), id), parts).await
}

/// The first `size` exchanges `page` selects (an ordered statement reading
/// exchange rows), in id order, with the `parts` of their trees: one
/// statement, the page being a common table expression the parts read
/// their owners from.
pub async fn load_page<C: ConnectionTrait>(
    db: &C,
    page: Statement,
    size: u64,
    parts: TreeParts,
) -> Result<Trees, DbErr> {
    let sql = Sql::of_page(db.get_database_backend(), page, size);
    read(db, sql, parts).await
}

/// Builds the exchanges and the parts asked for onto `sql`, runs it, and
/// reads its one row.
async fn read<C: ConnectionTrait>(db: &C, mut sql: Sql, parts: TreeParts) -> Result<Trees, DbErr> {
    use Owner::{Exchange, Itself, Photo, Talk};
    use exchange_translation::Column as Text;
    use photo_translation::Column as PhotoText;
    use talk_translation::Column as TalkText;
    let lang = parts.lang;
    sql.part::<exchange::Entity>("exchanges", Itself, None);
    if parts.texts {
        let texts = Some((Text::ExchangeId, lang));
        sql.part::<exchange_translation::Entity>("texts", Exchange, texts);
    }
    if parts.participants {
        sql.part::<exchange_participant::Entity>("participants", Exchange, None);
    }
    if parts.specialties {
        sql.part::<exchange_specialty::Entity>("specialties", Exchange, None);
    }
    if parts.talks {
        sql.part::<talk::Entity>("talks", Exchange, None);
    }
    if parts.talk_texts {
        let texts = Some((TalkText::TalkId, lang));
        sql.part::<talk_translation::Entity>("talk_texts", Talk, texts);
    }
    if parts.photos {
        sql.part::<photo::Entity>("photos", Exchange, None);
    }
    if parts.photo_texts {
        let texts = Some((PhotoText::PhotoId, lang));
        sql.part::<photo_translation::Entity>("photo_texts", Photo, texts);
    }
    let row = db
        .query_one_raw(sql.statement())
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("exchange trees".to_owned()))?;
    let mut trees = Trees {
        exchanges: rows(&row, true, "exchanges")?,
        texts: rows(&row, parts.texts, "texts")?,
        participants: rows(&row, parts.participants, "participants")?,
        specialties: rows(&row, parts.specialties, "specialties")?,
        talks: rows(&row, parts.talks, "talks")?,
        talk_texts: rows(&row, parts.talk_texts, "talk_texts")?,
        photos: rows(&row, parts.photos, "photos")?,
        photo_texts: rows(&row, parts.photo_texts, "photo_texts")?,
    };
    trees.sort();
    Ok(trees)
}

impl Trees {
    /// Puts each part's rows in the order of its one-hop loader. The
    /// statement's aggregates leave them unordered: ordering them there
    /// was 15% of the list page's statement on PostgreSQL (a sort set up
    /// per part), here it is a pass over rows mostly in order already.
    fn sort(&mut self) {
        self.exchanges.sort_by_key(|r| r.id);
        self.texts
            .sort_by(|a, b| (a.exchange_id, &a.lang).cmp(&(b.exchange_id, &b.lang)));
        self.participants
            .sort_by_key(|r| (r.exchange_id, r.position));
        self.specialties
            .sort_by_key(|r| (r.exchange_id, r.position));
        self.talks
            .sort_by_key(|r| (r.exchange_id, r.position, r.id));
        self.talk_texts
            .sort_by(|a, b| (a.talk_id, &a.lang).cmp(&(b.talk_id, &b.lang)));
        self.photos
            .sort_by_key(|r| (r.exchange_id, r.position, r.id));
        self.photo_texts
            .sort_by(|a, b| (a.photo_id, &a.lang).cmp(&(b.photo_id, &b.lang)));
    }
}

/// Whose rows a part holds: the page's exchanges (the exchange rows
/// themselves, or rows owned by them), or their talks' or photos'.
#[derive(Clone, Copy)]
enum Owner {
    Itself,
    Exchange,
    Talk,
    Photo,
}

/// Where the exchanges whose trees are read come from.
enum Exchanges {
    /// The exchange with this id, bound once per part as a plain value:
    /// PostgreSQL then plans the statement once per connection. (For an
    /// array of ids it expects ten, finds a plan for one cheaper, and so
    /// plans again at every run.)
    One(i32),
    /// The rows of the common table expression `page`.
    Page,
}

/// The one-row statement being built: a JSON array per part.
struct Sql {
    params: Params,
    read: Read,
    /// `WITH page AS (...) ` when the exchanges are a page.
    with: String,
    columns: Vec<String>,
}

impl Sql {
    fn of_one(backend: DbBackend, id: i32) -> Self {
        Sql {
            params: Params::new(backend),
            read: Read {
                backend,
                exchanges: Exchanges::One(id),
            },
            with: String::new(),
            columns: Vec::new(),
        }
    }

    fn of_page(backend: DbBackend, page: Statement, size: u64) -> Self {
        let mut params = Params::new(backend);
        // The limit written out, not bound: PostgreSQL plans the statement
        // once per connection for any parameters (a generic plan), and
        // for a bound limit it guesses a tenth of the table, which turns
        // the parts' index lookups into whole-table scans.
        let with = format!("WITH page AS ({} LIMIT {size}) ", params.embed(page));
        Sql {
            params,
            read: Read {
                backend,
                exchanges: Exchanges::Page,
            },
            with,
            columns: Vec::new(),
        }
    }

    /// Adds the column `name`: `E`'s rows of `owner` as a JSON array of
    /// rows, each an array of the model's fields in their order (serde
    /// reads a struct from such an array; no key is repeated per row, so
    /// there is less to build and to parse). For a translation table,
    /// `texts` (the column naming the owner, and a language) keeps the rows
    /// needed in that language.
    fn part<E: EntityTrait>(&mut self, name: &str, owner: Owner, texts: Option<(E::Column, Lang)>) {
        let (read, params) = (&self.read, &mut self.params);
        let source = match (owner, &read.exchanges, texts) {
            (Owner::Itself, Exchanges::Page, _) => "page WHERE true".to_owned(),
            (_, _, Some((owned_by, lang))) => {
                let filter = |params: &mut Params| read.filter(params, owner);
                translations::needed_rows::<E>(params, owned_by, lang, filter)
            }
            _ => format!(
                "{} WHERE {}",
                E::default().table_name(),
                read.filter(params, owner)
            ),
        };
        let fields: Vec<&str> = E::Column::iter().map(|c| c.as_str()).collect();
        let (row, array, as_text) = match self.read.backend {
            DbBackend::Postgres => ("json_build_array", "json_agg", "::text"),
            _ => ("json_array", "json_group_array", ""),
        };
        self.columns.push(format!(
            "(SELECT {array}({row}({fields})){as_text} FROM {source}) AS {name}",
            fields = fields.join(", "),
        ));
    }

    fn statement(self) -> sea_orm::Statement {
        let sql = format!("{}SELECT {}", self.with, self.columns.join(", "));
        self.params.statement(sql)
    }
}

/// Whose trees are read, on which database.
struct Read {
    backend: DbBackend,
    exchanges: Exchanges,
}

impl Read {
    /// The condition on a part's rows: owned by the exchanges read.
    fn filter(&self, params: &mut Params, owner: Owner) -> String {
        let mut of_exchanges = |column: &str| match &self.exchanges {
            Exchanges::Page => self.owned_by(column, "SELECT id FROM page".to_owned()),
            Exchanges::One(id) => format!("{column} = {}", params.bind(*id)),
        };
        match owner {
            Owner::Itself => of_exchanges("id"),
            Owner::Exchange => of_exchanges("exchange_id"),
            Owner::Talk => {
                let talks = of_exchanges("exchange_id");
                self.owned_by("talk_id", format!("SELECT id FROM talk WHERE {talks}"))
            }
            Owner::Photo => {
                let photos = of_exchanges("exchange_id");
                self.owned_by("photo_id", format!("SELECT id FROM photo WHERE {photos}"))
            }
        }
    }

    /// `column` is one of the ids `owners` selects. On PostgreSQL an array
    /// of them, made once per part and looked up in the index on `column`
    /// in one scan: `IN (SELECT ...)` hashes the owners and joins, nearly
    /// twice the time for a page's exchanges and about 5% more for their
    /// photos' captions.
    fn owned_by(&self, column: &str, owners: String) -> String {
        match self.backend {
            DbBackend::Postgres => format!("{column} = ANY(ARRAY({owners}))"),
            _ => format!("{column} IN ({owners})"),
        }
    }
}

/// The rows of the part in `column`: none when it was not asked for or
/// matched nothing (the aggregate of no rows is NULL).
fn rows<T: DeserializeOwned>(
    row: &QueryResult,
    asked: bool,
    column: &str,
) -> Result<Vec<T>, DbErr> {
    if !asked {
        return Ok(Vec::new());
    }
    let Some(json) = row.try_get::<Option<String>>("", column)? else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&json)
        .map_err(|e| DbErr::Custom(format!("the exchanges' {column} as read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_sorted_as_their_loaders_give_them() {
        let participant = |exchange_id, position| exchange_participant::Model {
            exchange_id,
            institution_id: 10 * exchange_id + position,
            position,
        };
        let talk = |id, exchange_id, position| talk::Model {
            id,
            exchange_id,
            speaker_id: 1,
            position,
            kind: "lecture".to_owned(),
        };
        let caption = |photo_id, lang: &str| photo_translation::Model {
            photo_id,
            lang: lang.to_owned(),
            caption: Some(format!("{photo_id} {lang}")),
        };
        let mut trees = Trees {
            participants: vec![participant(2, 0), participant(1, 1), participant(1, 0)],
            talks: vec![talk(7, 1, 1), talk(9, 1, 0), talk(8, 1, 0)],
            photo_texts: vec![caption(3, "zh"), caption(3, "ja"), caption(2, "zh")],
            ..Trees::default()
        };
        trees.sort();
        let participants: Vec<(i32, i32)> = trees
            .participants
            .iter()
            .map(|p| (p.exchange_id, p.position))
            .collect();
        assert_eq!(participants, [(1, 0), (1, 1), (2, 0)]);
        let talks: Vec<i32> = trees.talks.iter().map(|t| t.id).collect();
        assert_eq!(talks, [8, 9, 7]);
        let captions: Vec<(i32, &str)> = trees
            .photo_texts
            .iter()
            .map(|c| (c.photo_id, c.lang.as_str()))
            .collect();
        assert_eq!(captions, [(2, "zh"), (3, "ja"), (3, "zh")]);
    }
}
