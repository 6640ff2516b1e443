//! Goals as data (metric bounds over the run or a named window, per-node metrics,
//! structural checks) and their evaluation into pass / fail, the measured value and a
//! sentence naming the cause of a failure.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::analysis::analyze;
use crate::catalog::{in_sentence, with_article};
use crate::components::{dispatch, Kind, NodeCx};
use crate::diagram::Diagram;
use crate::format::{self, count_of, count_was, fixed, percent, thousands, FormatError};
use crate::metrics::{Metrics, NodeMetrics, ShardMetrics, Totals};
use crate::scenario::{RequestKind, Scenario};
use crate::trace::Cause;

/// The goals file format version this engine writes.
pub const GOALS_VERSION: u32 = 1;

/// A goals file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalSet {
    pub version: u32,
    pub goals: Vec<Goal>,
}

impl GoalSet {
    /// Every problem of these goals for a run of `d` under `s`, by goal index: names of
    /// nodes or windows that do not exist, node goals naming both or neither of a node
    /// and a kind, bounds that are not numbers.
    pub fn problems(&self, d: &Diagram, s: &Scenario) -> Vec<(usize, String)> {
        goal_problems(&self.goals, d, s)
    }

    /// Reads a goals file, upgrading older versions.
    // Inline for the reason given at `Diagram::from_json`.
    #[inline]
    pub fn from_json(text: &str) -> Result<GoalSet, FormatError> {
        format::parse_versioned(
            text,
            &format::Versioned {
                what: "goals file",
                current: GOALS_VERSION,
                migrate: format::no_migration,
            },
        )
    }

    /// `goals` as an indented goals file of the current version.
    #[inline]
    pub fn to_json_pretty(goals: &[Goal]) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            version: u32,
            goals: &'a [Goal],
        }
        serde_json::to_string_pretty(&File {
            version: GOALS_VERSION,
            goals,
        })
        .unwrap_or_default()
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
}

impl Op {
    /// Every comparison, in a fixed order (share links store the position).
    pub const ALL: &'static [Op] = &[Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::Eq];

    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "≤",
            Op::Gt => ">",
            Op::Ge => "≥",
            Op::Eq => "=",
        }
    }

    fn wants_low(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Eq)
    }
}

/// A whole-run (or window) metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    P50Ms,
    P95Ms,
    P99Ms,
    MaxMs,
    MeanMs,
    ErrorRate,
    ThroughputRps,
    Requests,
    Failed,
    LostWrites,
    LoggedOut,
    DbReadQps,
    DbWriteQps,
    /// Database reads per request.
    DbReadShare,
    CostPerMonth,
    /// Background jobs: completion latency (from hand-over to done) and counts.
    JobP50Ms,
    JobP95Ms,
    JobP99Ms,
    JobsCompleted,
    JobsLost,
    JobsRejected,
    /// Most jobs waiting in queues at the end of any second.
    QueueBacklogMax,
    /// Oldest waiting job at the end of any second (ms).
    OldestJobMaxMs,
    /// When the job backlog first emptied after its peak (s from the start; 0 when no
    /// job ever waited).
    BacklogDrainedAtS,
    /// Requests an API gateway refused.
    RateLimited,
    /// Most instances at once of any autoscaled component.
    InstancesMax,
    /// Distinct users who sent a request.
    ActiveUsers,
    /// Keys whose shard changed in reshardings, over every sharded database.
    KeysMoved,
    /// The busiest shard's load ÷ the quietest shard's, for the worst sharded database
    /// (see [`crate::metrics::ShardMetrics::imbalance`]).
    ShardImbalance,
}

impl Metric {
    /// Every run metric, in a fixed order (share links store the position).
    pub const ALL: &'static [Metric] = &[
        Metric::P50Ms,
        Metric::P95Ms,
        Metric::P99Ms,
        Metric::MaxMs,
        Metric::MeanMs,
        Metric::ErrorRate,
        Metric::ThroughputRps,
        Metric::Requests,
        Metric::Failed,
        Metric::LostWrites,
        Metric::LoggedOut,
        Metric::DbReadQps,
        Metric::DbWriteQps,
        Metric::DbReadShare,
        Metric::CostPerMonth,
        Metric::JobP50Ms,
        Metric::JobP95Ms,
        Metric::JobP99Ms,
        Metric::JobsCompleted,
        Metric::JobsLost,
        Metric::JobsRejected,
        Metric::QueueBacklogMax,
        Metric::OldestJobMaxMs,
        Metric::BacklogDrainedAtS,
        Metric::RateLimited,
        Metric::InstancesMax,
        Metric::ActiveUsers,
        Metric::KeysMoved,
        Metric::ShardImbalance,
    ];

    fn label(self) -> &'static str {
        match self {
            Metric::P50Ms => "median latency (ms)",
            Metric::P95Ms => "p95 latency (ms)",
            Metric::P99Ms => "p99 latency (ms)",
            Metric::MaxMs => "worst latency (ms)",
            Metric::MeanMs => "mean latency (ms)",
            Metric::ErrorRate => "error rate",
            Metric::ThroughputRps => "throughput (req/s)",
            Metric::Requests => "requests",
            Metric::Failed => "failed requests",
            Metric::LostWrites => "lost writes",
            Metric::LoggedOut => "users logged out",
            Metric::DbReadQps => "database reads per second",
            Metric::DbWriteQps => "database writes per second",
            Metric::DbReadShare => "database reads per request",
            Metric::CostPerMonth => "monthly cost ($)",
            Metric::JobP50Ms => "median job time (ms)",
            Metric::JobP95Ms => "p95 job time (ms)",
            Metric::JobP99Ms => "p99 job time (ms)",
            Metric::JobsCompleted => "jobs done",
            Metric::JobsLost => "jobs lost",
            Metric::JobsRejected => "jobs refused by a full queue",
            Metric::QueueBacklogMax => "most jobs waiting",
            Metric::OldestJobMaxMs => "oldest waiting job (ms)",
            Metric::BacklogDrainedAtS => "backlog emptied at (s)",
            Metric::RateLimited => "requests rate limited",
            Metric::InstancesMax => "most instances at once",
            Metric::ActiveUsers => "active users",
            Metric::KeysMoved => "keys moved by resharding",
            Metric::ShardImbalance => "shard imbalance (busiest ÷ quietest)",
        }
    }

    /// Measured from the sharded databases, over the whole run.
    fn is_shard(self) -> bool {
        matches!(self, Metric::KeysMoved | Metric::ShardImbalance)
    }

    /// Measured over the whole run and every request: a window or a request kind
    /// cannot narrow it.
    fn whole_run_only(self) -> bool {
        self.is_shard()
            || matches!(
                self,
                Metric::CostPerMonth
                    | Metric::JobP50Ms
                    | Metric::JobP95Ms
                    | Metric::JobP99Ms
                    | Metric::JobsCompleted
                    | Metric::JobsLost
                    | Metric::JobsRejected
                    | Metric::QueueBacklogMax
                    | Metric::OldestJobMaxMs
                    | Metric::BacklogDrainedAtS
                    | Metric::InstancesMax
                    | Metric::ActiveUsers
            )
    }

    fn is_latency(self) -> bool {
        matches!(
            self,
            Metric::P50Ms | Metric::P95Ms | Metric::P99Ms | Metric::MaxMs | Metric::MeanMs
        )
    }
}

/// A per-node metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeMetric {
    /// Busy share over the run.
    Utilisation,
    HitRate,
    /// Reads per second over the run.
    ReadQps,
    WriteQps,
    Served,
    Failed,
    ReplicationLagMs,
}

impl NodeMetric {
    /// Every node metric, in a fixed order (share links store the position).
    pub const ALL: &'static [NodeMetric] = &[
        NodeMetric::Utilisation,
        NodeMetric::HitRate,
        NodeMetric::ReadQps,
        NodeMetric::WriteQps,
        NodeMetric::Served,
        NodeMetric::Failed,
        NodeMetric::ReplicationLagMs,
    ];

    fn label(self) -> &'static str {
        match self {
            NodeMetric::Utilisation => "utilisation",
            NodeMetric::HitRate => "hit rate",
            NodeMetric::ReadQps => "reads per second",
            NodeMetric::WriteQps => "writes per second",
            NodeMetric::Served => "requests served",
            NodeMetric::Failed => "failed requests",
            NodeMetric::ReplicationLagMs => "replication lag (ms)",
        }
    }
}

/// Most goals a goals file, a chapter or a challenge may have (as many as a link holds).
pub const MAX_GOALS: usize = 256;

