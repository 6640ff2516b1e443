//! What a run measured: totals, per request kind, per node, per simulated second and per
//! named window, plus markers for failures and recoveries. All serializable.

use serde::{Deserialize, Serialize};

use crate::components::Kind;
use crate::histogram::Histogram;
use crate::scenario::RequestKind;
use crate::trace::{Cause, CAUSES};

/// Everything measured so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub now_us: u64,
    /// How long users send traffic in this run.
    pub duration_us: u64,
    pub totals: Totals,
    pub per_kind: Vec<(RequestKind, KindTotals)>,
    /// Same order as `Diagram::nodes`.
    pub nodes: Vec<NodeMetrics>,
    /// One point per completed simulated second.
    pub series: Vec<SecondPoint>,
    /// One series per node, same order as `nodes` (empty when not asked for).
    #[serde(default)]
    pub node_series: Vec<NodeSeries>,
    pub markers: Vec<Marker>,
    /// Monthly price of the design as it ran: autoscaled components at their average
    /// number of instances, CDN egress at the run's rate.
    pub cost_per_month: f64,
    /// One entry per scenario window, in scenario order.
    #[serde(default)]
    pub windows: Vec<WindowMetrics>,
    /// Background jobs handed to message queues.
    #[serde(default)]
    pub jobs: JobTotals,
    /// A Monitoring component watched the run: dashboards may show what each component
    /// did (host level and aggregated) and the business numbers below. Without one,
    /// only what users see is available to dashboards.
    #[serde(default)]
    pub monitored: bool,
    /// Business numbers, when monitored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<Business>,
}

/// What the business sees of a run (only with monitoring).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Business {
    /// Distinct users who sent at least one request.
    pub active_users: u64,
    /// Requests per active user.
    pub requests_per_user: f64,
}

/// Background jobs: created when a producer hands work to a message queue, ended when a
/// worker finishes it (or when it is lost or refused).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JobTotals {
    pub created: u64,
    pub completed: u64,
    /// Jobs lost with a queue that was not durable, or with nowhere left to go.
    pub lost: u64,
    /// Jobs a full queue refused (their producer's request failed).
    pub rejected: u64,
    /// Jobs waiting or being worked on now.
    pub in_system: u64,
    /// Completion latency, from hand-over to done.
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    /// Most jobs waiting in queues at the end of any second.
    pub backlog_max: u64,
    /// Oldest waiting job at the end of any second, in ms.
    pub oldest_max_ms: f64,
    /// When the backlog first emptied after its peak: the end of the first second
    /// after the peak that closed with no job waiting (the end of the run when it never
    /// did, 0 when no job ever waited).
    pub backlog_drained_at_s: f64,
    /// Jobs still waiting or in work when the run stopped, a minute after its end (0
    /// while it runs, and when every job ended).
    #[serde(default)]
    pub waiting_at_stop: u64,
}

/// Totals over the run (or over a window).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Requests that ended (`ok + failed`).
    pub requests: u64,
    pub ok: u64,
    pub failed: u64,
    pub by_cause: Vec<(Cause, u64)>,
    /// Successful requests per simulated second.
    pub throughput_rps: f64,
    /// Ended requests (successful or not) per simulated second.
    pub requests_rps: f64,
    /// `failed / requests`.
    pub error_rate: f64,
    /// Latency of successful requests, end to end.
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    /// Writes acknowledged by a primary but lost because it died before replicating them.
    pub lost_writes: u64,
    /// Users whose session was lost with a server.
    pub logged_out: u64,
    /// Database queries per simulated second.
    pub db_read_qps: f64,
    pub db_write_qps: f64,
    /// Requests users created.
    pub created: u64,
    /// Requests created but not ended yet.
    pub in_flight: u64,
}

