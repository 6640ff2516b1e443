//! Reading versioned JSON files (diagrams, scenarios, goals) with errors that say where
//! and what is wrong, and the migration hook that keeps old files opening.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The largest file the engine agrees to parse.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Why a JSON file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The text is not valid JSON, or a field has the wrong shape. `line` and `column`
    /// are 1-based and point at the problem.
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The file has no `"version"` field.
    MissingVersion { what: &'static str },
    /// The file was written by a newer Scale Lab.
    UnsupportedVersion {
        what: &'static str,
        found: u32,
        newest: u32,
    },
    /// The file is larger than [`MAX_INPUT_BYTES`].
    TooLarge { bytes: usize, limit: usize },
}

impl FormatError {
    /// The 1-based line of the problem, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            FormatError::Syntax { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The 1-based column of the problem, when known.
    pub fn column(&self) -> Option<usize> {
        match self {
            FormatError::Syntax { column, .. } => Some(*column),
            _ => None,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax { line, column, message } => write!(f, "line {line}, column {column}: {message}"),
            FormatError::MissingVersion { what } => {
                write!(f, "line 1, column 1: this {what} has no \"version\" field; add \"version\": 1 at the top level")
            }
            FormatError::UnsupportedVersion { what, found, newest } => write!(
                f,
                "line 1, column 1: this {what} has version {found}, but this Scale Lab reads versions up to {newest}; update Scale Lab to open it"
            ),
            FormatError::TooLarge { bytes, limit } => {
                write!(f, "line 1, column 1: the file is {bytes} bytes; the limit is {limit} bytes")
            }
        }
    }
}

impl std::error::Error for FormatError {}

impl From<serde_json::Error> for FormatError {
    fn from(e: serde_json::Error) -> Self {
        let full = e.to_string();
        // serde_json appends " at line L column C"; the position is reported separately.
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        let message = if message.is_empty() {
            "invalid JSON".to_string()
        } else {
            message
        };
        FormatError::Syntax {
            line: e.line().max(1),
            column: e.column().max(1),
            message,
        }
    }
}

#[derive(Deserialize)]
struct VersionProbe {
    version: Option<u32>,
}

/// Parses `text` as a `T` stored with a `version` field. Files older than `current`
/// go through `migrate` (a JSON-to-JSON upgrade) before being read.
pub(crate) fn parse_versioned<T: DeserializeOwned>(
    text: &str,
    what: &'static str,
    current: u32,
    migrate: fn(serde_json::Value, u32) -> Result<serde_json::Value, FormatError>,
) -> Result<T, FormatError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(FormatError::TooLarge {
            bytes: text.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    let probe: VersionProbe = serde_json::from_str(text)?;
    match probe.version {
        None => Err(FormatError::MissingVersion { what }),
        Some(v) if v > current => Err(FormatError::UnsupportedVersion {
            what,
            found: v,
            newest: current,
        }),
        Some(v) if v == current => Ok(serde_json::from_str(text)?),
        Some(v) => {
            let value: serde_json::Value = serde_json::from_str(text)?;
            let upgraded = migrate(value, v)?;
            Ok(serde_json::from_value(upgraded)?)
        }
    }
}

/// The migration of a format that has had only one version: nothing older exists.
pub(crate) fn no_older_versions(
    _value: serde_json::Value,
    found: u32,
) -> Result<serde_json::Value, FormatError> {
    Err(FormatError::UnsupportedVersion {
        what: "file",
        found,
        newest: 1,
    })
}
