//! Opaque global ids (`Node.id`) and pagination cursors.
//!
//! Both are URL-safe base64 of a short text: `Exchange:12` for ids,
//! `d:2020-06-01:12` (date-ordered lists) or `i:12` (id-ordered lists) for
//! cursors. Clients must treat them as opaque.

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

/// A cursor for an id-ordered list.
pub fn id_cursor(id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("i:{id}"))
}

/// A cursor for a date-ordered list.
pub fn date_cursor(day: &str, id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("d:{day}:{id}"))
}

/// Reads an id-ordered list's cursor.
pub fn decode_id_cursor(cursor: &str) -> Option<i32> {
    parse_id(decode_text(cursor)?.strip_prefix("i:")?)
}

/// Reads a date-ordered list's cursor.
pub fn decode_date_cursor(cursor: &str) -> Option<(String, i32)> {
    let text = decode_text(cursor)?;
    let (day, id) = text.strip_prefix("d:")?.rsplit_once(':')?;
    let valid_day = day.len() == 10 && crate::model::ReportDate::parse(day).is_ok();
    valid_day.then(|| parse_id(id).map(|id| (day.to_owned(), id)))?
}

fn decode_text(encoded: &str) -> Option<String> {
    if encoded.len() > 200 {
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
    fn cursors_round_trip() {
        assert_eq!(decode_id_cursor(&id_cursor(7)), Some(7));
        assert_eq!(
            decode_date_cursor(&date_cursor("2020-06-01", 3)),
            Some(("2020-06-01".into(), 3))
        );
        assert_eq!(decode_date_cursor(&id_cursor(7)), None);
        assert_eq!(decode_id_cursor("not a cursor"), None);
    }
}