/// Every problem of `goals` for a run of `d` under `s` (see [`GoalSet::problems`]).
pub fn goal_problems(goals: &[Goal], d: &Diagram, s: &Scenario) -> Vec<(usize, String)> {
    if goals.len() > MAX_GOALS {
        // Said once, not for each of thousands of goals.
        return vec![(
            MAX_GOALS,
            format!(
                "There are {} goals; the limit is {MAX_GOALS}.",
                format::thousands(goals.len() as f64)
            ),
        )];
    }
    let mut out = Vec::new();
    for (i, g) in goals.iter().enumerate() {
        let mut problem = |m: String| out.push((i, format!("Goal {}: {m}", i + 1)));
        match g {
            Goal::Metric {
                metric,
                value,
                window,
                request_kind,
                ..
            } => {
                if !value.is_finite() {
                    problem("its value must be a number.".into());
                }
                if metric.whole_run_only() && (window.is_some() || request_kind.is_some()) {
                    problem(format!(
                        "{} is measured over the whole run and every request; remove \"window\" and \"request_kind\".",
                        metric.label()
                    ));
                }
                if let Some(w) = window {
                    if !s.windows.iter().any(|x| &x.name == w) {
                        problem(format!(
                            "the scenario has no window named \"{}\".",
                            format::short(w)
                        ));
                    }
                }
            }
            Goal::NodeMetric {
                node, kind, value, ..
            } => {
                if !value.is_finite() {
                    problem("its value must be a number.".into());
                }
                match (node, kind) {
                    (Some(_), Some(_)) => problem(
                        "it names both a component and a kind; keep one of \"node\" and \"kind\"."
                            .into(),
                    ),
                    (None, None) => problem(
                        "it needs a \"node\" (a component id) or a \"kind\" (all components of a kind)."
                            .into(),
                    ),
                    (Some(id), None) if d.node(id).is_none() => problem(format!(
                        "there is no component \"{}\" in the diagram.",
                        format::short(id)
                    )),
                    _ => {}
                }
            }
            Goal::Has { at_least: 0, .. } => problem("\"at_least\" must be 1 or more.".into()),
            Goal::Has { .. }
            | Goal::NoSinglePointOfFailure { .. }
            | Goal::SessionsNotOnWebServers { .. } => {}
        }
    }
    out
}

/// One goal. In files: `{"type": "metric", "metric": "p95_ms", "op": "<=", ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GoalIn", into = "GoalOut")]
pub enum Goal {
    /// A bound on a run metric, optionally within a named scenario window or for one
    /// request kind.
    Metric {
        metric: Metric,
        op: Op,
        value: f64,
        window: Option<String>,
        request_kind: Option<RequestKind>,
        label: Option<String>,
    },
    /// A bound on one node's metric (`node`), or on all nodes of a kind (`kind`;
    /// hit rates combine, counts add up, utilisation and lag take the worst).
    NodeMetric {
        node: Option<String>,
        kind: Option<Kind>,
        metric: NodeMetric,
        op: Op,
        value: f64,
        label: Option<String>,
    },
    /// The diagram contains at least `at_least` components of a kind.
    Has {
        kind: Kind,
        at_least: u32,
        label: Option<String>,
    },
    /// No single point of failure (among nodes of `kind`, when given).
    NoSinglePointOfFailure {
        kind: Option<Kind>,
        label: Option<String>,
    },
    /// Every web server keeps sessions in a session store.
    SessionsNotOnWebServers { label: Option<String> },
}

/// The types of goal, as named in files.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum GoalType {
    Metric,
    NodeMetric,
    Has,
    NoSinglePointOfFailure,
    SessionsNotOnWebServers,
}

/// A goal as read from a file: a type and the fields that type uses. (A flat struct
/// reads with far less code than a tagged enum, which matters in the browser.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalIn {
    #[serde(rename = "type")]
    ty: GoalType,
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    op: Option<Op>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default)]
    window: Option<String>,
    #[serde(default)]
    request_kind: Option<RequestKind>,
    #[serde(default)]
    node: Option<String>,
    #[serde(default)]
    kind: Option<Kind>,
    #[serde(default)]
    at_least: Option<u32>,
    #[serde(default)]
    label: Option<String>,
}

/// A metric name read as the enum `T` ("unknown variant" errors keep serde's wording,
/// which the file reader turns into plain words).
fn metric_named<'de, T: Deserialize<'de>>(name: &'de str) -> Result<T, String> {
    use serde::de::IntoDeserializer;
    T::deserialize(IntoDeserializer::<serde::de::value::Error>::into_deserializer(name))
        .map_err(|e| e.to_string())
}

impl TryFrom<GoalIn> for Goal {
    type Error = String;

    fn try_from(g: GoalIn) -> Result<Self, String> {
        let custom = |m: &str| format!("{}{m}", format::CUSTOM);
        let need = |what: &str| custom(&format!("this goal needs \"{what}\""));
        let allowed: &[&str] = match g.ty {
            GoalType::Metric => &["metric", "op", "value", "window", "request_kind"],
            GoalType::NodeMetric => &["metric", "op", "value", "node", "kind"],
            GoalType::Has => &["kind", "at_least"],
            GoalType::NoSinglePointOfFailure => &["kind"],
            GoalType::SessionsNotOnWebServers => &[],
        };
        let present = [
            ("metric", g.metric.is_some()),
            ("op", g.op.is_some()),
            ("value", g.value.is_some()),
            ("window", g.window.is_some()),
            ("request_kind", g.request_kind.is_some()),
            ("node", g.node.is_some()),
            ("kind", g.kind.is_some()),
            ("at_least", g.at_least.is_some()),
        ];
        if let Some((field, _)) = present.iter().find(|(f, p)| *p && !allowed.contains(f)) {
            return Err(custom(&format!("this type of goal has no \"{field}\"")));
        }
        let label = g.label;
        Ok(match g.ty {
            GoalType::Metric => Goal::Metric {
                metric: metric_named(g.metric.as_deref().ok_or_else(|| need("metric"))?)?,
                op: g.op.ok_or_else(|| need("op"))?,
                value: g.value.ok_or_else(|| need("value"))?,
                window: g.window,
                request_kind: g.request_kind,
                label,
            },
            GoalType::NodeMetric => Goal::NodeMetric {
                node: g.node,
                kind: g.kind,
                metric: metric_named(g.metric.as_deref().ok_or_else(|| need("metric"))?)?,
                op: g.op.ok_or_else(|| need("op"))?,
                value: g.value.ok_or_else(|| need("value"))?,
                label,
            },
            GoalType::Has => Goal::Has {
                kind: g.kind.ok_or_else(|| need("kind"))?,
                at_least: g.at_least.unwrap_or(1),
                label,
            },
            GoalType::NoSinglePointOfFailure => Goal::NoSinglePointOfFailure {
                kind: g.kind,
                label,
            },
            GoalType::SessionsNotOnWebServers => Goal::SessionsNotOnWebServers { label },
        })
    }
}

/// Either kind of metric, written by name.
#[derive(Clone, Serialize)]
#[serde(untagged)]
enum AnyMetric {
    Run(Metric),
    Node(NodeMetric),
}

/// A goal as written to a file.
#[derive(Clone, Serialize)]
struct GoalOut {
    #[serde(rename = "type")]
    ty: GoalType,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metric: Option<AnyMetric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    op: Option<Op>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_kind: Option<RequestKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_least: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
}

impl From<Goal> for GoalOut {
    fn from(g: Goal) -> Self {
        let mut o = GoalOut {
            ty: GoalType::SessionsNotOnWebServers,
            node: None,
            kind: None,
            metric: None,
            op: None,
            value: None,
            window: None,
            request_kind: None,
            at_least: None,
            label: None,
        };
        match g {
            Goal::Metric {
                metric,
                op,
                value,
                window,
                request_kind,
                label,
            } => {
                o.ty = GoalType::Metric;
                (o.metric, o.op, o.value) = (Some(AnyMetric::Run(metric)), Some(op), Some(value));
                (o.window, o.request_kind, o.label) = (window, request_kind, label);
            }
            Goal::NodeMetric {
                node,
                kind,
                metric,
                op,
                value,
                label,
            } => {
                o.ty = GoalType::NodeMetric;
                (o.node, o.kind, o.label) = (node, kind, label);
                (o.metric, o.op, o.value) = (Some(AnyMetric::Node(metric)), Some(op), Some(value));
            }
            Goal::Has {
                kind,
                at_least,
                label,
            } => {
                o.ty = GoalType::Has;
                (o.kind, o.at_least, o.label) = (Some(kind), Some(at_least), label);
            }
            Goal::NoSinglePointOfFailure { kind, label } => {
                o.ty = GoalType::NoSinglePointOfFailure;
                (o.kind, o.label) = (kind, label);
            }
            Goal::SessionsNotOnWebServers { label } => o.label = label,
        }
        o
    }
}

