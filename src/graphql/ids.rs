//! Opaque global ids (`Node.id`) and pagination cursors.
//!
//! Both are URL-safe base64 of a short text: `Exchange:12` for ids,
//! `Exchange/d:2020-06-01:12` (date-ordered lists) or `Speaker/i:12`
//! (id-ordered lists) for cursors. A cursor names the type its list holds,
//! so a cursor of one list is refused by a list of another type; lists of
//! one type share an order, so their cursors are interchangeable. Clients
//! must treat both as opaque.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The GraphQL types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    /// `Institution`.
    Institution,
    /// `Exchange`.
    Exchange,
    /// `Speaker`.
    Speaker,
    /// `Specialty`.
    Specialty,
    /// `Photo`.
    Photo,
    /// `AidShipment`.
    AidShipment,
    /// `NewsItem`.
    NewsItem,
}

impl NodeType {
    const ALL: [NodeType; 7] = [
        NodeType::Institution,
        NodeType::Exchange,
        NodeType::Speaker,
        NodeType::Specialty,
        NodeType::Photo,
        NodeType::AidShipment,
        NodeType::NewsItem,
    ];

    fn name(self) -> &'static str {
        match self {
            NodeType::Institution => "Institution",
            NodeType::Exchange => "Exchange",
            NodeType::Speaker => "Speaker",
            NodeType::Specialty => "Specialty",
            NodeType::Photo => "Photo",
            NodeType::AidShipment => "AidShipment",
            NodeType::NewsItem => "NewsItem",
        }
    }
}

impl From<crate::store::history::RecordType> for NodeType {
    fn from(record: crate::store::history::RecordType) -> Self {
        use crate::store::history::RecordType;
        match record {
            RecordType::Specialty => NodeType::Specialty,
            RecordType::Institution => NodeType::Institution,
            RecordType::Speaker => NodeType::Speaker,
            RecordType::Exchange => NodeType::Exchange,
            RecordType::AidShipment => NodeType::AidShipment,
            RecordType::NewsItem => NodeType::NewsItem,
            RecordType::Photo => NodeType::Photo,
        }
    }
}

impl From<NodeType> for crate::store::history::RecordType {
    fn from(node_type: NodeType) -> Self {
        use crate::store::history::RecordType;
        match node_type {
            NodeType::Specialty => RecordType::Specialty,
            NodeType::Institution => RecordType::Institution,
            NodeType::Speaker => RecordType::Speaker,
            NodeType::Exchange => RecordType::Exchange,
            NodeType::AidShipment => RecordType::AidShipment,
            NodeType::NewsItem => RecordType::NewsItem,
            NodeType::Photo => RecordType::Photo,
        }
    }
}

/// The global id of row `id` of `node_type`.
pub fn encode_id(node_type: NodeType, id: i32) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", node_type.name())))
}

/// The type and row id a global id names, or `None` when it is malformed.
pub fn decode_id(id: &str) -> Option<(NodeType, i32)> {
    let text = decode_text(id)?;
    let (name, number) = text.split_once(':')?;
    let node_type = NodeType::ALL.into_iter().find(|t| t.name() == name)?;
    Some((node_type, parse_id(number)?))
}

/// The row id of a global id that must name a `node_type`.
pub fn decode_id_of(node_type: NodeType, id: &str) -> Option<i32> {
    decode_id(id)
        .filter(|(t, _)| *t == node_type)
        .map(|(_, row)| row)
}

/// A cursor for an id-ordered list of `list` rows.
pub fn id_cursor(list: NodeType, id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}/i:{id}", list.name()))
}

/// A cursor for a date-ordered list of `list` rows.
pub fn date_cursor(list: NodeType, day: &str, id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}/d:{day}:{id}", list.name()))
}

/// Reads a cursor of an id-ordered list of `list` rows.
pub fn decode_id_cursor(list: NodeType, cursor: &str) -> Option<i32> {
    let text = decode_text(cursor)?;
    parse_id(text.strip_prefix(list.name())?.strip_prefix("/i:")?)
}

/// Reads a cursor of a date-ordered list of `list` rows.
pub fn decode_date_cursor(list: NodeType, cursor: &str) -> Option<(String, i32)> {
    let text = decode_text(cursor)?;
    let key = text.strip_prefix(list.name())?.strip_prefix("/d:")?;
    let (day, id) = key.rsplit_once(':')?;
    let valid_day = day.len() == 10 && crate::domain::vocabulary::ReportDate::parse(day).is_ok();
    valid_day.then(|| parse_id(id).map(|id| (day.to_owned(), id)))?
}

/// A cursor for a name-ordered list of `list` rows, in `lang`'s order.
pub fn name_cursor(list: NodeType, lang: crate::i18n::Lang, (key, id): &(String, i32)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}/n:{lang}:{id}:{key}", list.name()))
}

