//! Search over every localized text and alias, in any language.
//!
//! The query is folded and tokenized like the indexed texts
//! ([`crate::i18n::fold`]), then looked up in three steps, each through an
//! index: texts equal to the query, texts starting with it (both on the
//! `head` column), and texts holding all its tokens (FTS5 on SQLite, GIN on
//! PostgreSQL; the first [`candidates`] of them in id order on both engines.
//! The exact and prefix steps are complete; when more texts hold the tokens
//! than the candidates examined, later ones are not ranked). Each hit is
//! ranked by how its best text matched: exact, prefix, substring, then
//! tokens found apart; ties go to a text in the asked language, then by
//! kind and id. Both engines answer and rank the same.
//!
//! The query is only ever a bound parameter: quotes, `%`, SQL and FTS
//! operators are plain text (tokens hold letters and digits only).
//!
//! On SQLite the FTS5 table is joined with `CROSS JOIN`, which keeps it the
//! outer loop: left to itself the planner may walk every document of a kind
//! and probe FTS5 for each (ten times slower at 50,000 exchanges).

use crate::i18n::Lang;
use crate::i18n::fold::{QueryToken, fold, query_tokens};
use crate::i18n::highlight::{self, Found};
use crate::store::connection::custom_plans;
use crate::store::search_index::{DocKind, HEAD_CHARS, Owners, texts};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Statement, Value,
};
use std::collections::HashMap;

/// How well a hit matched: lower is better.
pub use crate::i18n::highlight::Closeness as MatchQuality;

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// What was found.
    pub kind: DocKind,
    /// Its row id.
    pub id: i32,
    /// How well it matched.
    pub quality: MatchQuality,
    /// Its best text is not in the asked language.
    pub other_language: bool,
}

/// Where a hit stands in the ranking (lower first); a page after a hit
/// starts after its rank.
pub type Rank = (MatchQuality, bool, DocKind, i32);

impl Hit {
    /// Its place in the ranking.
    pub fn rank(&self) -> Rank {
        (self.quality, self.other_language, self.kind, self.id)
    }
}

/// How deep search pages reach: results after the first this many are not
/// ranked (as search engines bound deep paging; refine the query instead).
pub const MAX_SEARCH_DEPTH: u64 = 1_000;

/// One page of ranked hits.
#[derive(Clone, Debug)]
pub struct SearchPage {
    /// The hits, best first.
    pub hits: Vec<Hit>,
    /// How many hits rank before the first.
    pub offset: u64,
    /// More hits follow (within [`MAX_SEARCH_DEPTH`]).
    pub has_next: bool,
}

/// A folded query, ready to look up.
#[derive(Clone, Debug)]
pub struct TextQuery {
    folded: String,
    tokens: Vec<QueryToken>,
}

impl TextQuery {
    /// Folds and tokenizes `query`; `None` when it holds no letter or digit.
    pub fn new(query: &str) -> Option<Self> {
        let folded = fold(query.trim());
        let tokens = query_tokens(&folded);
        (!tokens.is_empty()).then_some(TextQuery { folded, tokens })
    }

    /// The FTS5 MATCH expression (every token; the last word as a prefix).
    fn fts5_match(&self) -> String {
        let terms: Vec<String> = self
            .tokens
            .iter()
            .map(|t| {
                format!(
                    "\"{}\"{}",
                    t.text.replace('"', "\"\""),
                    if t.prefix { "*" } else { "" }
                )
            })
            .collect();
        terms.join(" AND ")
    }

    /// The tsquery text (every token; the last word as a prefix).
    fn tsquery(&self) -> String {
        let terms: Vec<String> = self
            .tokens
            .iter()
            .map(|t| {
                let lexeme = t.text.replace('\\', "\\\\").replace('\'', "''");
                format!("'{lexeme}'{}", if t.prefix { ":*" } else { "" })
            })
            .collect();
        terms.join(" & ")
    }

    /// SQL for the ids of documents of `kind` holding the query as a
    /// substring, through the token index.
    fn documents_of_kind(&self, backend: DbBackend, kind: DocKind) -> (String, Vec<Value>) {
        match backend {
            DbBackend::Postgres => (
                "SELECT owner_id FROM search_document WHERE kind = ? AND tokens_tsv @@ CAST(? AS tsquery) AND strpos(folded, ?) > 0"
                    .to_owned(),
                vec![kind.as_str().into(), self.tsquery().into(), self.folded.clone().into()],
            ),
            _ => (
                "SELECT d.owner_id FROM search_fts CROSS JOIN search_document d ON d.id = search_fts.rowid \
                 WHERE search_fts MATCH ? AND d.kind = ? AND instr(d.folded, ?) > 0"
                    .to_owned(),
                vec![self.fts5_match().into(), kind.as_str().into(), self.folded.clone().into()],
            ),
        }
    }
}