/// How one goal fared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalResult {
    /// A human label: "p95 latency (ms) ≤ 200".
    pub goal: String,
    pub pass: bool,
    pub measured: Option<f64>,
    /// The measured value in words with its unit ("183 ms", "2.4 %", "$1,200 a
    /// month"); empty for structural goals, whose label says it all.
    #[serde(default)]
    pub shown: String,
    /// For a failure, one sentence pointing at the cause.
    pub reason: String,
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e12 {
        format!("{}", x as i64)
    } else if x.abs() >= 100.0 {
        fixed(x, 0)
    } else if x.abs() >= 1.0 {
        fixed(x, 1)
    } else {
        fixed(x, 3)
    }
}

impl Goal {
    /// A goal on a figure of the whole run, with no window, request kind or label:
    /// `Goal::metric(Metric::P95Ms, Op::Le, 200.0)`.
    pub fn metric(metric: Metric, op: Op, value: f64) -> Goal {
        Goal::Metric {
            metric,
            op,
            value,
            window: None,
            request_kind: None,
            label: None,
        }
    }

    /// The label its author gave it, if any.
    pub(crate) fn custom_label(&self) -> Option<&str> {
        match self {
            Goal::Metric { label, .. }
            | Goal::NodeMetric { label, .. }
            | Goal::Has { label, .. }
            | Goal::NoSinglePointOfFailure { label, .. }
            | Goal::SessionsNotOnWebServers { label } => label.as_deref(),
        }
    }

    /// The label shown to the learner, naming a component by its id (see
    /// [`Goal::label_in`]).
    pub fn label(&self) -> String {
        self.label_naming(None)
    }

    /// The label shown to the learner, naming a component by its name in `d` (a goal
    /// from a file names it by id: "web-1" means nothing on the canvas).
    pub fn label_in(&self, d: &Diagram) -> String {
        self.label_naming(Some(d))
    }

    fn label_naming(&self, d: Option<&Diagram>) -> String {
        if let Some(l) = self.custom_label() {
            return l.to_string();
        }
        match self {
            Goal::Metric {
                metric,
                op,
                value,
                window,
                request_kind,
                ..
            } => {
                let mut s = String::new();
                if let Some(w) = window {
                    s.push_str(&format!("During \"{w}\": "));
                }
                if let Some(k) = request_kind {
                    s.push_str(&format!("{} ", k.label()));
                }
                s.push_str(&format!(
                    "{} {} {}",
                    metric.label(),
                    op.symbol(),
                    num(*value)
                ));
                capitalise(&s)
            }
            Goal::NodeMetric {
                node,
                kind,
                metric,
                op,
                value,
                ..
            } => {
                let who = match (node, kind) {
                    (Some(n), _) => d.map_or(n.as_str(), |d| name_of(d, n)).to_string(),
                    (None, Some(k)) => format!("{} (all)", k.label()),
                    (None, None) => "every node".to_string(),
                };
                format!("{who} {} {} {}", metric.label(), op.symbol(), num(*value))
            }
            Goal::Has { kind, at_least, .. } => {
                if *at_least <= 1 {
                    format!("Has {}", with_article(kind.label(), false))
                } else {
                    format!("Has at least {at_least} × {}", in_sentence(kind.label()))
                }
            }
            Goal::NoSinglePointOfFailure { kind: Some(k), .. } => {
                format!(
                    "No single point of failure among {} components",
                    in_sentence(k.label())
                )
            }
            Goal::NoSinglePointOfFailure { kind: None, .. } => {
                "No single point of failure".to_string()
            }
            Goal::SessionsNotOnWebServers { .. } => {
                "Sessions are not stored on web servers".to_string()
            }
        }
    }
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// The first letter in capitals, except for terms such as "p95" that are written so.
fn capitalise(s: &str) -> String {
    if s.chars().nth(1).is_some_and(|c| c.is_ascii_digit()) {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn elapsed_s(m: &Metrics) -> f64 {
    (m.now_us.min(m.duration_us).max(1)) as f64 / 1e6
}

fn metric_value(metric: Metric, t: &Totals, m: &Metrics) -> f64 {
    let jobs = &m.jobs;
    match metric {
        Metric::P50Ms => t.p50_ms,
        Metric::P95Ms => t.p95_ms,
        Metric::P99Ms => t.p99_ms,
        Metric::MaxMs => t.max_ms,
        Metric::MeanMs => t.mean_ms,
        Metric::ErrorRate => t.error_rate,
        Metric::ThroughputRps => t.throughput_rps,
        Metric::Requests => t.requests as f64,
        Metric::Failed => t.failed as f64,
        Metric::LostWrites => t.lost_writes as f64,
        Metric::LoggedOut => t.logged_out as f64,
        Metric::DbReadQps => t.db_read_qps,
        Metric::DbWriteQps => t.db_write_qps,
        Metric::DbReadShare => {
            if t.requests_rps > 0.0 {
                t.db_read_qps / t.requests_rps
            } else {
                0.0
            }
        }
        Metric::CostPerMonth => m.cost_per_month,
        Metric::JobP50Ms => jobs.p50_ms,
        Metric::JobP95Ms => jobs.p95_ms,
        Metric::JobP99Ms => jobs.p99_ms,
        Metric::JobsCompleted => jobs.completed as f64,
        Metric::JobsLost => jobs.lost as f64,
        Metric::JobsRejected => jobs.rejected as f64,
        Metric::QueueBacklogMax => jobs.backlog_max as f64,
        Metric::OldestJobMaxMs => jobs.oldest_max_ms,
        // Jobs still waiting when the run stopped (a minute after its end): the backlog
        // never emptied. While the run goes, jobs waiting are only not done yet.
        Metric::BacklogDrainedAtS if jobs.waiting_at_stop > 0 => f64::INFINITY,
        Metric::BacklogDrainedAtS => jobs.backlog_drained_at_s,
        Metric::RateLimited => t
            .by_cause
            .iter()
            .filter(|(c, _)| *c == Cause::RateLimited)
            .map(|(_, n)| *n as f64)
            .sum(),
        Metric::InstancesMax => m
            .nodes
            .iter()
            .filter_map(|n| n.instances_max)
            .max()
            .unwrap_or(0) as f64,
        Metric::ActiveUsers => m.business.as_ref().map_or(0.0, |b| b.active_users as f64),
        // Measured from the nodes, by `shard_goal`.
        Metric::KeysMoved | Metric::ShardImbalance => 0.0,
    }
}

fn node_value(metric: NodeMetric, n: &NodeMetrics, elapsed: f64) -> Option<f64> {
    Some(match metric {
        NodeMetric::Utilisation => n.mean_utilisation,
        NodeMetric::HitRate => n.hit_rate?,
        NodeMetric::ReadQps => n.reads as f64 / elapsed,
        NodeMetric::WriteQps => n.writes as f64 / elapsed,
        NodeMetric::Served => n.served as f64,
        NodeMetric::Failed => n.failed as f64,
        NodeMetric::ReplicationLagMs => n.replication_lag_ms.unwrap_or(0.0),
    })
}

/// A node that ran out of capacity during the run.
struct Saturation<'a> {
    node: &'a NodeMetrics,
    /// The part of the node that was saturated (a shard), when it was a part.
    part: Option<&'a crate::metrics::PartMetrics>,
    /// Seconds it was (almost) fully busy, when the per-second series is known.
    busy_seconds: usize,
    seconds: usize,
}

impl Saturation<'_> {
    /// "Web server 1 was fully busy for 23 of 60 seconds" (or "… 85% busy on average").
    fn describe(&self, d: &Diagram) -> String {
        let name = name_of(d, &self.node.id);
        if let Some(part) = self.part {
            format!(
                "{} of {name} was {} busy on average",
                part.label,
                percent(part.mean_utilisation)
            )
        } else if self.busy_seconds > 0 {
            format!(
                "{name} was fully busy for {} of {} seconds",
                self.busy_seconds, self.seconds
            )
        } else {
            format!(
                "{name} was {} busy on average",
                percent(self.node.mean_utilisation)
            )
        }
    }
}

/// The node that was saturated longest: fully busy (95 % or more) for at least two
/// seconds of the per-second series, or busy 80 % or more over the whole run.
/// The component on the users' path that was saturated longest (or busiest on
/// average). Worker pools are left out: they work off a queue, away from the requests,
/// and one that autoscales on its backlog runs near full by design.
fn saturated<'a>(d: &Diagram, m: &'a Metrics) -> Option<Saturation<'a>> {
    let on_path = |n: &NodeMetrics| !is_worker_pool(d, n);
    let on_average = |node, part| Saturation {
        node,
        part,
        busy_seconds: 0,
        seconds: 0,
    };
    longest_busy(m, 2, on_path).or_else(|| {
        m.nodes
            .iter()
            .filter(|n| n.mean_utilisation >= 0.8 && on_path(n))
            .max_by(|a, b| a.mean_utilisation.total_cmp(&b.mean_utilisation))
            .map(|node| on_average(node, None))
            // A part (a shard) busy 80 % or more when its component as a whole is not.
            .or_else(|| {
                m.nodes
                    .iter()
                    .filter(|n| on_path(n))
                    .flat_map(|node| node.parts.iter().map(move |p| (node, p)))
                    .filter(|(_, p)| p.mean_utilisation >= 0.8)
                    .max_by(|a, b| a.1.mean_utilisation.total_cmp(&b.1.mean_utilisation))
                    .map(|(node, part)| on_average(node, Some(part)))
            })
    })
}

