//! Relay connections: `edges`, `nodes`, `pageInfo` and `totalCount`, with
//! opaque cursors.
//!
//! Paging arguments: `first` (with `after`) or `last` (with `before`), each
//! 0 to [`MAX_PAGE_SIZE`]; with neither, the first [`DEFAULT_PAGE_SIZE`].
//! Anything else is a `BAD_USER_INPUT` error.

use crate::graphql::error::ApiError;
use crate::graphql::types::{
    AidShipment, Change, Exchange, Institution, NewsItem, Partnership, Photo, Speaker,
};
use crate::store::page::{Page, PageRequest};
use async_graphql::SimpleObject;

/// The most rows one page may hold.
pub const MAX_PAGE_SIZE: i32 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// Where a page stands in its list.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// More items follow this page.
    pub has_next_page: bool,
    /// More items precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first item of this page.
    pub start_cursor: Option<String>,
    /// The cursor of the last item of this page.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// Where a page of items with these `cursors` (in order) stands.
    pub fn of<'a>(
        mut cursors: impl DoubleEndedIterator<Item = &'a String> + Clone,
        has_previous_page: bool,
        has_next_page: bool,
    ) -> Self {
        PageInfo {
            has_next_page,
            has_previous_page,
            start_cursor: cursors.clone().next().cloned(),
            end_cursor: cursors.next_back().cloned(),
        }
    }
}

/// A connection built from a page of rows (every connection type).
pub trait FromPage: Sized {
    /// The type of its items.
    type Node;

    /// The connection of `page`: `cursor` names each row's position,
    /// `node` wraps it for GraphQL.
    fn build<M>(
        page: Page<M>,
        cursor: impl Fn(&M) -> String,
        node: impl Fn(M) -> Self::Node,
    ) -> Self;
}

/// How a list resolver reads one page: its arguments checked and its
/// cursors read by `decode`, the page read by `fetch`, each row named by
/// `cursor` and wrapped by `node`. Every top-level list goes through here.
pub async fn paged<K, M, C: FromPage, E>(
    args: PageArgs,
    count_total: bool,
    decode: impl Fn(&str) -> Option<K>,
    fetch: impl AsyncFnOnce(PageRequest<K>) -> Result<Page<M>, E>,
    cursor: impl Fn(&M) -> String,
    node: impl Fn(M) -> C::Node,
) -> Result<C, ApiError>
where
    ApiError: From<E>,
{
    let request = args.into_request(decode, count_total)?;
    let page = fetch(request).await?;
    Ok(C::build(page, cursor, node))
}

/// Declares a connection type and its edge type for one node type.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $doc:literal) => {
        #[doc = concat!("One ", $doc, " of a page, with its cursor.")]
        #[derive(SimpleObject, Clone)]
        pub struct $edge {
            /// Pass as `after` (or `before`) to page from this item.
            pub cursor: String,
            #[doc = concat!("The ", $doc, ".")]
            pub node: $node,
        }

        #[doc = concat!("A page of ", $doc, "s: the items as `nodes` (or as `edges`, with cursors), where the page stands, and how many items the whole list holds.")]
        #[derive(SimpleObject)]
        pub struct $connection {
            /// The items of this page, with their cursors.
            pub edges: Vec<$edge>,
            /// The items of this page.
            pub nodes: Vec<$node>,
            /// Where this page stands in the list.
            pub page_info: PageInfo,
            /// How many items the whole list holds (every page together).
            pub total_count: i32,
        }

        impl FromPage for $connection {
            type Node = $node;

            fn build<M>(page: Page<M>, cursor: impl Fn(&M) -> String, node: impl Fn(M) -> $node) -> Self {
                $connection::from_page(page, cursor, node)
            }
        }

        impl $connection {
            /// Builds a connection from a page of rows: `cursor` names each
            /// row's position, `node` wraps it for GraphQL.
            pub fn from_page<M>(page: Page<M>, cursor: impl Fn(&M) -> String, node: impl Fn(M) -> $node) -> Self {
                let total_count = page.total.map(|t| i32::try_from(t).unwrap_or(i32::MAX)).unwrap_or(0);
                let edges: Vec<$edge> =
                    page.rows.into_iter().map(|row| $edge { cursor: cursor(&row), node: node(row) }).collect();
                let cursors = edges.iter().map(|e| &e.cursor);
                let page_info = PageInfo::of(cursors, page.has_previous, page.has_next);
                let nodes = edges.iter().map(|e| e.node.clone()).collect();
                $connection { edges, nodes, page_info, total_count }
            }
        }
    };
}