/// Totals for one request kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KindTotals {
    /// Requests of this kind users sent (counted when each was created).
    #[serde(default)]
    pub created: u64,
    pub requests: u64,
    pub ok: u64,
    pub failed: u64,
    pub throughput_rps: f64,
    pub error_rate: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// What one node did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeMetrics {
    pub id: String,
    pub kind: Kind,
    pub up: bool,
    /// Share of workers busy over the last simulated second, 0..1.
    pub utilisation: f64,
    /// Share of workers busy over the whole run, 0..1.
    pub mean_utilisation: f64,
    /// Time-average of requests at the node (in service plus waiting).
    pub mean_in_system: f64,
    pub queue_len: u32,
    /// Requests it finished serving.
    pub served: u64,
    /// Requests that failed here.
    pub failed: u64,
    /// Reads and writes it served over the run.
    pub reads: u64,
    pub writes: u64,
    /// For caches and CDNs: hits / lookups over the run.
    pub hit_rate: Option<f64>,
    pub hits: u64,
    pub misses: u64,
    /// Reads and writes served over the last simulated second.
    pub read_qps: f64,
    pub write_qps: f64,
    /// For database replicas: how far behind the primary they are.
    pub replication_lag_ms: Option<f64>,
    /// For databases: "primary" or "replica" right now (promotion changes it).
    pub role: Option<String>,
    /// Instances running now, for components that have instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u32>,
    /// Most instances at once over the run (autoscaling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances_max: Option<u32>,
    /// Jobs waiting, for message queues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backlog: Option<u64>,
    /// A memory proxy: requests held (in service or queued) times a per-request cost,
    /// plus keys kept in memory; in MB.
    #[serde(default)]
    pub memory_mb: f64,
    /// The parts of a component that has several (the shards of a sharded database).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartMetrics>,
    /// For sharded databases: shards in use, resharding progress and shard load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<ShardMetrics>,
}

impl NodeMetrics {
    /// How busy the component is over the last second, counting its busiest part (a
    /// sharded database's coordinator is idle while a shard is full).
    pub fn busiest_utilisation(&self) -> f64 {
        self.parts
            .iter()
            .map(|p| p.utilisation)
            .fold(self.utilisation, f64::max)
    }

    /// How busy the component was over the run, counting its busiest part.
    pub fn busiest_mean_utilisation(&self) -> f64 {
        self.parts
            .iter()
            .map(|p| p.mean_utilisation)
            .fold(self.mean_utilisation, f64::max)
    }

    /// Requests waiting at the component and at its parts.
    pub fn queued(&self) -> u32 {
        self.queue_len + self.parts.iter().map(|p| p.queue_len).sum::<u32>()
    }
}

/// What a sharded database reports besides the load of each shard (in `parts`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ShardMetrics {
    /// Shards in use now: the first `shards` entries of `parts` (the others were added
    /// for a resharding still to come, or left by one that shrank the database).
    pub shards: u32,
    /// "user_id" or "key": what decides a request's shard.
    pub shard_key: String,
    /// "modulo" or "consistent".
    pub strategy: String,
    /// Size of the shard key's space: the scenario's keys, or the users for user ids.
    pub keys: u64,
    /// Keys whose shard changed in reshardings so far.
    pub keys_moved: u64,
    /// Moved keys already copied to their new shard.
    pub keys_copied: u64,
    /// Moved keys still to copy (0 when no resharding is under way).
    pub keys_to_copy: u64,
    /// Busiest shard's load ÷ quietest shard's load, among the shards in use that have
    /// been in use for at least a second (load: queries served per second since the
    /// shard came into use; a shard that served nothing counts as one query). `None`
    /// before any shard has been in use for a second.
    pub imbalance: Option<f64>,
    /// The busiest shard, numbered from 1 as in its label ("Shard 3").
    pub hot_shard: Option<u32>,
    /// The quietest shard, numbered from 1.
    pub cold_shard: Option<u32>,
    /// The busiest shard's most requested key (user id or key) since the last resharding.
    pub hot_key: Option<u32>,
    /// The share of the busiest shard's user queries that went to `hot_key`.
    pub hot_key_share: f64,
}