/// The worker pool that was saturated longest.
fn busiest_workers<'a>(d: &Diagram, m: &'a Metrics) -> Option<Saturation<'a>> {
    longest_busy(m, 1, |n| is_worker_pool(d, n))
}

fn is_worker_pool(d: &Diagram, n: &NodeMetrics) -> bool {
    d.node(&n.id)
        .is_some_and(|x| x.kind.info().offers(crate::components::Role::Workers))
}

/// Among the nodes `which` keeps, the one (almost) fully busy for the most seconds of
/// the per-second series, if that is at least `min_seconds`. Only the scenario's
/// seconds count, as the learner knows them ("of 60 seconds"), not the seconds after
/// its end in which the requests still in flight finished.
fn longest_busy<'a>(
    m: &'a Metrics,
    min_seconds: usize,
    which: impl Fn(&NodeMetrics) -> bool,
) -> Option<Saturation<'a>> {
    let in_scenario = |p: &&crate::metrics::NodePoint| u64::from(p.t_s) * 1_000_000 < m.duration_us;
    m.nodes
        .iter()
        .zip(&m.node_series)
        .filter(|(node, _)| which(node))
        .map(|(node, series)| Saturation {
            node,
            part: None,
            busy_seconds: series
                .points
                .iter()
                .filter(in_scenario)
                .filter(|p| p.utilisation >= 0.95)
                .count(),
            seconds: series.points.iter().filter(in_scenario).count(),
        })
        .filter(|s| s.busy_seconds >= min_seconds)
        .max_by_key(|s| s.busy_seconds)
}

/// The name a learner gave a node (its id when it has none).
fn name_of<'a>(d: &'a Diagram, id: &'a str) -> &'a str {
    d.node(id)
        .map(|n| n.name.as_str())
        .filter(|n| !n.is_empty())
        .unwrap_or(id)
}

fn most_failed(m: &Metrics) -> Option<&NodeMetrics> {
    m.nodes
        .iter()
        .filter(|n| n.failed > 0)
        .max_by_key(|n| n.failed)
}

fn was_down(m: &Metrics, id: &str) -> bool {
    !m.node(id).is_some_and(|n| n.up)
        || m.markers.iter().any(|k| {
            k.text.starts_with(&format!("{id} "))
                && (k.text.contains("killed") || k.text.contains("is down"))
        })
}

/// The component's own explanation of failures while it was down, if it has one.
fn down_reason(d: &Diagram, id: &str) -> Option<String> {
    let node = d.node(id)?;
    dispatch!(node.kind, down_reason(&NodeCx::new(d, node)))
}

