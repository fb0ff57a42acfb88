//! One file per GraphQL object type. Each wraps a storage row and the
//! language scope of the root field it was reached from.

mod aid_shipment;
pub mod change;
mod exchange;
mod institution;
mod news_item;
mod node;
pub mod partnership;
mod photo;
mod speaker;
mod specialty;
pub mod stats;
mod talk;

pub use aid_shipment::AidShipment;
pub use change::Change;
pub use exchange::{Exchange, Participant};
pub use institution::{Institution, InstitutionTranslation};
pub use news_item::NewsItem;
pub use node::{Node, SearchResult};
pub use partnership::Partnership;
pub use photo::Photo;
pub use speaker::Speaker;
pub use specialty::Specialty;
pub use talk::Talk;