/// One part of a component (a shard).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartMetrics {
    pub label: String,
    pub up: bool,
    pub utilisation: f64,
    pub mean_utilisation: f64,
    pub queue_len: u32,
    pub served: u64,
    /// Requests that failed at this part (also counted in the component's `failed`).
    #[serde(default)]
    pub failed: u64,
    pub reads: u64,
    pub writes: u64,
    pub read_qps: f64,
    pub write_qps: f64,
}

/// One simulated second.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SecondPoint {
    pub t_s: u32,
    /// Successful requests that ended in this second.
    pub throughput: f64,
    /// Failed requests that ended in this second.
    pub errors: u64,
    /// Failed requests of this second by cause (causes with none left out).
    #[serde(default)]
    pub by_cause: Vec<(Cause, u64)>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    #[serde(default)]
    pub max_ms: f64,
    /// Database reads and writes served in this second.
    #[serde(default)]
    pub db_reads: u64,
    #[serde(default)]
    pub db_writes: u64,
    #[serde(default)]
    pub lost_writes: u64,
    #[serde(default)]
    pub logged_out: u64,
    /// Background jobs finished in this second.
    #[serde(default)]
    pub jobs_done: u64,
    /// Jobs waiting in queues at the end of the second.
    #[serde(default)]
    pub backlog: u64,
    /// Age of the oldest waiting job at the end of the second, in ms.
    #[serde(default)]
    pub oldest_job_ms: f64,
}

/// One node over one simulated second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodePoint {
    pub t_s: u32,
    /// Up at the end of the second.
    pub up: bool,
    /// Share of its workers' time spent serving, over the second.
    pub utilisation: f64,
    /// Requests waiting at the end of the second.
    pub queue_len: u32,
    /// Caches and CDNs: hits / lookups within the second (none without lookups).
    pub hit_rate: Option<f64>,
    /// Reads and writes served within the second.
    pub reads: u64,
    pub writes: u64,
    /// Instances running at the end of the second, for components that have instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u32>,
}

/// The per-second series of one node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeSeries {
    pub id: String,
    pub points: Vec<NodePoint>,
}

/// Something notable at a point in time: a failure, a recovery, a promotion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub at_us: u64,
    pub text: String,
}

/// Totals over one named window of the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowMetrics {
    pub name: String,
    pub from_s: f64,
    pub to_s: f64,
    pub totals: Totals,
    /// The same per request kind.
    #[serde(default)]
    pub per_kind: Vec<(RequestKind, KindTotals)>,
}

impl WindowMetrics {
    /// The totals of one request kind in this window.
    pub fn kind(&self, kind: RequestKind) -> Option<&KindTotals> {
        self.per_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| t)
    }
}

impl Metrics {
    /// The window with this name.
    pub fn window(&self, name: &str) -> Option<&WindowMetrics> {
        self.windows.iter().find(|w| w.name == name)
    }

    /// The metrics of the node with this id.
    pub fn node(&self, id: &str) -> Option<&NodeMetrics> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The totals of one request kind.
    pub fn kind(&self, kind: RequestKind) -> Option<&KindTotals> {
        self.per_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| t)
    }

    /// A fingerprint of every number measured (series included): the same run gives
    /// the same digest natively and in WebAssembly (see [`crate::digest`]).
    pub fn digest(&self) -> String {
        crate::digest::digest(self)
    }

    /// Writes the metrics as indented JSON, streamed rather than built in memory (a
    /// long run's series can take hundreds of megabytes as text); `with_series` false
    /// leaves the series out.
    pub fn write_json_pretty(
        mut self,
        with_series: bool,
        w: impl std::io::Write,
    ) -> Result<(), serde_json::Error> {
        if !with_series {
            self.series = Vec::new();
            self.node_series = Vec::new();
        }
        serde_json::to_writer_pretty(w, &self)
    }
}

