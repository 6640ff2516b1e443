//! A problem found in a diagram, a scenario or a lesson: how serious it is, the node
//! concerned and a sentence for the learner.

use std::fmt;

use crate::format::{short, thousands};

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

/// Names listed in a grouped finding before the rest are only counted.
const NAMES_LISTED: usize = 3;

/// The findings as a list for reading: a finding that says of several components what
/// it says of one (the same sentence after the component's name, and the same
/// severity) is written once, at the place of the first, followed by "The same goes
/// for …" and the others' names (the first three, then how many more; four are all
/// named rather than "and 1 other"). Components sharing a name are named once, with
/// how many there are ("another Web", "2 components named Cache"). `name` gives a
/// node's name from its id. Findings without a node, or whose sentence does not start
/// with the node's name, stay as they are.
pub fn grouped(findings: &[Finding], name: impl Fn(&str) -> Option<String>) -> Vec<Finding> {
    // For each finding: its node's name and the rest of its sentence, when it has both.
    let split: Vec<Option<(String, &str)>> = findings
        .iter()
        .map(|f| {
            let n = name(f.node.as_deref()?)?;
            let tail = f.message.strip_prefix(n.as_str())?;
            Some((n, tail))
        })
        .collect();
    let mut taken = vec![false; findings.len()];
    let mut out = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if taken[i] {
            continue;
        }
        let Some((lead, tail)) = &split[i] else {
            out.push(f.clone());
            continue;
        };
        let mut others: Vec<&str> = Vec::new();
        for j in i + 1..findings.len() {
            if let Some((n, t)) = &split[j] {
                if !taken[j] && findings[j].severity == f.severity && t == tail {
                    taken[j] = true;
                    others.push(n);
                }
            }
        }
        if others.is_empty() {
            out.push(f.clone());
            continue;
        }
        // Each name once, in order, with how many of the others bear it.
        let mut counted: Vec<(&str, usize)> = Vec::new();
        for n in &others {
            match counted.iter_mut().find(|(m, _)| m == n) {
                Some((_, k)) => *k += 1,
                None => counted.push((n, 1)),
            }
        }
        let say = |&(n, k): &(&str, usize)| match (n == lead.as_str(), k) {
            (true, 1) => format!("another {n}"),
            (true, k) => format!("{} others named {n}", thousands(k as f64)),
            (false, 1) => n.to_string(),
            (false, k) => format!("{} components named {n}", thousands(k as f64)),
        };
        let mut names: Vec<String> = counted.iter().take(NAMES_LISTED).map(say).collect();
        if counted.len() == NAMES_LISTED + 1 {
            names.push(say(&counted[NAMES_LISTED]));
        } else if counted.len() > NAMES_LISTED {
            let more: usize = counted[NAMES_LISTED..].iter().map(|(_, k)| k).sum();
            names.push(format!("{} others", thousands(more as f64)));
        }
        let list = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        out.push(Finding {
            severity: f.severity,
            node: None,
            message: format!("{} The same goes for {list}.", f.message),
        });
    }
    out
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.node {
            Some(n) => write!(f, "{sev} ({}): {}", short(n), self.message),
            None => write!(f, "{sev}: {}", self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(id: &str) -> Option<String> {
        Some(format!("Web server {}", id.trim_start_matches("web-")))
    }

    fn idle(id: &str) -> Finding {
        Finding::warning(
            Some(id),
            format!("{} receives no traffic.", name(id).unwrap()),
        )
    }

    #[test]
    fn the_same_sentence_about_several_components_is_written_once() {
        // About a component too, but saying something else.
        let other = Finding::warning(Some("web-9"), "Web server 9 is connected to Cache twice.");
        let general = Finding::warning(None, "Add a Users component.");
        let list = vec![
            idle("web-1"),
            other.clone(),
            idle("web-2"),
            general.clone(),
            idle("web-3"),
        ];
        let out = grouped(&list, name);
        assert_eq!(out.len(), 3, "{out:#?}");
        assert_eq!(
            out[0].message,
            "Web server 1 receives no traffic. The same goes for Web server 2 and Web server 3."
        );
        assert_eq!(out[0].node, None);
        assert_eq!(out[0].severity, Severity::Warning);
        assert_eq!(out[1], other);
        assert_eq!(out[2], general);
    }

    #[test]
    fn a_long_group_names_three_and_counts_the_rest_and_severities_stay_apart() {
        let mut list: Vec<Finding> = (1..=6).map(|i| idle(&format!("web-{i}"))).collect();
        let mut error = idle("web-7");
        error.severity = Severity::Error;
        list.push(error.clone());
        let out = grouped(&list, name);
        assert_eq!(out.len(), 2, "{out:#?}");
        assert_eq!(
            out[0].message,
            "Web server 1 receives no traffic. The same goes for Web server 2, Web server 3, \
             Web server 4 and 2 others."
        );
        assert_eq!(out[1], error);
        // Four others are all named.
        assert_eq!(
            grouped(&list[..5], name)[0].message,
            "Web server 1 receives no traffic. The same goes for Web server 2, Web server 3, \
             Web server 4 and Web server 5."
        );
        // One alone is left as it is, with its node.
        assert_eq!(grouped(&list[..1], name), list[..1].to_vec());
        // A sentence that does not start with the node's name is never merged.
        let unnamed = vec![
            Finding::warning(Some("web-1"), "It receives no traffic."),
            Finding::warning(Some("web-2"), "It receives no traffic."),
        ];
        assert_eq!(grouped(&unnamed, name), unnamed);
    }

    #[test]
    fn components_sharing_a_name_are_named_once_with_their_count() {
        // web-a, web-b and web-b2 are all called "Web server a"; c, d and e are all
        // called "Web server c".
        let shared = |id: &str| {
            let n = if id < "web-c" {
                "Web server a"
            } else {
                "Web server c"
            };
            Some(n.to_string())
        };
        let idle_as = |id: &str| {
            Finding::warning(
                Some(id),
                format!("{} receives no traffic.", shared(id).unwrap()),
            )
        };
        let two = vec![idle_as("web-a"), idle_as("web-b")];
        assert_eq!(
            grouped(&two, shared)[0].message,
            "Web server a receives no traffic. The same goes for another Web server a."
        );
        let list: Vec<Finding> = ["web-a", "web-c", "web-b", "web-d", "web-e", "web-b2"]
            .iter()
            .map(|id| idle_as(id))
            .collect();
        assert_eq!(
            grouped(&list, shared)[0].message,
            "Web server a receives no traffic. The same goes for 3 components named \
             Web server c and 2 others named Web server a."
        );
    }
}