/// A sentence explaining why a run metric is off.
fn run_reason(d: &Diagram, m: &Metrics, t: &Totals, metric: Metric) -> String {
    let sat = saturated(d, m);
    if metric.is_latency() || metric == Metric::ThroughputRps {
        if let Some(s) = &sat {
            return format!(
                "{}, so requests waited in its queue; give it more capacity or add copies.",
                s.describe(d)
            );
        }
        if metric == Metric::ThroughputRps && t.failed > 0 {
            return failure_reason(d, m, t);
        }
        return "No component is saturated: the time goes to the network, so move servers closer to users or add a CDN or cache."
            .to_string();
    }
    match metric {
        Metric::ErrorRate | Metric::Failed => failure_reason(d, m, t),
        Metric::LostWrites => format!(
            "{} acknowledged by a primary that died before its replica had them; lower the replication lag.",
            count_was(t.lost_writes, "write", "writes")
        ),
        Metric::LoggedOut => format!(
            "{} logged out because a web server that kept their sessions in memory died; keep sessions in a session store.",
            count_was(t.logged_out, "user", "users")
        ),
        Metric::DbReadQps if m.nodes.iter().any(|n| n.role.as_deref() == Some("replica")) => {
            "The database serves too many reads; put a cache in front of it (bigger, with a longer TTL) or add replicas to share them.".to_string()
        }
        Metric::DbReadQps | Metric::DbReadShare => {
            "Most reads still reach the database; answer more from memory: add a cache, or make it bigger or its TTL longer.".to_string()
        }
        Metric::DbWriteQps => "The database takes more writes than allowed.".to_string(),
        Metric::JobP50Ms | Metric::JobP95Ms | Metric::JobP99Ms | Metric::QueueBacklogMax
        | Metric::OldestJobMaxMs | Metric::BacklogDrainedAtS => match busiest_workers(d, m) {
            Some(s) => format!(
                "Jobs waited in the queue: {}; add workers or let the pool autoscale.",
                s.describe(d)
            ),
            None if m.jobs.created == 0 => {
                "No job reached a message queue; connect the web servers to one, and the queue to a worker pool.".to_string()
            }
            None => "Jobs waited in the queue; add workers or let the pool autoscale.".to_string(),
        },
        Metric::JobsLost => format!(
            "{} lost: a message queue that is not durable went down with them; make it durable.",
            count_was(m.jobs.lost, "job", "jobs")
        ),
        Metric::JobsRejected => format!(
            "{} refused because a message queue was full; raise its maximum depth or add workers.",
            count_was(m.jobs.rejected, "job", "jobs")
        ),
        Metric::JobsCompleted => "Fewer jobs were done than the goal asks; add workers.".to_string(),
        Metric::RateLimited => "An API gateway refused users who sent more than their allowance; raise the allowed rate or the burst.".to_string(),
        Metric::InstancesMax => "Autoscaling needed more instances than the goal allows; give each more capacity or lower the load.".to_string(),
        Metric::ActiveUsers if !m.monitored => "Nothing counts the business numbers: add a Monitoring component.".to_string(),
        Metric::ActiveUsers => "Fewer users were active than the goal asks.".to_string(),
        Metric::CostPerMonth => {
            let priciest = d
                .nodes
                .iter()
                .map(|n| (n, n.kind.monthly_cost(&n.params)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match priciest {
                Some((n, c)) => format!("The design costs ${} a month; the most expensive part is {} (${}).", fixed(m.cost_per_month, 0), n.name, fixed(c, 0)),
                None => "The design costs too much.".to_string(),
            }
        }
        _ => match sat {
            Some(s) => format!("{}.", s.describe(d)),
            None => failure_reason(d, m, t),
        },
    }
}

/// A sentence naming the main cause of failed requests.
fn failure_reason(d: &Diagram, m: &Metrics, t: &Totals) -> String {
    let Some((cause, count)) = t.by_cause.iter().copied().max_by_key(|(_, n)| *n) else {
        // The goal wanted failures (a test of the failure path, say) and none came.
        return "No request failed, and the goal expects some to.".to_string();
    };
    let failed = count;
    let count = count_of(count, "request", "requests");
    let worst = most_failed(m);
    let explained = match (cause, worst) {
        (Cause::NodeDown, Some(n)) => down_reason(d, &n.id),
        _ => None,
    };
    if let Some(reason) = explained {
        return format!("{count} failed because {reason}");
    }
    if let (Cause::NodeDown, Some(n)) = (cause, worst) {
        // A whole data center that went down explains it better than its node.
        let dc = d
            .node(&n.id)
            .and_then(|x| x.home_dc())
            .and_then(|id| d.data_center(id))
            .filter(|dc| {
                m.markers
                    .iter()
                    .any(|k| k.text == format!("{} went down", dc.name))
            });
        if let Some(dc) = dc {
            return format!(
                "{count} failed: {} went down and its components still received traffic; have DNS check its entry points often (GeoDNS) and keep another data center ready.",
                dc.name
            );
        }
    }
    match (cause, worst) {
        (Cause::NodeDown, Some(n)) if was_down(m, &n.id) => format!(
            "{count} failed: {} was down and still received traffic; check its health more often, and keep a spare.",
            name_of(d, &n.id)
        ),
        (Cause::QueueFull, Some(n)) | (Cause::Timeout, Some(n)) => match saturated(d, m) {
            Some(s) => format!(
                "{count} failed ({}): {}; give it more capacity.",
                cause.label().to_ascii_lowercase(),
                s.describe(d)
            ),
            None => {
                // A component with parts (a sharded database) names the part that
                // failed most.
                let part = n
                    .parts
                    .iter()
                    .filter(|p| p.failed > 0)
                    .max_by_key(|p| p.failed)
                    .map_or(String::new(), |p| format!(", most at {}", p.label.to_ascii_lowercase()));
                format!(
                    "{count} failed ({}) at {}{part}: it could not keep up; give it more capacity.",
                    cause.label().to_ascii_lowercase(),
                    name_of(d, &n.id)
                )
            }
        },
        (Cause::SessionLost, _) => format!(
            "{} logged out when a web server holding their sessions died; keep sessions in a session store.",
            count_was(t.logged_out.max(failed), "user", "users")
        ),
        (Cause::NoRoute, Some(n)) => format!("{count} failed: {} had no healthy component to send them on to.", name_of(d, &n.id)),
        (_, Some(n)) => format!("{count} failed ({}); most at {}.", cause.label().to_ascii_lowercase(), name_of(d, &n.id)),
        (_, None) => format!("{count} failed: {}", cause.sentence()),
    }
}

/// A goal on the sharded databases' keys moved or shard imbalance.
fn shard_goal(
    d: &Diagram,
    m: &Metrics,
    goal: &Goal,
    metric: Metric,
    op: Op,
    value: f64,
) -> GoalResult {
    let sharded: Vec<(&NodeMetrics, &ShardMetrics)> = m
        .nodes
        .iter()
        .filter_map(|n| n.shards.as_ref().map(|s| (n, s)))
        .collect();
    if sharded.is_empty() {
        return result(
            goal,
            false,
            None,
            "The diagram has no sharded database to measure.".to_string(),
        );
    }
    match metric {
        Metric::KeysMoved => {
            let v: u64 = sharded.iter().map(|(_, s)| s.keys_moved).sum();
            let (n, s) = sharded
                .iter()
                .copied()
                .max_by_key(|(_, s)| s.keys_moved)
                .expect("not empty");
            let name = name_of(d, &n.id);
            let share = percent(s.keys_moved as f64 / s.keys.max(1) as f64);
            let reason = if v == 0 {
                // A goal that wants keys to move.
                format!(
                    "No resharding moved any keys: {name} has {} shards.",
                    s.shards
                )
            } else if s.strategy == "modulo" {
                format!(
                    "Resharding {name} by modulo moved {} keys ({share} of them): when the number of shards changes, most keys change shard; use consistent hashing so only the keys the new shards take over move.",
                    thousands(s.keys_moved as f64)
                )
            } else {
                format!(
                    "Resharding {name} moved {} keys ({share} of them); change the number of shards by fewer at a time.",
                    thousands(s.keys_moved as f64)
                )
            };
            result(goal, op.holds(v as f64, value), Some(v as f64), reason)
        }
        _ => {
            let worst = sharded
                .iter()
                .copied()
                .filter_map(|(n, s)| s.imbalance.map(|x| (n, s, x)))
                .max_by(|a, b| a.2.total_cmp(&b.2));
            let Some((n, s, v)) = worst else {
                return result(
                    goal,
                    false,
                    None,
                    "No shard has been in use for a second yet, so there is no imbalance to measure."
                        .to_string(),
                );
            };
            let name = name_of(d, &n.id);
            let hot = s.hot_shard.unwrap_or(1);
            let cold = s.cold_shard.unwrap_or(1);
            let head = format!(
                "Shard {hot} of {name} served {}× the quietest (shard {cold})",
                fixed(v, 1)
            );
            let reason = match s.hot_key {
                Some(k) if s.hot_key_share >= HOT_KEY_SHARE && s.shard_key == "key" => format!(
                    "{head}; a hot key (a celebrity) lands on it: key {k} alone took {} of its queries — shard by user id or split the key.",
                    percent(s.hot_key_share)
                ),
                Some(k) if s.hot_key_share >= HOT_KEY_SHARE => format!(
                    "{head}; a very active user lands on it: user {k} alone took {} of its queries — split that user's data.",
                    percent(s.hot_key_share)
                ),
                _ if s.strategy == "consistent" => format!(
                    "{head}; its stretches of the hash ring are longer — give each shard more virtual nodes."
                ),
                _ => format!(
                    "{head}; its keys get more traffic than the others' — choose a shard key that spreads traffic evenly."
                ),
            };
            result(goal, op.holds(v, value), Some(v), reason)
        }
    }
}

/// A key taking this share of a shard's queries is a hot key.
const HOT_KEY_SHARE: f64 = 0.1;

fn result(goal: &Goal, pass: bool, measured: Option<f64>, reason: String) -> GoalResult {
    GoalResult {
        goal: goal.label(),
        pass,
        measured,
        shown: measured.map_or_else(String::new, |v| shown(goal, v)),
        reason: if pass { String::new() } else { reason },
    }
}

/// How a goal's measured value reads, with its unit.
fn shown(goal: &Goal, v: f64) -> String {
    let ms = |v: f64| {
        if v >= 10.0 {
            format!("{} ms", thousands(v))
        } else {
            format!("{} ms", fixed(v, 1))
        }
    };
    match goal {
        Goal::Metric { metric, .. } => match metric {
            Metric::P50Ms
            | Metric::P95Ms
            | Metric::P99Ms
            | Metric::MaxMs
            | Metric::MeanMs
            | Metric::JobP50Ms
            | Metric::JobP95Ms
            | Metric::JobP99Ms
            | Metric::OldestJobMaxMs => ms(v),
            Metric::ErrorRate => percent(v),
            Metric::ThroughputRps | Metric::DbReadQps | Metric::DbWriteQps => {
                format!("{} per second", thousands(v))
            }
            Metric::CostPerMonth => format!("${} a month", thousands(v)),
            Metric::BacklogDrainedAtS if v.is_infinite() => {
                "never: jobs were still waiting when the run stopped".to_string()
            }
            Metric::BacklogDrainedAtS if v == 0.0 => "no backlog built up".to_string(),
            Metric::BacklogDrainedAtS => format!("{} s", num(v)),
            Metric::DbReadShare => format!("{} database reads per request", num(v)),
            Metric::ShardImbalance => format!("{}×", num(v)),
            Metric::Requests
            | Metric::Failed
            | Metric::LostWrites
            | Metric::LoggedOut
            | Metric::JobsCompleted
            | Metric::JobsLost
            | Metric::JobsRejected
            | Metric::QueueBacklogMax
            | Metric::RateLimited
            | Metric::InstancesMax
            | Metric::ActiveUsers
            | Metric::KeysMoved => thousands(v),
        },
        Goal::NodeMetric { metric, .. } => match metric {
            NodeMetric::Utilisation | NodeMetric::HitRate => percent(v),
            NodeMetric::ReadQps | NodeMetric::WriteQps => format!("{} per second", thousands(v)),
            NodeMetric::Served | NodeMetric::Failed => thousands(v),
            NodeMetric::ReplicationLagMs => ms(v),
        },
        Goal::Has { .. }
        | Goal::NoSinglePointOfFailure { .. }
        | Goal::SessionsNotOnWebServers { .. } => String::new(),
    }
}

/// Checks every goal against a finished (or running) simulation's metrics.
pub fn evaluate(diagram: &Diagram, metrics: &Metrics, goals: &[Goal]) -> Vec<GoalResult> {
    goals
        .iter()
        .map(|g| GoalResult {
            goal: g.label_in(diagram),
            ..evaluate_one(diagram, metrics, g)
        })
        .collect()
}

fn evaluate_one(d: &Diagram, m: &Metrics, goal: &Goal) -> GoalResult {
    match goal {
        Goal::Metric {
            metric,
            op,
            value,
            window,
            request_kind,
            ..
        } => {
            if metric.is_shard() {
                return shard_goal(d, m, goal, *metric, *op, *value);
            }
            // A goal on how a queue's jobs fared means nothing without a queue: it is not
            // met by having none.
            let queue_metric = matches!(
                metric,
                Metric::JobP50Ms
                    | Metric::JobP95Ms
                    | Metric::JobP99Ms
                    | Metric::QueueBacklogMax
                    | Metric::OldestJobMaxMs
                    | Metric::BacklogDrainedAtS
            );
            if queue_metric && m.jobs.created == 0 {
                return result(
                    goal,
                    false,
                    None,
                    "No job went through a message queue; connect the web servers to one, and the queue to a worker pool.".to_string(),
                );
            }
            // The window's numbers, or the whole run's; then one request kind's among
            // them when the goal names a kind.
            let (totals, kinds) = match window {
                Some(w) => match m.window(w) {
                    Some(wm) => (wm.totals.clone(), &wm.per_kind),
                    None => {
                        return result(
                            goal,
                            false,
                            None,
                            format!("The scenario has no window named \"{}\".", format::short(w)),
                        );
                    }
                },
                None => (m.totals.clone(), &m.per_kind),
            };
            let totals = match request_kind {
                Some(k) => {
                    let kt = kinds.iter().find(|(x, _)| x == k).map(|(_, t)| t);
                    match kt {
                        Some(kt) => Totals {
                            requests: kt.requests,
                            ok: kt.ok,
                            failed: kt.failed,
                            throughput_rps: kt.throughput_rps,
                            error_rate: kt.error_rate,
                            p50_ms: kt.p50_ms,
                            p95_ms: kt.p95_ms,
                            p99_ms: kt.p99_ms,
                            max_ms: kt.max_ms,
                            mean_ms: kt.mean_ms,
                            ..totals
                        },
                        // No request of that kind was sent: nothing to measure.
                        None => Totals {
                            requests: 0,
                            ok: 0,
                            failed: 0,
                            throughput_rps: 0.0,
                            error_rate: 0.0,
                            ..totals
                        },
                    }
                }
                None => totals,
            };
            if metric.is_latency() && totals.ok == 0 {
                return result(
                    goal,
                    false,
                    None,
                    "No request succeeded, so there is no latency to measure.".to_string(),
                );
            }
            let v = metric_value(*metric, &totals, m);
            let pass = op.holds(v, *value);
            let reason = if pass {
                String::new()
            } else {
                run_reason(d, m, &totals, *metric)
            };
            result(goal, pass, Some(v), reason)
        }
        Goal::NodeMetric {
            node,
            kind,
            metric,
            op,
            value,
            ..
        } => {
            let elapsed = elapsed_s(m);
            let picked: Vec<&NodeMetrics> = match (node, kind) {
                (Some(id), _) => m.nodes.iter().filter(|n| &n.id == id).collect(),
                (None, Some(k)) => m.nodes.iter().filter(|n| n.kind == *k).collect(),
                (None, None) => m.nodes.iter().collect(),
            };
            if picked.is_empty() {
                let reason = match (node, kind) {
                    (Some(id), _) => format!(
                        "The diagram no longer has the component this goal measures (\"{}\").",
                        format::short(id)
                    ),
                    (None, Some(k)) => {
                        format!("The diagram has no {} to measure.", in_sentence(k.label()))
                    }
                    (None, None) => "The diagram has no component to measure.".to_string(),
                };
                return result(goal, false, None, reason);
            }
            let v = if picked.len() == 1 {
                node_value(*metric, picked[0], elapsed)
            } else {
                match metric {
                    NodeMetric::HitRate => {
                        let (h, l) = picked.iter().fold((0u64, 0u64), |(h, l), n| {
                            (h + n.hits, l + n.hits + n.misses)
                        });
                        (l > 0).then(|| h as f64 / l as f64).or(Some(0.0))
                    }
                    NodeMetric::Utilisation | NodeMetric::ReplicationLagMs => picked
                        .iter()
                        .filter_map(|n| node_value(*metric, n, elapsed))
                        .max_by(f64::total_cmp),
                    _ => Some(
                        picked
                            .iter()
                            .filter_map(|n| node_value(*metric, n, elapsed))
                            .sum(),
                    ),
                }
            };
            let Some(v) = v else {
                return result(
                    goal,
                    false,
                    None,
                    format!("{} has no {}.", name_of(d, &picked[0].id), metric.label()),
                );
            };
            let pass = op.holds(v, *value);
            let who = if picked.len() == 1 {
                name_of(d, &picked[0].id).to_string()
            } else {
                "These components".to_string()
            };
            let reason = match metric {
                NodeMetric::HitRate => format!(
                    "{who} answered only {} of lookups from memory; give it more capacity or a longer TTL.",
                    percent(v)
                ),
                NodeMetric::Utilisation if op.wants_low() => {
                    format!("{who} is {} busy on average; give it more capacity or share the load.", percent(v))
                }
                NodeMetric::ReadQps if op.wants_low() => {
                    format!("{who} serves {} reads per second; add a cache or read replicas.", num(v))
                }
                _ => format!(
                    "{who} measured {}; the goal is {} {}.",
                    shown(goal, v),
                    op.symbol(),
                    shown(goal, *value)
                ),
            };
            result(goal, pass, Some(v), reason)
        }
        Goal::Has { kind, at_least, .. } => {
            let n = d.nodes.iter().filter(|x| x.kind == *kind).count() as u32;
            let pass = n >= *at_least;
            let reason = if n == 0 {
                format!("There is no {} in the diagram.", in_sentence(kind.label()))
            } else {
                format!(
                    "The diagram has {n} × {}; the goal asks for at least {at_least}.",
                    in_sentence(kind.label())
                )
            };
            result(goal, pass, Some(n as f64), reason)
        }
        Goal::NoSinglePointOfFailure { kind, .. } => {
            let a = analyze(d);
            let found: Vec<_> = a
                .single_points_of_failure
                .iter()
                .filter(|f| match kind {
                    Some(k) => f
                        .node
                        .as_deref()
                        .and_then(|id| d.node(id))
                        .is_some_and(|n| n.kind == *k),
                    None => true,
                })
                .collect();
            let reason = found.first().map(|f| f.message.clone()).unwrap_or_default();
            result(goal, found.is_empty(), Some(found.len() as f64), reason)
        }
        Goal::SessionsNotOnWebServers { .. } => {
            let stateful: Vec<&str> = d
                .nodes
                .iter()
                .filter(|n| n.kind.keeps_sessions_locally(&n.params))
                .map(|n| n.id.as_str())
                .collect();
            let reason = match stateful.first() {
                Some(id) => format!("{id} keeps sessions in its own memory; set Sessions to a session store and connect one."),
                None => String::new(),
            };
            result(
                goal,
                stateful.is_empty(),
                Some(stateful.len() as f64),
                reason,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::catalog::ParamValue;
    use crate::components::Kind as K;
    use crate::scenario::{Action, RequestMix, ScheduledEvent, Window};
    use crate::sim::run_to_end;

    /// Users → load balancer → two web servers → database, one server killed at 10 s,
    /// reads and writes mixed; a window over the failure.
    fn system() -> (Diagram, Scenario, Metrics) {
        let mut d = Diagram::default();
        let u = d.add_node(K::Users, 0.0, 0.0);
        let lb = d.add_node(K::LoadBalancer, 200.0, 0.0);
        let w1 = d.add_node(K::WebServer, 400.0, 0.0);
        let w2 = d.add_node(K::WebServer, 400.0, 100.0);
        let db = d.add_node(K::Database, 600.0, 0.0);
        for (a, b) in [(&u, &lb), (&lb, &w1), (&lb, &w2), (&w1, &db), (&w2, &db)] {
            d.connect(a, b).unwrap();
        }
        d.set_param(&lb, "check_interval_s", ParamValue::Num(5.0))
            .unwrap();
        let mut s = Scenario {
            duration_s: 30,
            mix: RequestMix {
                page_read: 0.6,
                api_read: 0.0,
                write: 0.4,
                static_asset: 0.0,
                upload: 0.0,
                background_job: 0.0,
            },
            ..Scenario::default()
        };
        s.set_rps(&u, 200.0);
        s.events.push(ScheduledEvent {
            at_s: 10.0,
            action: Action::KillNode(w1.clone()),
        });
        s.windows.push(Window {
            name: "failure".into(),
            from_s: 10.0,
            to_s: 20.0,
        });
        let m = run_to_end(&d, &s).unwrap();
        (d, s, m)
    }

    #[test]
    fn more_goals_than_a_link_holds_are_refused_once() {
        let d = Diagram::default();
        let s = Scenario::default();
        let goal = Goal::Has {
            kind: Kind::Cache,
            at_least: 1,
            label: None,
        };
        let many = vec![goal.clone(); 300];
        assert_eq!(
            goal_problems(&many, &d, &s),
            [(256, "There are 300 goals; the limit is 256.".to_string())]
        );
        assert!(goal_problems(&many[..256], &d, &s).is_empty());
    }

    #[test]
    fn a_has_goal_asking_for_none_is_refused() {
        let d = Diagram::default();
        let s = Scenario::default();
        let has = |at_least| Goal::Has {
            kind: Kind::Cache,
            at_least,
            label: None,
        };
        assert_eq!(
            goal_problems(&[has(1), has(0)], &d, &s),
            [(1, "Goal 2: \"at_least\" must be 1 or more.".to_string())]
        );
    }

    #[test]
    fn a_goal_shows_the_label_its_author_gave_it() {
        let (d, _, m) = system();
        let goal = Goal::Has {
            kind: K::Database,
            at_least: 1,
            label: Some("Keep your data somewhere".into()),
        };
        assert_eq!(goal.label(), "Keep your data somewhere");
        assert_eq!(
            evaluate(&d, &m, &[goal])[0].goal,
            "Keep your data somewhere"
        );
    }

    #[test]
    fn a_goal_on_one_component_names_it_as_the_canvas_does() {
        let (mut d, _, m) = system();
        d.rename_node("web-2", "Checkout server").unwrap();
        let served = |node: &str| Goal::NodeMetric {
            node: Some(node.into()),
            kind: None,
            metric: NodeMetric::Served,
            op: Op::Ge,
            value: 1.0,
            label: None,
        };
        let goals = [served("web-2"), served("cdn-9")];
        assert_eq!(goals[0].label(), "web-2 requests served ≥ 1");
        assert_eq!(goals[0].label_in(&d), "Checkout server requests served ≥ 1");
        let labels: Vec<String> = evaluate(&d, &m, &goals)
            .into_iter()
            .map(|r| r.goal)
            .collect();
        // A component the diagram no longer has can only be named by its id.
        assert_eq!(
            labels,
            [
                "Checkout server requests served ≥ 1",
                "cdn-9 requests served ≥ 1"
            ]
        );
    }

    #[test]
    fn reasons_name_components_as_the_canvas_does() {
        let (mut d, mut s, _) = system();
        for (id, name) in [
            ("lb-1", "Front door"),
            ("web-1", "Shop 1"),
            ("web-2", "Shop 2"),
        ] {
            d.rename_node(id, name).unwrap();
        }
        d.rename_node("db-1", "Orders database").unwrap();
        s.events.push(ScheduledEvent {
            at_s: 5.0,
            action: Action::KillNode("db-1".into()),
        });
        let m = run_to_end(&d, &s).unwrap();
        let reasons: Vec<String> = evaluate(
            &d,
            &m,
            &[
                Goal::metric(Metric::Failed, Op::Le, 0.0),
                Goal::metric(Metric::CostPerMonth, Op::Le, 1.0),
            ],
        )
        .into_iter()
        .map(|r| r.reason)
        .collect();
        assert!(
            reasons[0].contains("Orders database was down and has no replica"),
            "{}",
            reasons[0]
        );
        assert!(
            reasons[1].ends_with("the most expensive part is Orders database ($30)."),
            "{}",
            reasons[1]
        );
        // With a replica, the outage lasts the promotion; without failover, the rest of the
        // run. Only the database dies now.
        s.events
            .retain(|e| e.action == Action::KillNode("db-1".into()));
        let replica = d.add_node(Kind::Database, 800.0, 0.0);
        d.set_param(&replica, "role", ParamValue::Text("replica".into()))
            .unwrap();
        d.connect("db-1", &replica).unwrap();
        let reason = |d: &Diagram| {
            let m = run_to_end(d, &s).unwrap();
            evaluate(d, &m, &[Goal::metric(Metric::Failed, Op::Le, 0.0)])[0]
                .reason
                .clone()
        };
        let r = reason(&d);
        assert!(
            r.contains("Orders database was down until a replica took over"),
            "{r}"
        );
        d.set_param("db-1", "failover", ParamValue::Bool(false))
            .unwrap();
        let r = reason(&d);
        assert!(
            r.contains("Orders database was down and still received traffic"),
            "{r}"
        );
    }

    #[test]
    fn kinds_named_by_an_abbreviation_keep_their_capitals_in_labels_and_reasons() {
        let (d, _, m) = system();
        let has = |kind, at_least| Goal::Has {
            kind,
            at_least,
            label: None,
        };
        let hit_rate = |node: Option<&str>, kind| Goal::NodeMetric {
            node: node.map(str::to_string),
            kind,
            metric: NodeMetric::HitRate,
            op: Op::Ge,
            value: 0.9,
            label: None,
        };
        let goals = [
            has(K::Cdn, 1),
            has(K::ApiGateway, 1),
            has(K::WebServer, 3),
            hit_rate(None, Some(K::Cdn)),
            hit_rate(Some("cdn-9"), None),
        ];
        let labels: Vec<String> = goals.iter().map(Goal::label).collect();
        assert_eq!(
            labels[..3],
            [
                "Has a CDN",
                "Has an API gateway",
                "Has at least 3 × web server"
            ]
        );
        let reasons: Vec<String> = evaluate(&d, &m, &goals)
            .into_iter()
            .map(|r| r.reason)
            .collect();
        assert_eq!(
            reasons,
            [
                "There is no CDN in the diagram.",
                "There is no API gateway in the diagram.",
                "The diagram has 2 × web server; the goal asks for at least 3.",
                "The diagram has no CDN to measure.",
                "The diagram no longer has the component this goal measures (\"cdn-9\").",
            ]
        );
    }

    #[test]
    fn labels_whose_case_messages_change_are_ascii() {
        // Messages lower-case these labels (and capitalise a goal's label) with the
        // ASCII functions, which keeps Unicode's case tables (about 15 KB gzipped) out
        // of the browser's bundle; a label with any other letter would print wrongly.
        let lowered = K::ALL
            .iter()
            .map(|k| k.label())
            .chain(crate::trace::Cause::ALL.iter().map(|c| c.label()));
        for label in lowered {
            assert!(label.is_ascii(), "{label}");
        }
        // A goal's label starts with one of these, and only its first letter changes.
        let capitalised = Metric::ALL
            .iter()
            .map(|m| m.label())
            .chain(RequestKind::ALL.iter().map(|r| r.label()));
        for label in capitalised {
            assert!(label.starts_with(|c: char| c.is_ascii()), "{label}");
        }
    }

    #[test]
    fn a_window_on_a_whole_run_figure_is_refused() {
        let (d, s, _) = system();
        let windowed = |metric| Goal::Metric {
            metric,
            op: Op::Le,
            value: 1.0,
            window: Some("failure".into()),
            request_kind: None,
            label: None,
        };
        for metric in [
            Metric::CostPerMonth,
            Metric::JobP95Ms,
            Metric::InstancesMax,
            Metric::ActiveUsers,
        ] {
            let problems = goal_problems(&[windowed(metric)], &d, &s);
            assert_eq!(problems.len(), 1, "{metric:?}: {problems:?}");
            assert!(
                problems[0].1.contains("measured over the whole run"),
                "{problems:?}"
            );
            assert!(goal_problems(&[Goal::metric(metric, Op::Le, 1.0)], &d, &s).is_empty());
        }
        // Figures a window does narrow keep it.
        for metric in [
            Metric::P95Ms,
            Metric::ErrorRate,
            Metric::Failed,
            Metric::LostWrites,
        ] {
            assert!(
                goal_problems(&[windowed(metric)], &d, &s).is_empty(),
                "{metric:?}"
            );
        }
    }

    #[test]
    fn every_comparison_decides_on_the_right_side_of_its_bound() {
        let (d, _, m) = system();
        let v = m.totals.requests as f64;
        assert!(v > 100.0);
        // (op, bound, expected) around the measured value.
        let cases = [
            (Op::Lt, v + 1.0, true),
            (Op::Lt, v, false),
            (Op::Le, v, true),
            (Op::Le, v - 1.0, false),
            (Op::Gt, v - 1.0, true),
            (Op::Gt, v, false),
            (Op::Ge, v, true),
            (Op::Ge, v + 1.0, false),
            (Op::Eq, v, true),
            (Op::Eq, v + 1.0, false),
        ];
        for (op, bound, pass) in cases {
            let r = &evaluate(&d, &m, &[Goal::metric(Metric::Requests, op, bound)])[0];
            assert_eq!(r.pass, pass, "{op:?} {bound} against {v}");
            assert_eq!(r.measured, Some(v));
            assert_eq!(r.reason.is_empty(), pass, "a failure says why: {r:?}");
        }
    }

    #[test]
    fn a_window_and_a_request_kind_together_measure_that_kind_in_that_window() {
        let (d, _, m) = system();
        let w = m.window("failure").unwrap();
        let writes_in_window = w.kind(RequestKind::Write).unwrap().requests as f64;
        let writes_overall = m.kind(RequestKind::Write).unwrap().requests as f64;
        assert!(writes_in_window < w.totals.requests as f64 && writes_in_window < writes_overall);
        let goal = |window: Option<&str>, kind: Option<RequestKind>| Goal::Metric {
            metric: Metric::Requests,
            op: Op::Ge,
            value: 0.0,
            window: window.map(str::to_string),
            request_kind: kind,
            label: None,
        };
        let measured = |g: Goal| evaluate(&d, &m, &[g])[0].measured.unwrap();
        assert_eq!(
            measured(goal(Some("failure"), Some(RequestKind::Write))),
            writes_in_window
        );
        assert_eq!(
            measured(goal(None, Some(RequestKind::Write))),
            writes_overall
        );
        assert_eq!(
            measured(goal(Some("failure"), None)),
            w.totals.requests as f64
        );
        // A kind that was never sent measures zero requests, not the window's total.
        assert_eq!(
            measured(goal(Some("failure"), Some(RequestKind::Upload))),
            0.0
        );
    }

    #[test]
    fn failures_are_explained_by_their_cause_and_a_goal_wanting_failures_says_so() {
        let (d, _, m) = system();
        let r = &evaluate(&d, &m, &[Goal::metric(Metric::Failed, Op::Le, 0.0)])[0];
        assert!(!r.pass && m.totals.failed > 0);
        // The dead server is named by its name, the count has separators when large.
        assert!(r.reason.contains("Web server 1"), "{}", r.reason);
        assert!(!r.reason.contains("No request failed"), "{}", r.reason);
        let mut quiet = Diagram::default();
        let u = quiet.add_node(K::Users, 0.0, 0.0);
        let w = quiet.add_node(K::WebServer, 200.0, 0.0);
        quiet.connect(&u, &w).unwrap();
        let mut calm = Scenario {
            duration_s: 10,
            ..Scenario::default()
        };
        calm.set_rps(&u, 5.0);
        let none = run_to_end(&quiet, &calm).unwrap();
        assert_eq!(none.totals.failed, 0);
        let r = &evaluate(&quiet, &none, &[Goal::metric(Metric::Failed, Op::Ge, 1.0)])[0];
        assert!(!r.pass);
        assert!(r.reason.contains("expects some"), "{}", r.reason);
    }

    #[test]
    fn reasons_count_one_in_the_singular() {
        let (d, _, mut m) = system();
        let reason = |m: &Metrics, metric| {
            evaluate(&d, m, &[Goal::metric(metric, Op::Le, 0.0)])[0]
                .reason
                .clone()
        };
        // One of each, then several.
        for (n, expected) in [
            (
                1,
                [
                    "1 write was acknowledged",
                    "1 user was logged out",
                    "1 job was lost",
                    "1 request failed",
                ],
            ),
            (
                1200,
                [
                    "1,200 writes were acknowledged",
                    "1,200 users were logged out",
                    "1,200 jobs were lost",
                    "1,200 requests failed",
                ],
            ),
        ] {
            m.totals.lost_writes = n;
            m.totals.logged_out = n;
            m.jobs.lost = n;
            m.totals.by_cause = vec![(Cause::Timeout, n)];
            m.totals.failed = n;
            let metrics = [
                Metric::LostWrites,
                Metric::LoggedOut,
                Metric::JobsLost,
                Metric::Failed,
            ];
            for (metric, start) in metrics.into_iter().zip(expected) {
                let r = reason(&m, metric);
                assert!(r.starts_with(start), "{r}");
            }
        }
    }

    #[test]
    fn queue_goals_are_not_met_without_a_queue() {
        let (d, _, m) = system();
        assert_eq!(m.jobs.created, 0);
        for metric in [
            Metric::BacklogDrainedAtS,
            Metric::JobP95Ms,
            Metric::QueueBacklogMax,
        ] {
            let r = &evaluate(&d, &m, &[Goal::metric(metric, Op::Le, 1e9)])[0];
            assert!(!r.pass, "{metric:?}");
            assert_eq!(r.measured, None);
            assert!(r.reason.contains("message queue"), "{}", r.reason);
        }
    }

    #[test]
    fn structural_and_node_goals_read_the_diagram_and_the_nodes() {
        let (d, _, m) = system();
        let has = |kind, at_least| Goal::Has {
            kind,
            at_least,
            label: None,
        };
        let results = evaluate(
            &d,
            &m,
            &[
                has(K::WebServer, 2),
                has(K::WebServer, 3),
                has(K::Cache, 1),
                Goal::NoSinglePointOfFailure {
                    kind: Some(K::WebServer),
                    label: None,
                },
                Goal::NoSinglePointOfFailure {
                    kind: None,
                    label: None,
                },
                Goal::SessionsNotOnWebServers { label: None },
            ],
        );
        let passes: Vec<bool> = results.iter().map(|r| r.pass).collect();
        // Two web servers behind a balancer: no single point among them; the balancer
        // and the database are; sessions are kept in server memory by default.
        assert_eq!(passes, [true, false, false, true, false, false]);
        assert!(
            results[4].reason.contains("single point of failure"),
            "{}",
            results[4].reason
        );

        let node = |node: Option<&str>, kind: Option<K>, metric, op, value| Goal::NodeMetric {
            node: node.map(str::to_string),
            kind,
            metric,
            op,
            value,
            label: None,
        };
        let served_w2 = m.node("web-2").unwrap().served as f64;
        let served_all: f64 = ["web-1", "web-2"]
            .iter()
            .map(|id| m.node(id).unwrap().served as f64)
            .sum();
        let r = evaluate(
            &d,
            &m,
            &[
                node(Some("web-2"), None, NodeMetric::Served, Op::Ge, 0.0),
                node(None, Some(K::WebServer), NodeMetric::Served, Op::Ge, 0.0),
                node(
                    None,
                    Some(K::WebServer),
                    NodeMetric::Utilisation,
                    Op::Le,
                    1.0,
                ),
            ],
        );
        assert_eq!(r[0].measured, Some(served_w2));
        assert_eq!(r[1].measured, Some(served_all), "counts of a kind add up");
        // A count that misses says what was measured and what the goal is, both
        // written as the goal's value is (with separators and unit).
        let missed = evaluate(
            &d,
            &m,
            &[
                node(None, Some(K::WebServer), NodeMetric::Served, Op::Ge, 1e7),
                node(Some("web-2"), None, NodeMetric::WriteQps, Op::Gt, 12_345.0),
            ],
        );
        assert!(!missed[0].pass && !missed[1].pass);
        assert_eq!(
            missed[0].reason,
            format!(
                "These components measured {}; the goal is ≥ 10,000,000.",
                missed[0].shown
            )
        );
        assert!(missed[0].shown.contains(',') || served_all < 1000.0);
        assert_eq!(
            missed[1].reason,
            format!(
                "Web server 2 measured {}; the goal is > 12,345 per second.",
                missed[1].shown
            )
        );
        let worst = ["web-1", "web-2"]
            .iter()
            .map(|id| m.node(id).unwrap().mean_utilisation)
            .fold(0.0f64, f64::max);
        assert_eq!(
            r[2].measured,
            Some(worst),
            "utilisation of a kind takes the worst"
        );
    }

    fn goal(json: &str) -> Goal {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_backlog_that_never_formed_is_not_shown_as_emptied_at_0_s() {
        let drained = Goal::Metric {
            metric: Metric::BacklogDrainedAtS,
            op: Op::Le,
            value: 60.0,
            window: None,
            request_kind: None,
            label: None,
        };
        assert_eq!(shown(&drained, 0.0), "no backlog built up");
        assert_eq!(shown(&drained, 42.0), "42 s");
    }

    #[test]
    fn every_variant_is_in_its_all_table_at_its_own_position() {
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
        for (i, m) in NodeMetric::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
        for (i, o) in Op::ALL.iter().enumerate() {
            assert_eq!(*o as usize, i);
        }
        // The last variant of each is listed, so none is missing.
        assert_eq!(Metric::ALL.len(), Metric::ShardImbalance as usize + 1);
        assert_eq!(
            NodeMetric::ALL.len(),
            NodeMetric::ReplicationLagMs as usize + 1
        );
        assert_eq!(Op::ALL.len(), Op::Eq as usize + 1);
    }

    #[test]
    fn measured_values_read_with_their_unit() {
        let p95 = goal(r#"{"type": "metric", "metric": "p95_ms", "op": "<=", "value": 200}"#);
        assert_eq!(shown(&p95, 591.872), "592 ms");
        assert_eq!(shown(&p95, 4.26), "4.3 ms");
        let errors =
            goal(r#"{"type": "metric", "metric": "error_rate", "op": "<", "value": 0.01}"#);
        assert_eq!(shown(&errors, 0.0313), "3.1%");
        assert_eq!(shown(&errors, 0.0072), "0.72%");
        assert_eq!(shown(&errors, 0.25), "25%");
        let cost =
            goal(r#"{"type": "metric", "metric": "cost_per_month", "op": "<=", "value": 900}"#);
        assert_eq!(shown(&cost, 1234.4), "$1,234 a month");
        let lost = goal(r#"{"type": "metric", "metric": "lost_writes", "op": "<=", "value": 10}"#);
        assert_eq!(shown(&lost, 12345.0), "12,345");
        let hit = goal(
            r#"{"type": "node_metric", "kind": "cache", "metric": "hit_rate", "op": ">=", "value": 0.8}"#,
        );
        assert_eq!(shown(&hit, 0.815), "82%");
        let has = goal(r#"{"type": "has", "kind": "load_balancer"}"#);
        assert_eq!(shown(&has, 1.0), "");
        let reads =
            goal(r#"{"type": "metric", "metric": "db_read_share", "op": "<", "value": 0.2}"#);
        assert_eq!(shown(&reads, 0.851), "0.851 database reads per request");
        let shards =
            goal(r#"{"type": "metric", "metric": "shard_imbalance", "op": "<", "value": 1.5}"#);
        assert_eq!(shown(&shards, 1.8), "1.8×");
    }
}