/// A condition on `exchange.id`: the exchange's title or summary, or the
/// name of one of its specialties, contains the query (folded).
pub fn exchange_text_condition(query: &TextQuery, backend: DbBackend) -> SimpleExpr {
    let (exchanges, mut values) = query.documents_of_kind(backend, DocKind::Exchange);
    let (specialties, more) = query.documents_of_kind(backend, DocKind::Specialty);
    values.extend(more);
    let sql = format!(
        "\"exchange\".\"id\" IN ({exchanges} UNION \
         SELECT exchange_id FROM exchange_specialty WHERE specialty_id IN ({specialties}))"
    );
    // sea-query reads `?` placeholders on SQLite and `$n` on PostgreSQL.
    let sql = match backend {
        DbBackend::Postgres => numbered_placeholders(&sql),
        _ => sql,
    };
    Expr::cust_with_values(sql, values)
}

/// How many token matches are examined for ranking, for `limit` results.
pub fn candidates(limit: u64) -> u64 {
    limit * 5 + 50
}

#[derive(Debug, FromQueryResult)]
struct Row {
    kind: String,
    owner_id: i32,
    lang: String,
    folded: String,
}

/// The best `limit` hits for `query`, preferring texts in `lang` on ties;
/// each statement planned for its own query ([`custom_plans`]).
pub async fn search(
    db: &DatabaseConnection,
    query: &TextQuery,
    lang: Lang,
    limit: u64,
) -> Result<Vec<Hit>, DbErr> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let txn = custom_plans(db).await?;
    let hits = search_in(&txn, query, lang, limit).await?;
    txn.commit().await?;
    Ok(hits)
}

/// The `first` hits ranked after `after` (its position and rank, from the
/// previous page's last hit). A hit written since ranks where it ranks: a
/// page never repeats the previous page's hits. Pages reach
/// [`MAX_SEARCH_DEPTH`] hits deep.
pub async fn search_page(
    db: &DatabaseConnection,
    query: &TextQuery,
    lang: Lang,
    after: Option<(u64, Rank)>,
    first: u64,
) -> Result<SearchPage, DbErr> {
    let offset = after.map_or(0, |(position, _)| position + 1);
    let depth = (offset + first + 1).min(MAX_SEARCH_DEPTH);
    let mut hits = search(db, query, lang, depth).await?;
    if let Some((_, rank)) = after {
        hits.retain(|hit| hit.rank() > rank);
    }
    let has_next = hits.len() as u64 > first && offset + first < MAX_SEARCH_DEPTH;
    hits.truncate(first as usize);
    Ok(SearchPage {
        hits,
        offset,
        has_next,
    })
}

/// The text of a hit that matched best, and where.
#[derive(Clone, Debug)]
pub struct TextMatch {
    /// Which field (`name`, `title`, `alias`...).
    pub field: &'static str,
    /// The text's language; `None` for aliases (any language).
    pub lang: Option<Lang>,
    /// The text as written.
    pub text: String,
    /// How and where it matched.
    pub found: Found,
}

