//! The dataset format, and the commands that move it in and out of the
//! database: import (idempotent upsert by slug), export, and the synthetic
//! generator used for benchmarks.

pub mod export;
pub mod generate;
pub mod import;

pub use crate::domain::record::Dataset;

/// The curated FY2020 report, bundled into the binary.
pub const BUNDLED_FY2020: &str = include_str!("../../data/fy2020.yaml");

/// Why a dataset could not be imported. Nothing is written when any of
/// these happens.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file is not valid YAML of the dataset's shape.
    #[error("{source_name}: {message}")]
    Parse {
        /// The file (or `bundled data`).
        source_name: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A value breaks a rule of the format.
    #[error("{source_name}: {place}: {message}")]
    Invalid {
        /// The file (or `bundled data`).
        source_name: String,
        /// Where in the file, e.g. `exchanges[2] (2020-08-...).participants[1]`.
        place: String,
        /// What is wrong.
        message: String,
    },
    /// The database failed; the transaction was rolled back.
    #[error("database error: {0}")]
    Database(#[from] crate::store::DbErr),
}

/// `12 exchanges, 1 institution, 0 photos`: counts for people, with the
/// noun in the singular for one.
pub(crate) fn counts(items: &[(usize, &str, &str)]) -> String {
    items
        .iter()
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses and checks a dataset without touching the database.
pub fn parse(text: &str, source_name: &str) -> Result<Dataset, DatasetError> {
    let dataset: Dataset = serde_yaml_ng::from_str(text).map_err(|error| DatasetError::Parse {
        source_name: source_name.to_owned(),
        message: error.to_string(),
    })?;
    crate::domain::rules::check(&dataset).map_err(|(place, message)| DatasetError::Invalid {
        source_name: source_name.to_owned(),
        place,
        message,
    })?;
    Ok(dataset)
}
