//! Search over every localized text and alias, ranked: an exact match before
//! a prefix match before a substring match, then by kind and id.
//!
//! Matching is case-insensitive for Latin letters and otherwise literal:
//! the query is a plain string (`%`, `_`, quotes and operators are escaped),
//! never SQL.

use crate::store::sql::Params;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use std::collections::HashMap;

/// What a search hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HitKind {
    /// An institution (its names, region, city or aliases matched).
    Institution,
    /// An exchange (its title, summary or one of its specialties matched).
    Exchange,
    /// A speaker (name or position matched).
    Speaker,
    /// A photo (caption matched).
    Photo,
    /// An aid shipment (items, sender, recipient or description matched).
    AidShipment,
}

/// How well a hit matched: lower is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchQuality {
    /// A whole text equals the query.
    Exact,
    /// A text starts with the query.
    Prefix,
    /// A text contains the query.
    Substring,
}

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// What was found.
    pub kind: HitKind,
    /// Its row id.
    pub id: i32,
    /// How well it matched.
    pub quality: MatchQuality,
}

/// Where texts are searched: the table, the column naming the owner, the
/// text columns, an optional join (for specialties, owned by exchanges) and
/// what the owner is.
struct Source {
    kind: HitKind,
    from: &'static str,
    owner: &'static str,
    texts: &'static [&'static str],
}

const SOURCES: &[Source] = &[
    Source {
        kind: HitKind::Institution,
        from: "institution_translation t",
        owner: "t.institution_id",
        texts: &["t.name", "t.region", "t.city"],
    },
    Source {
        kind: HitKind::Institution,
        from: "institution_alias t",
        owner: "t.institution_id",
        texts: &["t.alias"],
    },
    Source {
        kind: HitKind::Exchange,
        from: "exchange_translation t",
        owner: "t.exchange_id",
        texts: &["t.title", "t.summary"],
    },
    Source {
        kind: HitKind::Exchange,
        from: "specialty_translation t JOIN exchange_specialty o ON o.specialty_id = t.specialty_id",
        owner: "o.exchange_id",
        texts: &["t.name"],
    },
    Source {
        kind: HitKind::Speaker,
        from: "speaker_translation t",
        owner: "t.speaker_id",
        texts: &["t.name", "t.position"],
    },
    Source {
        kind: HitKind::Photo,
        from: "photo_translation t",
        owner: "t.photo_id",
        texts: &["t.caption"],
    },
    Source {
        kind: HitKind::AidShipment,
        from: "aid_shipment_translation t",
        owner: "t.aid_shipment_id",
        texts: &["t.items", "t.sender", "t.recipient", "t.description"],
    },
];

#[derive(Debug, FromQueryResult)]
struct Row {
    owner: i32,
    quality: i32,
}

/// Escapes LIKE wildcards so the query matches literally (escape char `\`).
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The best `limit` hits for `query` (already trimmed and non-empty).
pub async fn search<C: ConnectionTrait>(
    db: &C,
    query: &str,
    limit: u64,
) -> Result<Vec<Hit>, DbErr> {
    let needle = query.to_lowercase();
    let mut best: HashMap<(HitKind, i32), MatchQuality> = HashMap::new();
    for source in SOURCES {
        let mut params = Params::new(db.get_database_backend());
        let mut arms = Vec::new();
        for text in source.texts {
            let exact = params.bind(needle.clone());
            let prefix = params.bind(format!("{}%", escape_like(&needle)));
            let anywhere = params.bind(format!("%{}%", escape_like(&needle)));
            arms.push(format!(
                "SELECT {owner} AS owner, CASE WHEN LOWER({text}) = {exact} THEN 0 \
                 WHEN LOWER({text}) LIKE {prefix} ESCAPE '\\' THEN 1 ELSE 2 END AS quality \
                 FROM {from} WHERE LOWER({text}) LIKE {anywhere} ESCAPE '\\'",
                owner = source.owner,
                from = source.from,
            ));
        }
        let limit = params.bind(limit as i64);
        let sql = format!(
            "SELECT owner, MIN(quality) AS quality FROM ({}) hits GROUP BY owner ORDER BY MIN(quality), owner LIMIT {limit}",
            arms.join(" UNION ALL ")
        );
        for row in Row::find_by_statement(params.statement(sql))
            .all(db)
            .await?
        {
            let quality = match row.quality {
                0 => MatchQuality::Exact,
                1 => MatchQuality::Prefix,
                _ => MatchQuality::Substring,
            };
            best.entry((source.kind, row.owner))
                .and_modify(|q| *q = (*q).min(quality))
                .or_insert(quality);
        }
    }
    let mut hits: Vec<Hit> = best
        .into_iter()
        .map(|((kind, id), quality)| Hit { kind, id, quality })
        .collect();
    hits.sort_by_key(|hit| (hit.quality, hit.kind, hit.id));
    hits.truncate(limit as usize);
    Ok(hits)
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(super::escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
