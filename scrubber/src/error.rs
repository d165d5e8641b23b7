//! Errors that say where: the input line, and the statement, table and column concerned.

use std::fmt;

/// A problem with the dump at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// 1-based line of the input where the problem is.
    pub line: u64,
    /// What was being read: `COPY public.users`, `INSERT INTO public.users, column email`.
    pub context: String,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.context.is_empty() {
            write!(f, "{}: {}", self.line, self.message)
        } else {
            write!(f, "{}: {}: {}", self.line, self.context, self.message)
        }
    }
}

impl std::error::Error for DataError {}

/// Why a dump could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Data(#[from] DataError),
    #[error("reading the input: {0}")]
    Read(#[from] std::io::Error),
}

pub(crate) fn at(line: u64, context: impl Into<String>, message: impl Into<String>) -> DataError {
    DataError {
        line,
        context: context.into(),
        message: message.into(),
    }
}
