//! Raw statements, for the few queries the query builder cannot express
//! (window functions, unions of ranked matches).

use sea_orm::{DbBackend, Statement, Value};

/// Binds values to a raw statement with the backend's placeholder style.
pub(crate) struct Params {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Params {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Params {
            backend,
            values: Vec::new(),
        }
    }

    /// Adds a value and returns its placeholder.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// Takes over a built statement's values and returns its text, to be
    /// placed before any placeholder bound later (PostgreSQL numbers the
    /// built statement's placeholders from `$1`, so it must come first).
    pub(crate) fn embed(&mut self, statement: Statement) -> String {
        debug_assert!(self.values.is_empty(), "embed before binding");
        if let Some(values) = statement.values {
            self.values.extend(values.0);
        }
        statement.sql
    }

    pub(crate) fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}