/// For each hit, its text that matched `query` best (a text in `lang`
/// first on ties), read by one statement per kind of hit.
pub async fn matches(
    db: &DatabaseConnection,
    query: &TextQuery,
    lang: Lang,
    hits: &[Hit],
) -> Result<HashMap<(DocKind, i32), TextMatch>, DbErr> {
    let mut best: HashMap<(DocKind, i32), TextMatch> = HashMap::new();
    for kind in DocKind::ALL {
        let ids: Vec<i32> = hits
            .iter()
            .filter(|h| h.kind == kind)
            .map(|h| h.id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        for (owner, code, field, text) in texts(db, kind, Owners::Ids(ids)).await? {
            let Some(found) = highlight::find(&text, &query.folded, &query.tokens) else {
                continue;
            };
            let candidate = TextMatch {
                field,
                lang: code.parse().ok(),
                text,
                found,
            };
            let rank = |m: &TextMatch| (m.found.closeness, m.lang != Some(lang));
            match best.get(&(kind, owner)) {
                Some(current) if rank(current) <= rank(&candidate) => {}
                _ => {
                    best.insert((kind, owner), candidate);
                }
            }
        }
    }
    Ok(best)
}

async fn search_in<C: ConnectionTrait>(
    db: &C,
    query: &TextQuery,
    lang: Lang,
    limit: u64,
) -> Result<Vec<Hit>, DbErr> {
    let backend = db.get_database_backend();
    let head_column = match backend {
        DbBackend::Postgres => "head COLLATE \"C\"",
        _ => "head",
    };
    let select = "SELECT kind, owner_id, lang, folded FROM search_document";
    let fetch = limit as i64;
    let mut rows: Vec<Row> = Vec::new();
    if query.folded.chars().count() <= HEAD_CHARS {
        // Both steps walk the (head, id) index in its order and stop at the
        // limit: equal heads by id, then longer texts in byte order.
        let exact = format!(
            "{select} WHERE {head_column} = ? AND folded = ? ORDER BY {head_column}, id LIMIT ?"
        );
        let values = vec![
            query.folded.clone().into(),
            query.folded.clone().into(),
            fetch.into(),
        ];
        rows.extend(run(db, backend, &exact, values).await?);
        if let Some(upper) = next_string(&query.folded) {
            let prefix = format!(
                "{select} WHERE {head_column} > ? AND {head_column} < ? ORDER BY {head_column}, id LIMIT ?"
            );
            let values = vec![query.folded.clone().into(), upper.into(), fetch.into()];
            rows.extend(run(db, backend, &prefix, values).await?);
        }
    }
    let candidates = candidates(limit) as i64;
    let tokens = match backend {
        DbBackend::Postgres => (
            // The first candidates in id order, as SQLite's rowid order: the
            // same texts are ranked on both engines. Physical order would
            // save a top-N sort of the matches but drifts from id order as
            // soon as rows are updated.
            format!("{select} WHERE tokens_tsv @@ CAST(? AS tsquery) ORDER BY id LIMIT ?"),
            vec![query.tsquery().into(), candidates.into()],
        ),
        _ => (
            "SELECT d.kind, d.owner_id, d.lang, d.folded FROM search_fts CROSS JOIN search_document d ON d.id = search_fts.rowid \
             WHERE search_fts MATCH ? ORDER BY search_fts.rowid LIMIT ?"
                .to_owned(),
            vec![query.fts5_match().into(), candidates.into()],
        ),
    };
    rows.extend(run(db, backend, &tokens.0, tokens.1).await?);

    let mut best: HashMap<(DocKind, i32), (MatchQuality, bool)> = HashMap::new();
    for row in rows {
        let Some(kind) = DocKind::parse(&row.kind) else {
            continue;
        };
        let quality = if row.folded == query.folded {
            MatchQuality::Exact
        } else if row.folded.starts_with(&query.folded) {
            MatchQuality::Prefix
        } else if row.folded.contains(&query.folded) {
            MatchQuality::Substring
        } else {
            MatchQuality::Tokens
        };
        let other_language = row.lang != lang.code();
        let rank = (quality, other_language);
        best.entry((kind, row.owner_id))
            .and_modify(|current| *current = (*current).min(rank))
            .or_insert(rank);
    }
    let mut ranked: Vec<Hit> = best
        .into_iter()
        .map(|((kind, id), (quality, other_language))| Hit {
            kind,
            id,
            quality,
            other_language,
        })
        .collect();
    ranked.sort_by_key(Hit::rank);
    ranked.truncate(limit as usize);
    Ok(ranked)
}

async fn run<C: ConnectionTrait>(
    db: &C,
    backend: DbBackend,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<Row>, DbErr> {
    let sql = match backend {
        DbBackend::Postgres => numbered_placeholders(sql),
        _ => sql.to_owned(),
    };
    Row::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await
}

/// `?` placeholders as PostgreSQL's `$1`, `$2`...
fn numbered_placeholders(sql: &str) -> String {
    let mut numbered = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            numbered.push_str(&format!("${n}"));
        } else {
            numbered.push(c);
        }
    }
    numbered
}

/// The smallest string greater than every string starting with `text`
/// (its last character, incremented), for a prefix range scan.
fn next_string(text: &str) -> Option<String> {
    let mut chars: Vec<char> = text.chars().collect();
    while let Some(last) = chars.pop() {
        let mut code = last as u32 + 1;
        if (0xD800..=0xDFFF).contains(&code) {
            code = 0xE000;
        }
        if let Some(next) = char::from_u32(code) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_quotes_stay_plain_text() {
        let query = TextQuery::new("\"a\" OR b* NEAR(c) 'd'").unwrap();
        assert_eq!(
            query.fts5_match(),
            "\"a\" AND \"or\" AND \"b\" AND \"near\" AND \"c\" AND \"d\"*"
        );
        assert_eq!(query.tsquery(), "'a' & 'or' & 'b' & 'near' & 'c' & 'd':*");
        assert!(TextQuery::new("%_' --").is_none());
    }

    #[test]
    fn prefix_ranges_end_after_every_continuation() {
        assert_eq!(next_string("ab"), Some("ac".into()));
        assert_eq!(next_string("康复"), Some("康夎".into()));
        assert_eq!(
            numbered_placeholders("a = ? AND b = ?"),
            "a = $1 AND b = $2"
        );
    }
}
