//! The archive's domain, with no database and no GraphQL in mind: the
//! records and their fields ([`record`], the shape the dataset files and
//! the write path share), the rules every record keeps ([`rules`], for
//! import and mutations alike), and the closed vocabularies and dates
//! ([`vocabulary`]).

pub mod record;
pub mod rules;
pub mod vocabulary;
