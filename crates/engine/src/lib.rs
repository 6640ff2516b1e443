//! Scale Lab's traffic engine: the diagram model and component catalog, a deterministic
//! per-request discrete-event simulation, metrics, structural analysis and goals. It has
//! no web dependencies; the browser app, the CLI and the tests share this API.

pub mod analysis;
pub mod bench;
pub mod catalog;
pub mod diagram;
pub mod edits;
pub mod format;
pub mod goals;
pub mod histogram;
pub mod metrics;
pub mod region;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod trace;

pub use analysis::{analyze, Analysis};
pub use bench::bench_workload;
pub use catalog::{
    monthly_cost, opt, Choice, Kind, ParamError, ParamSpec, ParamType, ParamValue, Size, SIZES,
};
pub use diagram::{DataCenter, Diagram, Edge, Finding, Node, Severity, WiringError};
pub use format::FormatError;
pub use goals::{evaluate, Goal, GoalResult, GoalSet, Op};
pub use histogram::Histogram;
pub use metrics::{
    KindTotals, Marker, Metrics, NodeMetrics, NodePoint, NodeSeries, SecondPoint, Totals,
    WindowMetrics,
};
pub use region::{one_way_latency_us, Region};
pub use scenario::{
    Action, KeyPopularity, Profile, RequestKind, RequestMix, Scenario, ScheduledEvent, Traffic,
    Window,
};
pub use sim::{run_to_end, Simulation, SnapshotOptions};
pub use trace::{Cause, Hop, Outcome, Trace};