/// Reads a cursor of a name-ordered list of `list` rows in `lang`'s order
/// (a cursor of another language's order is refused: the positions differ).
pub fn decode_name_cursor(
    list: NodeType,
    lang: crate::i18n::Lang,
    cursor: &str,
) -> Option<(String, i32)> {
    let text = decode_text(cursor)?;
    let rest = text.strip_prefix(list.name())?.strip_prefix("/n:")?;
    let rest = rest.strip_prefix(lang.code())?.strip_prefix(':')?;
    let (id, key) = rest.split_once(':')?;
    Some((key.to_owned(), parse_id(id)?))
}

/// A cursor for a list of changes (newest first).
pub fn change_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("Change/c:{id}"))
}

/// Reads a cursor of a list of changes.
pub fn decode_change_cursor(cursor: &str) -> Option<i64> {
    let text = decode_text(cursor)?;
    let id: i64 = text.strip_prefix("Change/c:")?.parse().ok()?;
    (id > 0).then_some(id)
}

/// A cursor for the list of partnerships: its exchanges and two
/// institution ids.
pub fn partnership_cursor((exchanges, first, second): (i64, i32, i32)) -> String {
    URL_SAFE_NO_PAD.encode(format!("Partnership/p:{exchanges}:{first}:{second}"))
}

/// Reads a cursor of the list of partnerships.
pub fn decode_partnership_cursor(cursor: &str) -> Option<(i64, i32, i32)> {
    let text = decode_text(cursor)?;
    let mut parts = text.strip_prefix("Partnership/p:")?.split(':');
    let exchanges = parts.next()?.parse::<i64>().ok()?;
    let (first, second) = (parse_id(parts.next()?)?, parse_id(parts.next()?)?);
    parts.next().is_none().then_some((exchanges, first, second))
}

/// A cursor for search results: the hit's position and rank (quality,
/// language, kind, id).
pub fn search_cursor(position: u64, rank: crate::store::search::Rank) -> String {
    let (quality, other_language, kind, id) = rank;
    let quality = quality as u8;
    let other = u8::from(other_language);
    URL_SAFE_NO_PAD.encode(format!(
        "Search/r:{position}:{quality}:{other}:{}:{id}",
        kind.as_str()
    ))
}

/// Reads a cursor of search results.
pub fn decode_search_cursor(cursor: &str) -> Option<(u64, crate::store::search::Rank)> {
    use crate::store::search::MatchQuality;
    let text = decode_text(cursor)?;
    let mut parts = text.strip_prefix("Search/r:")?.split(':');
    let position = parts.next()?.parse::<u64>().ok()?;
    let quality = match parts.next()? {
        "0" => MatchQuality::Exact,
        "1" => MatchQuality::Prefix,
        "2" => MatchQuality::Substring,
        "3" => MatchQuality::Tokens,
        _ => return None,
    };
    let other_language = match parts.next()? {
        "0" => false,
        "1" => true,
        _ => return None,
    };
    let kind = crate::store::search_index::DocKind::parse(parts.next()?)?;
    let id = parse_id(parts.next()?)?;
    let rank = (quality, other_language, kind, id);
    parts.next().is_none().then_some((position, rank))
}

fn decode_text(encoded: &str) -> Option<String> {
    if encoded.len() > 1000 {
        return None;
    }
    String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()
}

fn parse_id(text: &str) -> Option<i32> {
    text.parse::<i32>()
        .ok()
        .filter(|id| *id > 0 && !text.starts_with('+'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn ids_round_trip_and_garbage_is_none() {
        let id = encode_id(NodeType::Exchange, 12);
        assert_eq!(decode_id(&id), Some((NodeType::Exchange, 12)));
        assert_eq!(decode_id_of(NodeType::Institution, &id), None);
        for garbage in ["", "!!!", "RXhjaGFuZ2U6", "Zm9vOjE", "RXhjaGFuZ2U6LTE"] {
            assert_eq!(decode_id(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn cursors_round_trip_in_their_own_lists_only() {
        use NodeType::{Exchange, Institution, Speaker};
        assert_eq!(decode_id_cursor(Speaker, &id_cursor(Speaker, 7)), Some(7));
        assert_eq!(decode_id_cursor(Institution, &id_cursor(Speaker, 7)), None);
        assert_eq!(
            decode_date_cursor(Exchange, &date_cursor(Exchange, "2020-06-01", 3)),
            Some(("2020-06-01".into(), 3))
        );
        assert_eq!(decode_date_cursor(Exchange, &id_cursor(Exchange, 7)), None);
        assert_eq!(decode_id_cursor(Speaker, "not a cursor"), None);
        let pair = (3, 1, 7);
        assert_eq!(
            decode_partnership_cursor(&partnership_cursor(pair)),
            Some(pair)
        );
        assert_eq!(decode_partnership_cursor(&id_cursor(Speaker, 7)), None);
        let key = ("かめだ\u{1}かめだ:2".to_owned(), 4);
        let cursor = name_cursor(Speaker, Lang::Ja, &key);
        assert_eq!(decode_name_cursor(Speaker, Lang::Ja, &cursor), Some(key));
        assert_eq!(decode_name_cursor(Speaker, Lang::Zh, &cursor), None);
    }
}
