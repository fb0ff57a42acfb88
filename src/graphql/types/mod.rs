//! One file per GraphQL object type. Each wraps a storage row and the
//! language scope of the root field it was reached from.
//!
//! The types a page holds many of below its exchanges (participants,
//! institutions, specialties, talks, speakers, photos) resolve their
//! fields one after another (`#[Object(serial)]`): most fields read the
//! row, the catalog or rows already loaded, and async-graphql's parallel
//! container costs a task per field. Serial, the list page took 8% less of
//! the server's CPU. Selecting two fields that each wait for a statement
//! (a photo's `people` and `exchange`, say) then waits for one batch after
//! the other: the same statements, one round trip more. Exchanges, whose
//! fields below a nested list each wait for one, stay parallel.

mod aid_shipment;
pub mod change;
mod exchange;
mod image;
mod institution;
mod news_item;
mod node;
pub mod partnership;
pub(crate) mod photo;
mod search_match;
mod speaker;
mod specialty;
pub mod stats;
mod talk;

pub use aid_shipment::AidShipment;
pub use change::Change;
pub use exchange::{Exchange, Participant};
pub use image::{Image, ImageFormat};
pub use institution::{Institution, InstitutionTranslation};
pub use news_item::NewsItem;
pub use node::{Node, SearchResult};
pub use partnership::Partnership;
pub use photo::Photo;
pub use search_match::{SearchMatch, SearchResultConnection, SearchResultEdge};
pub use speaker::Speaker;
pub use specialty::Specialty;
pub use talk::Talk;