/// Running counts behind [`JobTotals`].
#[derive(Clone, Debug, Default)]
pub(crate) struct JobAcc {
    pub created: u64,
    pub completed: u64,
    pub lost: u64,
    pub rejected: u64,
    pub hist: Histogram,
    pub backlog_max: u64,
    pub oldest_max_us: u64,
    pub backlog_drained_at_s: f64,
    /// The backlog has been empty since its peak.
    pub drained: bool,
    pub waiting_at_stop: u64,
}

impl JobAcc {
    pub fn totals(&self) -> JobTotals {
        let [p50, p95, p99] = self.hist.quantiles([0.5, 0.95, 0.99]);
        JobTotals {
            created: self.created,
            completed: self.completed,
            lost: self.lost,
            rejected: self.rejected,
            in_system: self.created - self.completed - self.lost,
            p50_ms: ms(p50),
            p95_ms: ms(p95),
            p99_ms: ms(p99),
            max_ms: ms(self.hist.max() as f64),
            mean_ms: ms(self.hist.mean()),
            backlog_max: self.backlog_max,
            oldest_max_ms: ms(self.oldest_max_us as f64),
            backlog_drained_at_s: self.backlog_drained_at_s,
            waiting_at_stop: self.waiting_at_stop,
        }
    }
}

/// Running counts behind [`Totals`] and [`KindTotals`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Acc {
    pub ok: u64,
    pub by_cause: [u64; CAUSES],
    pub hist: Histogram,
    pub lost_writes: u64,
    pub logged_out: u64,
    pub db_reads: u64,
    pub db_writes: u64,
    pub created: u64,
    /// Background jobs finished (used for the per-second series).
    pub jobs_done: u64,
}

fn ms(us: f64) -> f64 {
    us / 1000.0
}

impl Acc {
    pub fn failed(&self) -> u64 {
        self.by_cause.iter().sum()
    }

    pub fn clear(&mut self) {
        self.ok = 0;
        self.by_cause = [0; CAUSES];
        self.hist.clear();
        self.lost_writes = 0;
        self.logged_out = 0;
        self.db_reads = 0;
        self.db_writes = 0;
        self.created = 0;
        self.jobs_done = 0;
    }

    pub fn totals(&self, elapsed_s: f64) -> Totals {
        let failed = self.failed();
        let requests = self.ok + failed;
        let per_s = |n: u64| {
            if elapsed_s > 0.0 {
                n as f64 / elapsed_s
            } else {
                0.0
            }
        };
        let [p50, p95, p99] = self.hist.quantiles([0.5, 0.95, 0.99]);
        Totals {
            requests,
            ok: self.ok,
            failed,
            by_cause: Cause::ALL
                .iter()
                .map(|c| (*c, self.by_cause[c.index()]))
                .filter(|(_, n)| *n > 0)
                .collect(),
            throughput_rps: per_s(self.ok),
            requests_rps: per_s(requests),
            error_rate: if requests > 0 {
                failed as f64 / requests as f64
            } else {
                0.0
            },
            p50_ms: ms(p50),
            p95_ms: ms(p95),
            p99_ms: ms(p99),
            max_ms: ms(self.hist.max() as f64),
            mean_ms: ms(self.hist.mean()),
            lost_writes: self.lost_writes,
            logged_out: self.logged_out,
            db_read_qps: per_s(self.db_reads),
            db_write_qps: per_s(self.db_writes),
            created: self.created,
            in_flight: self.created.saturating_sub(requests),
        }
    }

    pub fn kind_totals(&self, elapsed_s: f64) -> KindTotals {
        let t = self.totals(elapsed_s);
        KindTotals {
            created: t.created,
            requests: t.requests,
            ok: t.ok,
            failed: t.failed,
            throughput_rps: t.throughput_rps,
            error_rate: t.error_rate,
            p50_ms: t.p50_ms,
            p95_ms: t.p95_ms,
            p99_ms: t.p99_ms,
            max_ms: t.max_ms,
            mean_ms: t.mean_ms,
        }
    }
}
