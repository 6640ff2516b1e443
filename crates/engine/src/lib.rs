//! Scale Lab's traffic engine: the diagram model and component catalog, a deterministic
//! per-request discrete-event simulation, metrics, structural analysis and goals. It has
//! no web dependencies; the browser app, the CLI and the tests share this API.

pub mod analysis;
pub mod bench;
pub mod budget;
pub mod catalog;
pub mod components;
pub mod diagram;
pub mod digest;
pub mod edits;
pub mod finding;
pub mod format;
pub mod goals;
pub mod histogram;
pub mod jsonpos;
pub mod lesson;
pub mod link;
pub mod metrics;
pub mod order;
pub mod progress;
pub mod region;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod trace;
mod validate;
pub mod vecmap;

pub use analysis::{analyze, Analysis};
pub use bench::bench_workload;
pub use catalog::{
    opt, Choice, ParamError, ParamMap, ParamSpec, ParamType, ParamValue, Size, SIZES,
};
pub use components::{monthly_cost, Info, Kind, Placement, Role};
pub use diagram::{DataCenter, Diagram, Edge, Node, WiringError};
pub use finding::{Finding, Severity};
pub use format::FormatError;
pub use goals::{evaluate, Goal, GoalResult, GoalSet, Op};
pub use histogram::Histogram;
pub use lesson::{CourseManifest, Lesson, LessonProblem, Prediction, Starter};
pub use metrics::{
    KindTotals, Marker, Metrics, NodeMetrics, NodePoint, NodeSeries, PartMetrics, SecondPoint,
    ShardMetrics, Totals, WindowMetrics,
};
pub use region::{one_way_latency_us, Region};
pub use scenario::{
    Action, KeyPopularity, LevelRule, Profile, RandomFailures, RequestKind, RequestMix, Scenario,
    ScheduledEvent, TimedAction, Traffic, Window, DEFAULT_RPS, MAX_SHARDS,
};
pub use sim::{run_to_end, Simulation, SnapshotOptions};
pub use trace::{Cause, Hop, Outcome, Trace};
pub use validate::nearest;
