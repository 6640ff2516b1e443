//! A problem found in a diagram, a scenario or a lesson: how serious it is, the node
//! concerned and a sentence for the learner.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a finding is: errors stop a run, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a diagram or scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// The node concerned, when there is one.
    pub node: Option<String>,
    /// A sentence for the learner.
    pub message: String,
}

impl Finding {
    pub fn error(node: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            node: node.map(str::to_string),
            message: message.into(),
        }
    }

    pub fn warning(node: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            node: node.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.node {
            Some(n) => write!(f, "{sev} ({n}): {}", self.message),
            None => write!(f, "{sev}: {}", self.message),
        }
    }
}
