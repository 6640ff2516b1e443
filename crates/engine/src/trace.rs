//! Request outcomes, failure causes and the per-hop traces the app animates.

use serde::{Deserialize, Serialize};

use crate::scenario::RequestKind;

/// How many failure causes there are.
pub const CAUSES: usize = 7;

/// Why a request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    NodeDown,
    QueueFull,
    Timeout,
    SessionLost,
    NoRoute,
    RateLimited,
    Overloaded,
}

impl Cause {
    /// Every cause, in a fixed order.
    pub const ALL: &'static [Cause] = &[
        Cause::NodeDown,
        Cause::QueueFull,
        Cause::Timeout,
        Cause::SessionLost,
        Cause::NoRoute,
        Cause::RateLimited,
        Cause::Overloaded,
    ];

    /// A short name: "Component down".
    pub fn label(self) -> &'static str {
        match self {
            Cause::NodeDown => "Component down",
            Cause::QueueFull => "Queue full",
            Cause::Timeout => "Timeout",
            Cause::SessionLost => "Session lost",
            Cause::NoRoute => "No route",
            Cause::RateLimited => "Rate limited",
            Cause::Overloaded => "Over the simulation's limit",
        }
    }

    /// What happened, for a learner.
    pub fn sentence(self) -> &'static str {
        match self {
            Cause::NodeDown => "The request reached a component that is down.",
            Cause::QueueFull => "Every worker was busy and the waiting queue was full, so the request was refused.",
            Cause::Timeout => "The client gave up waiting for an answer.",
            Cause::SessionLost => "The user's login lived in a server's memory and that server died, so the user was logged out.",
            Cause::NoRoute => "The request had nowhere to go: every component that could take it next was down or known to be unhealthy.",
            Cause::RateLimited => "An API gateway's rate limit refused it: the user sent more requests than allowed.",
            Cause::Overloaded => "More requests were in flight than the simulation follows at once (262,144), so it was refused; lower the traffic or the client timeout.",
        }
    }

    /// Position in [`Cause::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed(Cause),
}

/// One network hop of a traced request. `from` and `to` are indices into
/// `Diagram::nodes`. Hops may join nodes without an edge between them (a user reaching
/// the entry point DNS gave it), and include the way back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub from: u32,
    pub to: u32,
    pub depart_us: u64,
    pub arrive_us: u64,
}

/// The path of one finished request; for a failure the last hop is where it failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub kind: RequestKind,
    pub start_us: u64,
    pub end_us: u64,
    pub hops: Vec<Hop>,
    pub outcome: Outcome,
}