connection!(ExchangeConnection, ExchangeEdge, Exchange, "exchange");
connection!(
    InstitutionConnection,
    InstitutionEdge,
    Institution,
    "institution"
);
connection!(SpeakerConnection, SpeakerEdge, Speaker, "speaker");
connection!(PhotoConnection, PhotoEdge, Photo, "photo");
connection!(
    AidShipmentConnection,
    AidShipmentEdge,
    AidShipment,
    "aid shipment"
);
connection!(NewsItemConnection, NewsItemEdge, NewsItem, "news item");
connection!(ChangeConnection, ChangeEdge, Change, "change");
connection!(
    PartnershipConnection,
    PartnershipEdge,
    Partnership,
    "partnership"
);

/// The complexity of a connection field: its page size (as the client asks
/// for it, bounded like the page itself) times the cost of one item.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE) as usize;
    size.saturating_mul(child_complexity).saturating_add(1)
}

/// The paging arguments of a connection field, as the client gave them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    /// `first`.
    pub first: Option<i32>,
    /// `after`.
    pub after: Option<String>,
    /// `last`.
    pub last: Option<i32>,
    /// `before`.
    pub before: Option<String>,
}

impl PageArgs {
    /// The four paging arguments.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        PageArgs {
            first,
            after,
            last,
            before,
        }
    }

    /// Forward-only arguments (nested connections take `first` and `after`).
    pub fn forward(first: Option<i32>, after: Option<String>) -> Self {
        PageArgs {
            first,
            after,
            ..Default::default()
        }
    }

    /// Checks the arguments and reads the cursors with `decode`.
    pub fn into_request<K>(
        self,
        decode: impl Fn(&str) -> Option<K>,
        count_total: bool,
    ) -> Result<PageRequest<K>, ApiError> {
        let check = |name: &str, value: Option<i32>| match value {
            Some(n) if !(0..=MAX_PAGE_SIZE).contains(&n) => Err(ApiError::bad_input(format!(
                "`{name}` must be between 0 and {MAX_PAGE_SIZE}, got {n}"
            ))),
            _ => Ok(value),
        };
        let first = check("first", self.first)?;
        let last = check("last", self.last)?;
        if first.is_some() && last.is_some() {
            return Err(ApiError::bad_input("give `first` or `last`, not both"));
        }
        let read = |name: &str, cursor: Option<String>| {
            cursor
                .map(|c| {
                    decode(&c).ok_or_else(|| {
                        ApiError::bad_input(format!("`{name}` is not a cursor of this list"))
                    })
                })
                .transpose()
        };
        let after = read("after", self.after)?;
        let before = read("before", self.before)?;
        let from_end = last.is_some();
        let limit = first.or(last).unwrap_or(DEFAULT_PAGE_SIZE) as u64;
        Ok(PageRequest {
            limit,
            after,
            before,
            from_end,
            count_total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(first: Option<i32>, last: Option<i32>) -> Result<PageRequest<i32>, ApiError> {
        PageArgs {
            first,
            last,
            ..Default::default()
        }
        .into_request(|c| c.parse().ok(), false)
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(request(None, None).unwrap().limit, 20);
        assert_eq!(request(Some(100), None).unwrap().limit, 100);
        assert!(request(Some(101), None).is_err());
        assert!(request(Some(-1), None).is_err());
        assert!(request(None, Some(101)).is_err());
        assert!(request(Some(1), Some(1)).is_err());
        assert!(request(None, Some(5)).unwrap().from_end);
    }

    #[test]
    fn foreign_cursors_are_refused() {
        let args = PageArgs {
            after: Some("nope".into()),
            ..Default::default()
        };
        assert!(args.into_request(|c| c.parse::<i32>().ok(), false).is_err());
    }
}
