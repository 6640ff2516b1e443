//! The scenario: how long to run, the traffic each Users node sends, the request mix,
//! key popularity, the client timeout, scheduled failures and named time windows.

use crate::vecmap::{VecMap, VecSet};

use serde::{Deserialize, Serialize};

use crate::catalog::{in_sentence, or_list};
use crate::components::{Kind, Role};
use crate::diagram::Diagram;
use crate::finding::Finding;
use crate::format::{self, FormatError};
use crate::region::Region;
use crate::rng::Rng;

/// The scenario format version this engine writes. Version 2 holds every Users node's
/// traffic level (before, a diagram's Users node could carry one too).
pub const SCENARIO_VERSION: u32 = 2;
/// Requests per second of a Users node the scenario says nothing about.
pub const DEFAULT_RPS: f64 = 50.0;

pub(crate) const FORMAT: format::Versioned = format::Versioned {
    what: "scenario",
    current: SCENARIO_VERSION,
    // Version 1 reads as version 2: the fields are the same; only the meaning of a
    // Users node not listed changed, which `Scenario::adopt_levels` restores.
    migrate: format::no_migration,
};
/// Longest scenario in simulated seconds.
pub const MAX_DURATION_S: u32 = 3600;
/// Longest client timeout in milliseconds.
pub const MAX_TIMEOUT_MS: u32 = 60_000;
/// Largest key space.
pub const MAX_KEYS: u32 = 1_000_000;
/// Most scheduled events.
pub const MAX_EVENTS: usize = 1000;
/// Most named windows.
pub const MAX_WINDOWS: usize = 16;

/// Everything about a run that is not the diagram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    /// Simulated seconds during which users send requests.
    #[serde(default = "default_duration")]
    pub duration_s: u32,
    /// Seed of the run's random generator.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Traffic per Users node id: the one place a traffic level is stored.
    #[serde(default)]
    pub traffic: VecMap<String, Traffic>,
    /// Traffic of Users nodes not listed in `traffic` (by default a steady
    /// [`DEFAULT_RPS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_traffic: Option<Traffic>,
    #[serde(default)]
    pub mix: RequestMix,
    #[serde(default)]
    pub keys: KeyPopularity,
    /// Clients give up on a request after this long.
    #[serde(default = "default_timeout")]
    pub client_timeout_ms: u32,
    /// Failures and recoveries at fixed times.
    #[serde(default)]
    pub events: Vec<ScheduledEvent>,
    /// Named time windows; metrics are also collected for each, and goals can refer to
    /// them ("during primary-failure").
    #[serde(default)]
    pub windows: Vec<Window>,
    /// Failures at random times of every component of some kinds (see
    /// [`Scenario::timeline`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_failures: Option<RandomFailures>,
    /// The work (ms on a small machine) each upload and background job leaves to do
    /// after the user's request: done by workers behind a message queue, or by the web
    /// server itself while the user waits. 0 (the default): no such work.
    #[serde(default = "default_job_ms")]
    pub job_ms: f64,
    /// Multiplies every network latency; 0 turns the network off (useful for checking
    /// the engine against queueing theory).
    #[serde(default = "default_latency_scale")]
    pub latency_scale: f64,
}

fn default_duration() -> u32 {
    60
}
fn default_seed() -> u64 {
    1
}
fn default_timeout() -> u32 {
    2000
}
fn default_latency_scale() -> f64 {
    1.0
}
fn default_job_ms() -> f64 {
    0.0
}
/// Most work one job may take, in ms.
pub const MAX_JOB_MS: f64 = 60_000.0;

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            version: SCENARIO_VERSION,
            duration_s: default_duration(),
            seed: default_seed(),
            traffic: VecMap::new(),
            default_traffic: None,
            mix: RequestMix::default(),
            keys: KeyPopularity::default(),
            client_timeout_ms: default_timeout(),
            events: Vec::new(),
            windows: Vec::new(),
            random_failures: None,
            job_ms: default_job_ms(),
            latency_scale: default_latency_scale(),
        }
    }
}

/// How old files' traffic levels are combined with a scenario's (see
/// [`Scenario::adopt_levels`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelRule {
    /// A listed Users node keeps the scenario's traffic (what the command-line tool ran).
    ScenarioFirst,
    /// The node's level, with the scenario's profile (what the browser app ran).
    NodeLevel,
}

/// The traffic one Users node sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    #[serde(default)]
    pub profile: Profile,
    /// Requests per second: the steady rate (constant, spike base), the final rate (ramp)
    /// or the peak of the day (daily).
    pub rps: f64,
}

/// The shape of traffic over the run. In files: `{"type": "spike", "at_s": 10, ...}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ProfileRepr", into = "ProfileRepr")]
pub enum Profile {
    /// `rps` all the time.
    #[default]
    Constant,
    /// From `from_rps` at the start to `rps` at the end, linearly.
    Ramp { from_rps: f64 },
    /// One day compressed into the run: quiet at night, `rps` at the evening peak.
    Daily,
    /// `rps`, multiplied by `factor` from `at_s` for `len_s` seconds.
    Spike { at_s: u32, len_s: u32, factor: f64 },
}

/// The kinds of traffic profile, as named in files.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ProfileType {
    Constant,
    Ramp,
    Daily,
    Spike,
}

/// A profile as written in files: a type and the fields that type uses. (A flat struct
/// reads with far less code than a tagged enum, which matters in the browser.)
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileRepr {
    #[serde(rename = "type")]
    ty: ProfileType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from_rps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    len_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    factor: Option<f64>,
}

impl TryFrom<ProfileRepr> for Profile {
    type Error = String;

    fn try_from(r: ProfileRepr) -> Result<Self, String> {
        let fields = [
            ("from_rps", r.from_rps.is_some()),
            ("at_s", r.at_s.is_some()),
            ("len_s", r.len_s.is_some()),
            ("factor", r.factor.is_some()),
        ];
        let (profile, uses): (Result<Profile, &str>, &[&str]) = match r.ty {
            ProfileType::Constant => (Ok(Profile::Constant), &[]),
            ProfileType::Daily => (Ok(Profile::Daily), &[]),
            ProfileType::Ramp => (
                r.from_rps
                    .map(|from_rps| Profile::Ramp { from_rps })
                    .ok_or("from_rps"),
                &["from_rps"],
            ),
            ProfileType::Spike => (
                match (r.at_s, r.len_s, r.factor) {
                    (Some(at_s), Some(len_s), Some(factor)) => Ok(Profile::Spike {
                        at_s,
                        len_s,
                        factor,
                    }),
                    (None, _, _) => Err("at_s"),
                    (_, None, _) => Err("len_s"),
                    _ => Err("factor"),
                },
                &["at_s", "len_s", "factor"],
            ),
        };
        let name = match r.ty {
            ProfileType::Constant => "constant",
            ProfileType::Ramp => "ramp",
            ProfileType::Daily => "daily",
            ProfileType::Spike => "spike",
        };
        if let Some((extra, _)) = fields.iter().find(|(f, set)| *set && !uses.contains(f)) {
            return Err(format!(
                "{}a {name} profile has no \"{extra}\"",
                format::CUSTOM
            ));
        }
        profile.map_err(|missing| format!("{}a {name} profile needs \"{missing}\"", format::CUSTOM))
    }
}

impl From<Profile> for ProfileRepr {
    fn from(p: Profile) -> Self {
        let mut r = ProfileRepr {
            ty: ProfileType::Constant,
            from_rps: None,
            at_s: None,
            len_s: None,
            factor: None,
        };
        match p {
            Profile::Constant => {}
            Profile::Daily => r.ty = ProfileType::Daily,
            Profile::Ramp { from_rps } => {
                r.ty = ProfileType::Ramp;
                r.from_rps = Some(from_rps);
            }
            Profile::Spike {
                at_s,
                len_s,
                factor,
            } => {
                r.ty = ProfileType::Spike;
                (r.at_s, r.len_s, r.factor) = (Some(at_s), Some(len_s), Some(factor));
            }
        }
        r
    }
}

/// A stretch of a traffic profile: from `from` to `to` the rate goes linearly from
/// `rate0` to `rate1` (in seconds and requests per second from [`Traffic::stretches`];
/// the simulation keeps them in µs and requests per µs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Stretch {
    pub from: f64,
    pub to: f64,
    pub rate0: f64,
    pub rate1: f64,
}

impl Stretch {
    /// The requests expected over the stretch.
    pub fn expected(&self) -> f64 {
        (self.rate0 + self.rate1) * 0.5 * (self.to - self.from)
    }

    /// The same stretch in µs and requests per µs.
    pub fn in_micros(&self) -> Stretch {
        Stretch {
            from: self.from * 1e6,
            to: self.to * 1e6,
            rate0: self.rate0 / 1e6,
            rate1: self.rate1 / 1e6,
        }
    }
}

/// Hourly traffic relative to the daily peak (midnight first).
const DAILY_CURVE: [f64; 24] = [
    0.35, 0.28, 0.24, 0.22, 0.22, 0.26, 0.36, 0.50, 0.64, 0.72, 0.78, 0.82, 0.85, 0.84, 0.82, 0.80,
    0.80, 0.84, 0.90, 0.97, 1.00, 0.92, 0.72, 0.50,
];

impl Traffic {
    /// Requests per second at simulated second `t_s` of a run lasting `duration_s`:
    /// the profile point by point, which the tests check [`Traffic::stretches`] against.
    #[cfg(test)]
    fn rate_at(&self, t_s: f64, duration_s: f64) -> f64 {
        match self.profile {
            Profile::Constant => self.rps,
            Profile::Ramp { from_rps } => {
                let f = if duration_s > 0.0 {
                    (t_s / duration_s).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                from_rps + (self.rps - from_rps) * f
            }
            Profile::Daily => {
                let h = if duration_s > 0.0 {
                    (t_s / duration_s).clamp(0.0, 1.0) * 24.0
                } else {
                    0.0
                };
                let i = (h as usize).min(23);
                let frac = h - i as f64;
                let a = DAILY_CURVE[i];
                let b = DAILY_CURVE[(i + 1) % 24];
                self.rps * (a + (b - a) * frac)
            }
            Profile::Spike {
                at_s,
                len_s,
                factor,
            } => {
                if t_s >= at_s as f64 && t_s < at_s as f64 + len_s as f64 {
                    self.rps * factor
                } else {
                    self.rps
                }
            }
        }
    }

    /// The profile over a run of `duration_s` seconds as stretches over which the rate
    /// changes linearly, in order and end to end from 0 to `duration_s` (every profile
    /// is piecewise linear, so this is exact; a run of 0 s has none). Arrivals are drawn
    /// from them by inverting the expected count, and the budget sums their areas.
    pub(crate) fn stretches(&self, duration_s: f64) -> Vec<Stretch> {
        let d = duration_s;
        if d <= 0.0 {
            return Vec::new();
        }
        let flat = |from: f64, to: f64, rate: f64| Stretch {
            from,
            to,
            rate0: rate,
            rate1: rate,
        };
        match self.profile {
            Profile::Constant => vec![flat(0.0, d, self.rps)],
            Profile::Ramp { from_rps } => vec![Stretch {
                from: 0.0,
                to: d,
                rate0: from_rps,
                rate1: self.rps,
            }],
            Profile::Daily => (0..24)
                .map(|i| Stretch {
                    from: d * i as f64 / 24.0,
                    to: d * (i + 1) as f64 / 24.0,
                    rate0: self.rps * DAILY_CURVE[i],
                    rate1: self.rps * DAILY_CURVE[(i + 1) % 24],
                })
                .collect(),
            Profile::Spike {
                at_s,
                len_s,
                factor,
            } => {
                let a = (at_s as f64).min(d);
                let b = (at_s as f64 + len_s as f64).min(d);
                [
                    flat(0.0, a, self.rps),
                    flat(a, b, self.rps * factor),
                    flat(b, d, self.rps),
                ]
                .into_iter()
                .filter(|s| s.to > s.from)
                .collect()
            }
        }
    }
}

/// The kinds of request users send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    PageRead,
    ApiRead,
    Write,
    StaticAsset,
    Upload,
    /// Work done in the background (a report, an email): with a message queue the
    /// server only hands it over; without one it does the work while the user waits.
    BackgroundJob,
}

impl RequestKind {
    /// Every kind, in a fixed order.
    pub const ALL: &'static [RequestKind] = &[
        RequestKind::PageRead,
        RequestKind::ApiRead,
        RequestKind::Write,
        RequestKind::StaticAsset,
        RequestKind::Upload,
        RequestKind::BackgroundJob,
    ];

    /// A human name in the plural, as inside a sentence: "page reads".
    pub fn plural(self) -> &'static str {
        match self {
            RequestKind::PageRead => "page reads",
            RequestKind::ApiRead => "API reads",
            RequestKind::Write => "writes",
            RequestKind::StaticAsset => "static assets",
            RequestKind::Upload => "uploads",
            RequestKind::BackgroundJob => "background jobs",
        }
    }

    /// A human name: "Page read".
    pub fn label(self) -> &'static str {
        match self {
            RequestKind::PageRead => "Page read",
            RequestKind::ApiRead => "API read",
            RequestKind::Write => "Write",
            RequestKind::StaticAsset => "Static asset",
            RequestKind::Upload => "Upload",
            RequestKind::BackgroundJob => "Background job",
        }
    }

    /// Position in [`RequestKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether it changes data (writes and uploads).
    pub fn is_write(self) -> bool {
        matches!(self, RequestKind::Write | RequestKind::Upload)
    }
}

/// Relative shares of the request kinds (they need not sum to 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestMix {
    #[serde(default)]
    pub page_read: f64,
    #[serde(default)]
    pub api_read: f64,
    #[serde(default)]
    pub write: f64,
    #[serde(default)]
    pub static_asset: f64,
    #[serde(default)]
    pub upload: f64,
    #[serde(default)]
    pub background_job: f64,
}

impl Default for RequestMix {
    fn default() -> Self {
        RequestMix {
            page_read: 0.40,
            api_read: 0.30,
            write: 0.10,
            static_asset: 0.18,
            upload: 0.02,
            background_job: 0.0,
        }
    }
}

impl RequestMix {
    /// Shares in [`RequestKind::ALL`] order.
    pub fn shares(&self) -> [f64; 6] {
        [
            self.page_read,
            self.api_read,
            self.write,
            self.static_asset,
            self.upload,
            self.background_job,
        ]
    }

    /// A mix of only one kind.
    pub fn only(kind: RequestKind) -> Self {
        let mut m = RequestMix {
            page_read: 0.0,
            api_read: 0.0,
            write: 0.0,
            static_asset: 0.0,
            upload: 0.0,
            background_job: 0.0,
        };
        match kind {
            RequestKind::PageRead => m.page_read = 1.0,
            RequestKind::ApiRead => m.api_read = 1.0,
            RequestKind::Write => m.write = 1.0,
            RequestKind::StaticAsset => m.static_asset = 1.0,
            RequestKind::Upload => m.upload = 1.0,
            RequestKind::BackgroundJob => m.background_job = 1.0,
        }
        m
    }
}

/// Which data keys requests touch. In files: `{"type": "zipf", "keys": 10000, "s": 1}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "KeysRepr", into = "KeysRepr")]
pub enum KeyPopularity {
    /// Every key equally likely.
    Uniform { keys: u32 },
    /// Key of rank k has weight 1/k^s: a few hot keys take most requests.
    Zipf { keys: u32, s: f64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KeysType {
    Uniform,
    Zipf,
}

/// Key popularity as written in files (see [`ProfileRepr`] for why it is flat).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysRepr {
    #[serde(rename = "type")]
    ty: KeysType,
    keys: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<f64>,
}

impl TryFrom<KeysRepr> for KeyPopularity {
    type Error = String;

    fn try_from(r: KeysRepr) -> Result<Self, String> {
        match (r.ty, r.s) {
            (KeysType::Uniform, None) => Ok(KeyPopularity::Uniform { keys: r.keys }),
            (KeysType::Uniform, Some(_)) => Err(format!(
                "{}a uniform popularity has no \"s\"",
                format::CUSTOM
            )),
            (KeysType::Zipf, Some(s)) => Ok(KeyPopularity::Zipf { keys: r.keys, s }),
            (KeysType::Zipf, None) => Err(format!(
                "{}a Zipf popularity needs \"s\" (its skew)",
                format::CUSTOM
            )),
        }
    }
}

impl From<KeyPopularity> for KeysRepr {
    fn from(k: KeyPopularity) -> Self {
        match k {
            KeyPopularity::Uniform { keys } => KeysRepr {
                ty: KeysType::Uniform,
                keys,
                s: None,
            },
            KeyPopularity::Zipf { keys, s } => KeysRepr {
                ty: KeysType::Zipf,
                keys,
                s: Some(s),
            },
        }
    }
}

impl Default for KeyPopularity {
    fn default() -> Self {
        KeyPopularity::Zipf {
            keys: 10_000,
            s: 1.0,
        }
    }
}

impl KeyPopularity {
    /// Size of the key space.
    pub fn keys(&self) -> u32 {
        match self {
            KeyPopularity::Uniform { keys } | KeyPopularity::Zipf { keys, .. } => *keys,
        }
    }
}

/// Something that happens at a fixed simulated time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledEvent {
    pub at_s: f64,
    pub action: Action,
}

/// A failure, a recovery or a change of the design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    KillNode(String),
    RestoreNode(String),
    KillDc(String),
    RestoreDc(String),
    /// Spread a sharded database's data over `shards` shards: `{"reshard": {"node":
    /// "shards-1", "shards": 5}}`.
    Reshard {
        node: String,
        shards: u32,
    },
}

impl Action {
    /// The id of the component or data center the action acts on.
    pub fn target(&self) -> &str {
        match self {
            Action::KillNode(id)
            | Action::RestoreNode(id)
            | Action::KillDc(id)
            | Action::RestoreDc(id)
            | Action::Reshard { node: id, .. } => id,
        }
    }

    /// What happens, in words: "Web server 1 fails", "the data center Virginia comes
    /// back" (an id the diagram does not have is given as it is, shortened).
    pub fn in_words(&self, d: &Diagram) -> String {
        let name = |id: &str| {
            d.node(id)
                .map_or_else(|| format::short(id), |n| n.name.clone())
        };
        let dc_name = |id: &str| {
            d.data_center(id)
                .map_or_else(|| format::short(id), |c| c.name.clone())
        };
        match self {
            Action::KillNode(id) => format!("{} fails", name(id)),
            Action::RestoreNode(id) => format!("{} comes back", name(id)),
            Action::KillDc(id) => format!("the data center {} goes down", dc_name(id)),
            Action::RestoreDc(id) => format!("the data center {} comes back", dc_name(id)),
            Action::Reshard { node, shards } => {
                format!("{} is resharded to {shards} shards", name(node))
            }
        }
    }
}

/// Most shards of a sharded database.
pub const MAX_SHARDS: u32 = 64;

/// Components that fail at random: every component of the listed kinds fails on
/// average once every `every_s` seconds of simulated time (the times between its
/// failures are exponentially distributed) and comes back `down_s` seconds later.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFailures {
    pub kinds: Vec<Kind>,
    pub every_s: f64,
    pub down_s: f64,
}

/// Shortest mean time between random failures of one component, in seconds.
pub const MIN_FAILURE_EVERY_S: f64 = 10.0;
/// Longest mean time between random failures of one component, in seconds.
pub const MAX_FAILURE_EVERY_S: f64 = 1_000_000.0;
/// Shortest random failure the editor offers, in seconds (a file may give less).
pub const MIN_FAILURE_DOWN_S: f64 = 0.1;
/// Longest a random failure lasts, in seconds.
pub const MAX_FAILURE_DOWN_S: f64 = 3600.0;
/// Most random failures a run may expect on average. The timeline draws at most
/// [`MAX_EVENTS`] entries (a failure and its end are two), twice this many failures:
/// a count that far above its mean does not happen, so no drawn failure is dropped.
pub const MAX_RANDOM_FAILURES: usize = MAX_EVENTS / 4;

/// One entry of a run's timeline: a scheduled event, or one drawn at random.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    pub at_s: f64,
    pub action: Action,
    /// Drawn from the scenario's random failures.
    pub random: bool,
}

/// A stream of random numbers of its own for each component's random failures, so
/// that adding or removing a component does not move the failures of the others.
fn failure_rng(seed: u64, id: &str) -> Rng {
    // FNV-1a of the id, mixed with the seed and a constant that keeps this stream
    // apart from the run's own generator.
    let h = crate::digest::fnv1a(crate::digest::FNV_START, id.as_bytes());
    Rng::new(seed ^ h ^ 0x5eed_fa11_0000_0000)
}

/// A named stretch of simulated time that gets its own metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub name: String,
    pub from_s: f64,
    pub to_s: f64,
}

/// The problems of one traffic entry (`who` names it in messages).
fn traffic_problems(
    who: &str,
    node: Option<&str>,
    t: &Traffic,
    duration_s: u32,
    err: &mut impl FnMut(Option<&str>, String),
) {
    let ok = |x: f64| x.is_finite() && (0.0..=1_000_000.0).contains(&x);
    if !ok(t.rps) {
        err(
            node,
            format!("The traffic of {who} must be between 0 and 1,000,000 requests per second."),
        );
    }
    match t.profile {
        Profile::Ramp { from_rps } if !ok(from_rps) => err(
            node,
            format!("The ramp of {who} must start between 0 and 1,000,000 requests per second."),
        ),
        Profile::Spike { factor, .. }
            if !(factor.is_finite() && (0.0..=100.0).contains(&factor)) =>
        {
            err(
                node,
                format!("The spike factor of {who} must be between 0 and 100."),
            )
        }
        // Otherwise it would never come.
        Profile::Spike { at_s, len_s, .. } if at_s >= duration_s || len_s == 0 => err(
            node,
            format!(
                "The spike of {who} must start before the end of the run ({duration_s} s) and last at least 1 s."
            ),
        ),
        _ => {}
    }
}

impl RandomFailures {
    /// Whether the numbers are in range (what [`Scenario::timeline`] needs to finish).
    fn is_valid(&self) -> bool {
        self.every_in_range() && self.down_in_range()
    }

    /// The mean time between failures is 10 s to 1,000,000 s (not NaN).
    fn every_in_range(&self) -> bool {
        (MIN_FAILURE_EVERY_S..=MAX_FAILURE_EVERY_S).contains(&self.every_s)
    }

    /// A failure lasts more than 0 and at most [`MAX_FAILURE_DOWN_S`] (not NaN).
    fn down_in_range(&self) -> bool {
        self.down_s > 0.0 && self.down_s <= MAX_FAILURE_DOWN_S
    }
}

/// The problems of a scenario's random failures on `d`, for a run of `end` seconds.
fn random_failure_problems(
    rf: &RandomFailures,
    d: &Diagram,
    end: f64,
    err: &mut impl FnMut(Option<&str>, String),
) {
    if rf.kinds.is_empty() {
        err(
            None,
            "Random failures need at least one kind of component that may fail.".to_string(),
        );
    }
    if rf.kinds.contains(&Kind::Users) {
        err(
            None,
            "Users cannot fail at random; list the kinds of components that may.".to_string(),
        );
    }
    // Each kind listed twice is reported once, however often it repeats.
    let (mut seen, mut twice) = (VecSet::new(), VecSet::new());
    for k in &rf.kinds {
        if !seen.insert(*k) && twice.insert(*k) {
            err(
                None,
                format!("Random failures list {} twice.", in_sentence(k.label())),
            );
        }
    }
    if !rf.every_in_range() {
        err(
            None,
            format!(
                "The mean time between random failures must be from {} to {} s.",
                MIN_FAILURE_EVERY_S as u32,
                format::thousands(MAX_FAILURE_EVERY_S)
            ),
        );
    } else {
        let count = d
            .nodes
            .iter()
            .filter(|n| rf.kinds.contains(&n.kind))
            .count() as f64;
        let expected = count * end / rf.every_s;
        if expected > MAX_RANDOM_FAILURES as f64 {
            err(
                None,
                format!(
                    "Random failures would take components down about {} times in this run; the limit is {MAX_RANDOM_FAILURES}: make the mean time between failures longer.",
                    format::thousands(expected),
                ),
            );
        }
    }
    if !rf.down_in_range() {
        err(
            None,
            format!(
                "A random failure must last more than 0 and at most {} s.",
                MAX_FAILURE_DOWN_S as u32
            ),
        );
    }
}

/// The time of day a fraction of a day stands for: "3:02 am", "12:00 pm".
fn clock(day_fraction: f64) -> String {
    let minutes = (day_fraction.clamp(0.0, 1.0) * 1440.0).round() as u32 % 1440;
    let (h, m) = (minutes / 60, minutes % 60);
    let half = if h < 12 { "am" } else { "pm" };
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    format!("{h12}:{m:02} {half}")
}

/// A count with thousands separators: "1,500 requests per second".
fn per_second(rps: f64) -> String {
    format!("{} requests per second", format::thousands(rps))
}

/// Seconds as written in a sentence: "20 s", "2.5 s".
fn secs(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{} s", format::fixed(s, 0))
    } else {
        format!("{} s", format::fixed(s, 1))
    }
}

impl Scenario {
    /// Whether a scheduled event comes at or after the run's end, so it would never
    /// happen (refused by [`Scenario::validate`], marked in the app's scenario panel).
    pub fn after_end(&self, e: &ScheduledEvent) -> bool {
        e.at_s >= self.duration_s as f64
    }

    /// The scenario in sentences, for a learner who cannot edit it: how long it runs,
    /// who sends how much traffic, the request mix, and every scheduled event. Names
    /// come from `d` (an id that is not there is shown as it is).
    pub fn describe(&self, d: &Diagram) -> Vec<String> {
        let mut out = vec![format!(
            "The run lasts {} of simulated time.",
            secs(self.duration_s as f64)
        )];
        for n in d
            .nodes
            .iter()
            .filter(|n| n.kind.info().offers(Role::Source))
        {
            let t = self.traffic_for(&n.id);
            let region = match d.param(&n.id, "region") {
                Some(crate::catalog::ParamValue::Text(r)) => Region::from_key(&r),
                _ => None,
            };
            // "Visitors in Europe" already says where they are.
            let who = match region {
                Some(r) if !n.name.contains(r.label()) => format!("{} (in {})", n.name, r.label()),
                _ => n.name.clone(),
            };
            let shape = match t.profile {
                Profile::Constant => format!("a steady {}", per_second(t.rps)),
                Profile::Ramp { from_rps } => format!(
                    "from {} rising to {}",
                    format::thousands(from_rps),
                    per_second(t.rps)
                ),
                Profile::Daily => format!("a daily curve peaking at {}", per_second(t.rps)),
                Profile::Spike {
                    at_s,
                    len_s,
                    factor,
                } => format!(
                    "{}, and {}× that from {} to {}",
                    per_second(t.rps),
                    format::trim_number(factor),
                    secs(at_s as f64),
                    secs(at_s as f64 + len_s as f64)
                ),
            };
            out.push(format!("{who} send {shape}."));
        }
        let shares = self.mix.shares();
        let total: f64 = shares.iter().sum();
        if total > 0.0 {
            let parts: Vec<String> = RequestKind::ALL
                .iter()
                .zip(shares)
                .filter(|(_, x)| *x > 0.0)
                .map(|(k, x)| {
                    // A small share keeps a decimal: "0.5% uploads", not "0%".
                    let pct = x / total * 100.0;
                    let pct = if pct < 9.95 {
                        format::trim_number((pct * 10.0).round() / 10.0)
                    } else {
                        format::fixed(pct, 0)
                    };
                    format!("{pct}% {}", k.plural())
                })
                .collect();
            out.push(format!("Requests: {}.", parts.join(", ")));
        }
        // With a daily curve, event times are also given as times of day.
        let daily = d.nodes.iter().any(|n| {
            n.kind.info().offers(Role::Source)
                && matches!(self.traffic_for(&n.id).profile, Profile::Daily)
        });
        if let Some(rf) = &self.random_failures {
            let kinds: Vec<String> = rf.kinds.iter().map(|k| in_sentence(k.label())).collect();
            out.push(format!(
                "Components fail at random: each {} goes down about once every {} and comes back {} later; with this seed that gives the failures marked \"at random\" below.",
                or_list(&kinds),
                secs(rf.every_s),
                secs(rf.down_s)
            ));
        }
        for e in self.timeline(d) {
            let what = e.action.in_words(d);
            let how = if e.random { " (at random)" } else { "" };
            let when = match daily {
                true => format!(
                    "{} ({})",
                    secs(e.at_s),
                    clock(e.at_s / self.duration_s as f64)
                ),
                false => secs(e.at_s),
            };
            out.push(format!("At {when}, {what}{how}."));
        }
        out
    }

    /// What happens during the run on `d`, in time order: the scheduled events and the
    /// random failures drawn for its components (the same seed draws the same
    /// failures). At equal times scheduled events come first, in file order. At most
    /// [`MAX_EVENTS`] random entries are drawn.
    pub fn timeline(&self, d: &Diagram) -> Vec<TimedAction> {
        let end = self.duration_s as f64;
        let mut out: Vec<TimedAction> = self
            .events
            .iter()
            .map(|e| TimedAction {
                at_s: e.at_s,
                action: e.action.clone(),
                random: false,
            })
            .collect();
        if let Some(rf) = self.random_failures.as_ref().filter(|rf| rf.is_valid()) {
            // Times are rounded to a tenth of a second, as the learner reads them.
            let tenth = |t: f64| (t * 10.0).round() / 10.0;
            let mut drawn = 0;
            'nodes: for n in d.nodes.iter().filter(|n| rf.kinds.contains(&n.kind)) {
                let mut rng = failure_rng(self.seed, &n.id);
                let mut t = rng.exp(rf.every_s);
                while tenth(t) < end {
                    // A failure and its end fit, or neither is drawn.
                    if drawn + 2 > MAX_EVENTS {
                        break 'nodes;
                    }
                    let down = tenth(t);
                    let back = tenth(t + rf.down_s);
                    out.push(TimedAction {
                        at_s: down,
                        action: Action::KillNode(n.id.clone()),
                        random: true,
                    });
                    drawn += 1;
                    if back < end {
                        out.push(TimedAction {
                            at_s: back,
                            action: Action::RestoreNode(n.id.clone()),
                            random: true,
                        });
                        drawn += 1;
                    }
                    t += rf.down_s + rng.exp(rf.every_s);
                }
            }
        }
        // A stable sort: the scheduled events, pushed first, stay first at equal times.
        crate::order::sort_by_key(&mut out, |a| crate::order::f64_key(a.at_s));
        out
    }

    /// Reads a scenario file, upgrading older versions.
    // Inline so that it, and the serde reader it instantiates, compile in the calling
    // crate: in the browser that is the app, optimised for size, not the engine,
    // optimised for speed (file reading is not on the hot path).
    #[inline]
    pub fn from_json(text: &str) -> Result<Scenario, FormatError> {
        format::parse_versioned(text, &FORMAT)
    }

    /// Takes over the traffic levels a version-1 diagram's Users nodes carried (from
    /// [`Diagram::from_json_with_levels`]), so the run is the one the old files described.
    pub fn adopt_levels(&mut self, levels: &VecMap<String, f64>, rule: LevelRule) {
        for (id, &rps) in levels {
            match (self.traffic.get_mut(id), rule) {
                (Some(_), LevelRule::ScenarioFirst) => {}
                (Some(t), LevelRule::NodeLevel) => t.rps = rps,
                (None, _) => {
                    self.traffic.insert(
                        id.clone(),
                        Traffic {
                            profile: Profile::Constant,
                            rps,
                        },
                    );
                }
            }
        }
    }

    /// Drops what names `id`, a component or data center deleted from the diagram: its
    /// traffic and the scheduled events that act on it. (A file may give a component
    /// and a data center the same id; both lose their events then.)
    pub fn forget(&mut self, id: &str) {
        self.traffic.remove(id);
        self.events.retain(|e| e.action.target() != id);
    }

    /// Drops what names a component or data center `d` does not have, as [`forget`]
    /// does for one deleted part, or one of another kind than it needs (traffic from
    /// what is not Users, a resharding of what is not a sharded database): for a
    /// scenario kept while the diagram is replaced (an imported one). An event with
    /// nothing chosen yet stays.
    ///
    /// [`forget`]: Scenario::forget
    pub fn forget_missing(&mut self, d: &Diagram) {
        // The kinds as `validate` checks them.
        let is = |id: &str, fits: fn(Kind) -> bool| d.node(id).is_some_and(|n| fits(n.kind));
        self.traffic
            .retain(|id, _| is(id, |k| k.info().offers(Role::Source)));
        self.events.retain(|e| match &e.action {
            Action::KillDc(id) | Action::RestoreDc(id) => {
                id.is_empty() || d.data_centers.iter().any(|c| &c.id == id)
            }
            Action::Reshard { node, .. } => node.is_empty() || is(node, Kind::reshards),
            a => a.target().is_empty() || is(a.target(), |_| true),
        });
    }

    /// Sets the traffic level of one Users node, keeping its profile.
    pub fn set_rps(&mut self, users_id: &str, rps: f64) {
        let mut t = self.traffic_for(users_id);
        t.rps = rps;
        self.traffic.insert(users_id.to_string(), t);
    }

    /// The scenario as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The traffic of a Users node: its own entry, the default traffic, or a steady
    /// [`DEFAULT_RPS`].
    pub fn traffic_for(&self, users_id: &str) -> Traffic {
        self.traffic
            .get(users_id)
            .or(self.default_traffic.as_ref())
            .cloned()
            .unwrap_or(Traffic {
                profile: Profile::Constant,
                rps: DEFAULT_RPS,
            })
    }

    /// Warnings for scheduled events that change nothing unless the learner steps in by
    /// hand during the run: taking down a component or a data center that an earlier
    /// event has down already, or bringing back one that no earlier event took down
    /// (unless the component may fail at random). Ties keep the file's order, as in the
    /// run; random failures are left out, as they depend on the seed.
    fn on_off_problems(&self, d: &Diagram, out: &mut Vec<Finding>) {
        // Events out of the run never happen (and are reported already).
        let run = 0.0..self.duration_s as f64;
        let mut order: Vec<&ScheduledEvent> = self
            .events
            .iter()
            .filter(|e| run.contains(&e.at_s))
            .collect();
        crate::order::sort_by_key(&mut order, |e| crate::order::f64_key(e.at_s));
        // What earlier events took down: whether a data center, its id, since when.
        let mut down: Vec<(bool, &str, f64)> = Vec::new();
        for e in order {
            let (dc, id, kill) = match &e.action {
                Action::KillNode(id) => (false, id, true),
                Action::RestoreNode(id) => (false, id, false),
                Action::KillDc(id) => (true, id, true),
                Action::RestoreDc(id) => (true, id, false),
                Action::Reshard { .. } => continue,
            };
            // Unknown ids are reported already.
            let (name, node, random, home) = match (dc, d.node(id), d.data_center(id)) {
                (false, Some(n), _) => (
                    format::short(&n.name),
                    Some(id.as_str()),
                    self.random_failures
                        .as_ref()
                        .is_some_and(|rf| rf.kinds.contains(&n.kind)),
                    n.home_dc(),
                ),
                (true, _, Some(c)) => (
                    format!("the data center {}", format::short(&c.name)),
                    None,
                    false,
                    None,
                ),
                _ => continue,
            };
            let at = format::quoted_number(e.at_s);
            match (down.iter().position(|x| x.0 == dc && x.1 == id), kill) {
                (None, true) => down.push((dc, id, e.at_s)),
                (Some(i), false) => {
                    down.swap_remove(i);
                }
                (Some(i), true) => out.push(Finding::warning(
                    node,
                    format!(
                        "The event at {at} s takes {name} down, but the event at {} s already did and nothing brings it back in between, so it changes nothing unless you bring it back by hand.",
                        format::quoted_number(down[i].2)
                    ),
                )),
                (None, false) if !random => {
                    // Down with its data center: only bringing the data center back helps.
                    let with_dc = home.and_then(|h| {
                        let c = d.data_center(h)?;
                        let i = down.iter().position(|x| x.0 && x.1 == h)?;
                        Some((format::short(&c.name), down[i].2))
                    });
                    out.push(Finding::warning(
                        node,
                        match with_dc {
                            Some((dc_name, since)) => format!(
                                "The event at {at} s brings {name} back, but it is down because the event at {} s took down its data center {dc_name}, so it changes nothing; bring the data center back instead.",
                                format::quoted_number(since)
                            ),
                            None => format!("The event at {at} s brings {name} back, but no earlier event takes it down itself, so it changes nothing unless you take it down by hand."),
                        },
                    ))
                }
                (None, false) => {}
            }
        }
    }

    /// Every problem with this scenario when run on `d`.
    pub fn validate(&self, d: &Diagram) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut err = |node: Option<&str>, m: String| out.push(Finding::error(node, m));
        if self.duration_s == 0 || self.duration_s > MAX_DURATION_S {
            err(
                None,
                format!("The scenario must last between 1 and {MAX_DURATION_S} seconds."),
            );
        }
        if self.client_timeout_ms == 0 || self.client_timeout_ms > MAX_TIMEOUT_MS {
            err(
                None,
                format!(
                    "The client timeout must be between 1 and {} ms.",
                    format::thousands(MAX_TIMEOUT_MS as f64)
                ),
            );
        }
        if !(self.job_ms.is_finite() && (0.0..=MAX_JOB_MS).contains(&self.job_ms)) {
            err(
                None,
                format!(
                    "The work per job must be between 0 and {} ms.",
                    MAX_JOB_MS as u32
                ),
            );
        }
        if !(self.latency_scale.is_finite() && (0.0..=10.0).contains(&self.latency_scale)) {
            err(
                None,
                "The latency scale must be between 0 and 10.".to_string(),
            );
        }
        let mut entries = self.traffic.len();
        if entries > crate::diagram::MAX_NODES {
            // Said once, not for each entry.
            entries = 0;
            err(
                None,
                format!(
                    "The scenario gives traffic to {} components; a diagram has at most {}.",
                    format::thousands(self.traffic.len() as f64),
                    crate::diagram::MAX_NODES
                ),
            );
        }
        for (id, t) in self.traffic.iter().take(entries) {
            match d.node(id) {
                Some(n) if n.kind.info().offers(Role::Source) => {}
                Some(n) => err(
                    Some(id),
                    format!(
                        "The scenario gives traffic to {}, which is not a Users component.",
                        n.name
                    ),
                ),
                None => err(
                    None,
                    format!(
                        "The scenario gives traffic to \"{}\", which is not in the diagram.",
                        format::short(id)
                    ),
                ),
            }
            traffic_problems(&format!("\"{id}\""), Some(id), t, self.duration_s, &mut err);
        }
        if let Some(t) = &self.default_traffic {
            traffic_problems(
                "Users nodes without their own entry",
                None,
                t,
                self.duration_s,
                &mut err,
            );
        }
        let shares = self.mix.shares();
        // Each finite, and their sum too: shares that overflow together would make
        // every request a write (the last kind the draw falls through to).
        let sum: f64 = shares.iter().sum();
        if shares.iter().any(|s| *s < 0.0) || !(sum > 0.0 && sum.is_finite()) {
            err(
                None,
                "The request mix needs shares of 0 or more, at least one of them above 0."
                    .to_string(),
            );
        }
        match self.keys {
            KeyPopularity::Uniform { keys } | KeyPopularity::Zipf { keys, .. }
                if keys == 0 || keys > MAX_KEYS =>
            {
                err(
                    None,
                    format!(
                        "The number of keys must be between 1 and {}.",
                        format::thousands(MAX_KEYS as f64)
                    ),
                )
            }
            KeyPopularity::Zipf { s, .. } if !(s.is_finite() && s > 0.0 && s <= 5.0) => err(
                None,
                "The hot-key skew must be above 0 and at most 5.".to_string(),
            ),
            _ => {}
        }
        if self.events.len() > MAX_EVENTS {
            err(
                None,
                format!(
                    "The scenario has {} events; the limit is {MAX_EVENTS}.",
                    self.events.len()
                ),
            );
        }
        let end = self.duration_s as f64;
        for e in &self.events {
            if !(e.at_s.is_finite() && e.at_s >= 0.0) {
                err(
                    None,
                    "Scheduled events need a time of 0 seconds or later.".to_string(),
                );
            } else if self.after_end(e) && !e.action.target().is_empty() {
                // (An event with nothing chosen is told below, once.)
                err(
                    None,
                    format!(
                        "A scheduled event at {} s ({}) is at or after the end of the run ({} s), so it would never happen; move it earlier or make the run longer.",
                        format::quoted_number(e.at_s),
                        e.action.in_words(d),
                        self.duration_s
                    ),
                );
            }
            if e.action.target().is_empty() {
                err(
                    None,
                    format!(
                        "The scheduled event at {} s has nothing chosen to act on yet.",
                        format::quoted_number(e.at_s)
                    ),
                );
                continue;
            }
            match &e.action {
                Action::KillNode(id) | Action::RestoreNode(id) => {
                    if d.node(id).is_none() {
                        err(None, format!("A scheduled event refers to component \"{}\", which is not in the diagram.", format::short(id)));
                    }
                }
                Action::KillDc(id) | Action::RestoreDc(id) => {
                    if d.data_center(id).is_none() {
                        err(None, format!("A scheduled event refers to data center \"{}\", which is not in the diagram.", format::short(id)));
                    }
                }
                Action::Reshard { node, shards } => {
                    match d.node(node) {
                        None => err(None, format!("A scheduled resharding refers to component \"{}\", which is not in the diagram.", format::short(node))),
                        Some(n) if !n.kind.reshards() => err(
                            Some(node),
                            format!("A scheduled resharding names {}, which is not a sharded database.", n.name),
                        ),
                        Some(_) => {}
                    }
                    if !(1..=MAX_SHARDS).contains(shards) {
                        err(
                            Some(node),
                            format!("A resharding must leave between 1 and {MAX_SHARDS} shards."),
                        );
                    }
                }
            }
        }
        let mut warnings = Vec::new();
        self.on_off_problems(d, &mut warnings);
        if let Some(rf) = &self.random_failures {
            random_failure_problems(rf, d, end, &mut err);
        }
        if self.windows.len() > MAX_WINDOWS {
            err(
                None,
                format!(
                    "The scenario has {} windows; the limit is {MAX_WINDOWS}.",
                    self.windows.len()
                ),
            );
        }
        let mut names = VecSet::new();
        for w in &self.windows {
            if w.name.is_empty() || !names.insert(w.name.as_str()) {
                err(
                    None,
                    format!(
                        "Window names must be present and unique (\"{}\").",
                        format::short(&w.name)
                    ),
                );
            }
            if !(w.from_s.is_finite() && w.to_s.is_finite() && w.from_s >= 0.0 && w.from_s < w.to_s)
            {
                err(
                    None,
                    format!(
                        "Window \"{}\" must start at 0 s or later and end after it starts.",
                        format::short(&w.name)
                    ),
                );
            } else if w.from_s >= end {
                err(
                    None,
                    format!(
                        "Window \"{}\" starts at {} s, at or after the end of the run ({} s), so it would measure nothing; start it earlier or make the run longer.",
                        format::short(&w.name),
                        format::quoted_number(w.from_s),
                        self.duration_s
                    ),
                );
            }
        }
        out.extend(warnings);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Users → `servers` web servers and one database, for random failures.
    fn servers(n: usize) -> Diagram {
        let mut d = Diagram::default();
        d.add_node(Kind::Users, 0.0, 0.0);
        d.add_node(Kind::Database, 400.0, 0.0);
        for i in 0..n {
            d.add_node(Kind::WebServer, 200.0, 100.0 * i as f64);
        }
        d
    }

    fn failing(kinds: Vec<Kind>, every_s: f64, down_s: f64) -> Scenario {
        Scenario {
            duration_s: 3600,
            seed: 7,
            random_failures: Some(RandomFailures {
                kinds,
                every_s,
                down_s,
            }),
            ..Scenario::default()
        }
    }

    #[test]
    fn random_failures_take_each_component_down_at_the_mean_rate_and_bring_it_back() {
        let d = servers(20);
        let (every_s, down_s) = (300.0, 10.0);
        let s = failing(vec![Kind::WebServer], every_s, down_s);
        assert!(s.validate(&d).is_empty(), "{:?}", s.validate(&d));
        let timeline = s.timeline(&d);
        assert!(timeline.iter().all(|e| e.random && e.at_s < 3600.0));
        let kills = |id: &str| {
            timeline
                .iter()
                .filter(|e| e.action == Action::KillNode(id.to_string()))
                .count()
        };
        assert_eq!(kills("db-1"), 0, "only web servers fail");
        // Each server alternates: down, back `down_s` later, down again later still.
        for n in d.nodes.iter().filter(|n| n.kind == Kind::WebServer) {
            let mine: Vec<&TimedAction> = timeline
                .iter()
                .filter(|e| {
                    matches!(&e.action, Action::KillNode(id) | Action::RestoreNode(id) if *id == n.id)
                })
                .collect();
            for pair in mine.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                match (&a.action, &b.action) {
                    (Action::KillNode(_), Action::RestoreNode(_)) => {
                        assert!((b.at_s - a.at_s - down_s).abs() <= 0.1 + 1e-9)
                    }
                    (Action::RestoreNode(_), Action::KillNode(_)) => assert!(b.at_s >= a.at_s),
                    other => panic!("{other:?}"),
                }
            }
        }
        // A renewal process: one failure per (every_s + down_s) on average. 20 servers
        // for an hour expect 20 × 3600 / 310 ≈ 232 failures (standard deviation ≈ 15).
        let total: usize = d.nodes.iter().map(|n| kills(&n.id)).sum();
        let expected = 20.0 * 3600.0 / (every_s + down_s);
        assert!(
            (total as f64 - expected).abs() < 4.0 * expected.sqrt(),
            "{total} failures, {expected:.0} expected"
        );
    }

    #[test]
    fn random_failures_are_drawn_again_the_same_and_per_component() {
        let s = failing(vec![Kind::WebServer], 300.0, 5.0);
        let d = servers(3);
        assert_eq!(s.timeline(&d), s.timeline(&d));
        // Adding a server leaves the failures of the others where they were.
        let more = servers(4);
        let of = |t: Vec<TimedAction>, id: &str| -> Vec<TimedAction> {
            t.into_iter()
                .filter(|e| matches!(&e.action, Action::KillNode(x) | Action::RestoreNode(x) if x == id))
                .collect()
        };
        let first = of(s.timeline(&d), "web-1");
        assert!(!first.is_empty());
        assert_eq!(first, of(s.timeline(&more), "web-1"));
        // Another seed, other failures; two servers do not fail together.
        let reseeded = Scenario {
            seed: 8,
            ..s.clone()
        };
        assert_ne!(first, of(reseeded.timeline(&d), "web-1"));
        assert_ne!(
            first.iter().map(|e| e.at_s).collect::<Vec<_>>(),
            of(s.timeline(&d), "web-2")
                .iter()
                .map(|e| e.at_s)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn scheduled_events_and_random_failures_share_one_timeline_in_time_order() {
        let d = servers(2);
        let mut s = failing(vec![Kind::WebServer], 60.0, 5.0);
        s.duration_s = 600;
        s.events.push(ScheduledEvent {
            at_s: 100.0,
            action: Action::KillNode("db-1".into()),
        });
        let t = s.timeline(&d);
        assert!(t.windows(2).all(|p| p[0].at_s <= p[1].at_s));
        let scheduled: Vec<&TimedAction> = t.iter().filter(|e| !e.random).collect();
        assert_eq!(scheduled.len(), 1);
        assert_eq!(scheduled[0].action, Action::KillNode("db-1".into()));
        assert!(t.iter().filter(|e| e.random).count() > 4);
        let text = s.describe(&d).join(" ");
        assert!(
            text.contains(
                "each web server goes down about once every 60 s and comes back 5 s later"
            ),
            "{text}"
        );
        assert!(text.contains("Web server 1 fails (at random)"), "{text}");
        assert!(text.contains("At 100 s, Database 1 fails."), "{text}");
    }

    #[test]
    fn a_daily_scenario_gives_times_of_day_and_small_shares_keep_a_decimal() {
        use crate::catalog::ParamValue;
        let mut d = servers(1);
        d.set_param("users-1", "region", ParamValue::Text("europe".into()))
            .unwrap();
        d.rename_node("users-1", "Visitors in Europe").unwrap();
        let mut s = Scenario {
            duration_s: 120,
            mix: RequestMix {
                upload: 0.5,
                ..RequestMix::only(RequestKind::ApiRead)
            },
            ..Scenario::default()
        };
        s.mix.api_read = 99.5;
        s.traffic.insert(
            "users-1".into(),
            Traffic {
                profile: Profile::Daily,
                rps: 100.0,
            },
        );
        for at_s in [15.2, 60.0, 119.9] {
            s.events.push(ScheduledEvent {
                at_s,
                action: Action::KillNode("web-1".into()),
            });
        }
        let lines = s.describe(&d);
        assert_eq!(
            lines[1],
            "Visitors in Europe send a daily curve peaking at 100 requests per second."
        );
        assert_eq!(lines[2], "Requests: 100% API reads, 0.5% uploads.");
        // 15.2 s of a 120 s day is 182.4 minutes after midnight.
        assert_eq!(lines[3], "At 15.2 s (3:02 am), Web server 1 fails.");
        assert_eq!(lines[4], "At 60 s (12:00 pm), Web server 1 fails.");
        assert_eq!(lines[5], "At 119.9 s (11:59 pm), Web server 1 fails.");
    }

    #[test]
    fn random_failures_out_of_range_are_refused_with_a_reason() {
        let d = servers(400);
        let cases = [
            (failing(vec![], 100.0, 5.0), "at least one kind"),
            (failing(vec![Kind::Users], 100.0, 5.0), "Users cannot fail"),
            (failing(vec![Kind::Cdn; 1000], 100.0, 5.0), "list CDN twice"),
            (failing(vec![Kind::Cdn], 5.0, 5.0), "from 10 to 1,000,000 s"),
            (
                failing(vec![Kind::Cdn], f64::NAN, 5.0),
                "from 10 to 1,000,000 s",
            ),
            (
                failing(vec![Kind::Cdn], 100.0, 0.0),
                "more than 0 and at most 3600 s",
            ),
            (
                failing(vec![Kind::Cdn], 100.0, 4000.0),
                "more than 0 and at most 3600 s",
            ),
            // 400 servers failing every 1000 s for an hour: 1,440 failures.
            (
                failing(vec![Kind::WebServer], 1000.0, 5.0),
                "about 1,440 times in this run; the limit is 250",
            ),
            // 400 servers failing every 5,000 s: 288, above the mean that keeps the
            // timeline from ever reaching its cap.
            (
                failing(vec![Kind::WebServer], 5000.0, 5.0),
                "about 288 times",
            ),
        ];
        for (s, expect) in cases {
            let problems = s.validate(&d);
            assert_eq!(problems.len(), 1, "{expect}: {problems:?}");
            assert!(
                problems[0].message.contains(expect),
                "{}",
                problems[0].message
            );
        }
        // A timeline never runs away, even on a scenario nobody validated: it stops at
        // MAX_EVENTS entries, with no failure left without its end.
        let timeline = failing(vec![Kind::WebServer], 10.0, 1.0).timeline(&d);
        assert_eq!(timeline.len(), MAX_EVENTS);
        assert_eq!(kills(&timeline), MAX_EVENTS / 2);
        // Failures of 1,800 s: each server fails, comes back, fails again with no end
        // in the run (three entries), so the count reaches 999 and a pair would not fit.
        let timeline = failing(vec![Kind::WebServer], 10.0, 1800.0).timeline(&d);
        assert_eq!(timeline.len(), MAX_EVENTS - 1);
        // Near the limit a valid scenario's timeline is never cut short: whatever the
        // seed, far fewer entries than the cap are drawn.
        let every = 400.0 * 3600.0 / (MAX_RANDOM_FAILURES as f64 - 1.0);
        for seed in 0..40 {
            let s = Scenario {
                seed,
                ..failing(vec![Kind::WebServer], every, 5.0)
            };
            assert_eq!(s.validate(&d), vec![]);
            let drawn = s.timeline(&d).len();
            assert!(drawn < MAX_EVENTS * 3 / 4, "seed {seed}: {drawn}");
        }
    }

    fn kills(timeline: &[TimedAction]) -> usize {
        timeline
            .iter()
            .filter(|e| matches!(e.action, Action::KillNode(_)))
            .count()
    }

    #[test]
    fn events_and_windows_past_the_end_of_the_run_are_refused_with_a_reason() {
        use crate::components::Kind;
        let mut d = Diagram::default();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 200.0, 0.0);
        d.connect(&u, &w).unwrap();
        let mut s = Scenario {
            duration_s: 30,
            ..Scenario::default()
        };
        let event = |at_s: f64| ScheduledEvent {
            at_s,
            action: Action::KillNode(w.clone()),
        };
        let window = |from_s: f64, to_s: f64| Window {
            name: "w".into(),
            from_s,
            to_s,
        };
        s.events.push(event(29.5));
        s.windows.push(window(20.0, 35.0));
        assert!(
            s.validate(&d).is_empty(),
            "in time, and a window may cover the drain"
        );
        s.events.push(event(30.0));
        let problems = s.validate(&d);
        assert_eq!(problems.len(), 1);
        // Which event, in words: several events may share a time.
        assert!(
            problems[0].message.starts_with(
                "A scheduled event at 30 s (Web server 1 fails) is at or after the end of the run (30 s)"
            ),
            "{}",
            problems[0].message
        );
        s.events.pop();
        s.windows[0] = window(30.0, 40.0);
        let problems = s.validate(&d);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("starts at 30 s"),
            "{}",
            problems[0].message
        );
        // A time far past any run is quoted with a power of ten, not 309 digits.
        s.windows.clear();
        s.events.push(event(1e308));
        let problems = s.validate(&d);
        assert!(
            problems[0].message.starts_with(
                "A scheduled event at 1e308 s (Web server 1 fails) is at or after the end"
            ),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn a_mix_is_refused_unless_its_shares_add_up_to_a_number() {
        let d = Diagram::default();
        let problems = |mix: RequestMix| {
            let s = Scenario {
                mix,
                ..Scenario::default()
            };
            s.validate(&d)
                .into_iter()
                .map(|f| f.message)
                .collect::<Vec<_>>()
        };
        let huge = RequestMix {
            page_read: 1e308,
            api_read: 1e308,
            ..RequestMix::only(RequestKind::Write)
        };
        let refused = ["The request mix needs shares of 0 or more, at least one of them above 0."];
        assert_eq!(problems(huge), refused);
        let zero = RequestMix {
            write: 0.0,
            ..RequestMix::only(RequestKind::Write)
        };
        assert_eq!(problems(zero), refused);
        let negative = RequestMix {
            page_read: -1.0,
            ..RequestMix::only(RequestKind::Write)
        };
        assert_eq!(problems(negative), refused);
        assert!(problems(RequestMix::only(RequestKind::Write)).is_empty());
    }

    #[test]
    fn an_action_written_as_a_bare_name_is_told_in_words() {
        for (action, expected) in [
            (
                "kill_node",
                "\"events[0].action\" must be an object in { } naming the choice and its value, not only the name of a choice",
            ),
            (
                "reshard",
                "\"events[0].action\" must be an object in { }, not only the name of a choice",
            ),
        ] {
            let e = Scenario::from_json(&format!(
                "{{\"version\": 2, \"events\": [{{\"at_s\": 1, \"action\": \"{action}\"}}]}}"
            ))
            .unwrap_err();
            assert!(e.to_string().ends_with(expected), "{e}");
        }
    }

    #[test]
    fn a_scenario_reads_as_sentences_with_names_from_the_diagram() {
        use crate::catalog::ParamValue;
        use crate::components::Kind;
        let mut d = Diagram::default();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        d.set_param(&u, "region", ParamValue::Text("europe".into()))
            .unwrap();
        let w = d.add_node(Kind::WebServer, 200.0, 0.0);
        let i = d.node_index(&w).unwrap();
        d.nodes[i].name = "Front".into();
        let mut s = Scenario {
            duration_s: 90,
            mix: RequestMix::only(RequestKind::ApiRead),
            ..Scenario::default()
        };
        s.traffic.insert(
            u.clone(),
            Traffic {
                profile: Profile::Spike {
                    at_s: 30,
                    len_s: 10,
                    factor: 2.5,
                },
                rps: 1500.0,
            },
        );
        s.events.push(ScheduledEvent {
            at_s: 45.0,
            action: Action::RestoreNode(w.clone()),
        });
        s.events.push(ScheduledEvent {
            at_s: 20.0,
            action: Action::KillNode(w.clone()),
        });
        let lines = s.describe(&d);
        assert_eq!(lines[0], "The run lasts 90 s of simulated time.");
        assert_eq!(
            lines[1],
            "Users 1 (in Europe) send 1,500 requests per second, and 2.5× that from 30 s to 40 s."
        );
        assert_eq!(lines[2], "Requests: 100% API reads.");
        // Events in time order, whatever the order in the file.
        assert_eq!(lines[3], "At 20 s, Front fails.");
        assert_eq!(lines[4], "At 45 s, Front comes back.");
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn stretches_follow_the_profile_everywhere() {
        let d = 600.0;
        let spike = |at_s, len_s, factor| Profile::Spike {
            at_s,
            len_s,
            factor,
        };
        for profile in [
            Profile::Constant,
            Profile::Ramp { from_rps: 7.0 },
            Profile::Ramp { from_rps: 900.0 },
            Profile::Daily,
            spike(100, 50, 100.0),
            spike(0, 600, 0.0),
            spike(550, 100, 3.0),
            spike(700, 10, 2.0),
        ] {
            let t = Traffic {
                profile: profile.clone(),
                rps: 250.0,
            };
            let st = t.stretches(d);
            assert_eq!(st.first().map(|s| s.from), Some(0.0), "{profile:?}");
            assert_eq!(st.last().map(|s| s.to), Some(d), "{profile:?}");
            for w in st.windows(2) {
                assert_eq!(w[0].to, w[1].from, "{profile:?}: a gap or overlap");
            }
            for s in &st {
                assert!(s.to > s.from, "{profile:?}: an empty stretch");
                for k in 0..=20 {
                    // Points inside the stretch (its very end belongs to the next one).
                    let x = s.from + (s.to - s.from) * k as f64 / 20.0 * 0.999_999;
                    let linear = s.rate0 + (s.rate1 - s.rate0) * (x - s.from) / (s.to - s.from);
                    let exact = t.rate_at(x, d);
                    assert!(
                        (linear - exact).abs() <= 1e-6 * exact.max(1.0),
                        "{profile:?} at {x} s: {linear} against {exact}"
                    );
                }
            }
        }
        let steady = Traffic {
            profile: Profile::Constant,
            rps: 5.0,
        };
        assert!(steady.stretches(0.0).is_empty());
    }

    #[test]
    fn profiles_shape_the_rate() {
        let ramp = Traffic {
            profile: Profile::Ramp { from_rps: 10.0 },
            rps: 110.0,
        };
        assert_eq!(ramp.rate_at(0.0, 100.0), 10.0);
        assert_eq!(ramp.rate_at(50.0, 100.0), 60.0);
        let spike = Traffic {
            profile: Profile::Spike {
                at_s: 10,
                len_s: 5,
                factor: 4.0,
            },
            rps: 100.0,
        };
        assert_eq!(spike.rate_at(9.9, 60.0), 100.0);
        assert_eq!(spike.rate_at(10.0, 60.0), 400.0);
        assert_eq!(spike.rate_at(15.0, 60.0), 100.0);
        let daily = Traffic {
            profile: Profile::Daily,
            rps: 100.0,
        };
        let night = daily.rate_at(4.0 / 24.0 * 86_400.0, 86_400.0);
        let evening = daily.rate_at(20.0 / 24.0 * 86_400.0, 86_400.0);
        assert!(
            night < 30.0 && (evening - 100.0).abs() < 1e-9,
            "{night} {evening}"
        );
    }

    #[test]
    fn profiles_and_popularity_name_a_missing_or_foreign_field() {
        let read = |traffic: &str| {
            Scenario::from_json(&format!(
                "{{\"version\": 2,\n\"traffic\": {{\"u\": {{\"rps\": 1, \"profile\": {traffic}}}}}}}"
            ))
        };
        let e = read(r#"{"type": "spike", "at_s": 1, "len_s": 2}"#).unwrap_err();
        assert_eq!(e.line(), Some(2), "{e}");
        assert!(
            e.to_string()
                .ends_with("\"traffic.u.profile\": a spike profile needs \"factor\""),
            "{e}"
        );
        let e = read(r#"{"type": "constant", "factor": 2}"#).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("a constant profile has no \"factor\""),
            "{e}"
        );
        let e = read(r#"{"type": "wave"}"#).unwrap_err();
        assert!(e.to_string().contains("cannot be \"wave\""), "{e}");
        let ok = read(r#"{"type": "ramp", "from_rps": 3}"#).unwrap();
        assert_eq!(ok.traffic["u"].profile, Profile::Ramp { from_rps: 3.0 });
        let e =
            Scenario::from_json("{\"version\": 2, \"keys\": {\"type\": \"zipf\", \"keys\": 5}}")
                .unwrap_err();
        assert!(e.to_string().contains("needs \"s\""), "{e}");
    }

    #[test]
    fn json_round_trip_and_defaults() {
        let s = Scenario::from_json("{\"version\": 1}").unwrap();
        assert_eq!(s, Scenario::default());
        let mut s = Scenario::default();
        s.events.push(ScheduledEvent {
            at_s: 5.0,
            action: Action::KillNode("web-1".into()),
        });
        s.traffic.insert(
            "users-1".into(),
            Traffic {
                profile: Profile::Spike {
                    at_s: 1,
                    len_s: 2,
                    factor: 3.0,
                },
                rps: 9.0,
            },
        );
        let text = s.to_json_pretty();
        assert!(text.contains("\"kill_node\": \"web-1\""), "{text}");
        assert_eq!(Scenario::from_json(&text).unwrap(), s);
        let e = Scenario::from_json(
            "{\"version\": 1,\n\"keys\": {\"type\": \"zipf\", \"keys\": -3, \"s\": 1}}",
        )
        .unwrap_err();
        assert_eq!(e.line(), Some(2), "{e}");
    }

    #[test]
    fn traffic_for_more_components_than_a_diagram_holds_is_refused_once() {
        let mut s = Scenario::default();
        for i in 0..600 {
            s.traffic.insert(
                format!("ghost-{i}"),
                Traffic {
                    profile: Profile::Constant,
                    rps: 1.0,
                },
            );
        }
        let said: Vec<String> = s
            .validate(&Diagram::default())
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(
            said,
            ["The scenario gives traffic to 600 components; a diagram has at most 500."]
        );
    }

    #[test]
    fn a_spike_after_the_run_or_of_no_length_is_refused() {
        let spike = |at_s, len_s| Scenario {
            duration_s: 60,
            default_traffic: Some(Traffic {
                profile: Profile::Spike {
                    at_s,
                    len_s,
                    factor: 3.0,
                },
                rps: 10.0,
            }),
            ..Scenario::default()
        };
        let said = |s: Scenario| -> Vec<String> {
            s.validate(&Diagram::default())
                .into_iter()
                .map(|f| f.message)
                .collect()
        };
        let never = ["The spike of Users nodes without their own entry must start before the end of the run (60 s) and last at least 1 s."];
        assert_eq!(said(spike(60, 5)), never);
        assert_eq!(said(spike(10, 0)), never);
        // In its last second, or running past the end, it still comes.
        assert!(said(spike(59, 1)).is_empty());
        assert!(said(spike(50, 100)).is_empty());
    }

    /// The messages of `events` (time, action) on users → web server → database, the
    /// web server and database in one data center, the web server with the data
    /// center's id; `random` web servers fail at random.
    fn on_off_messages(events: &[(f64, &str, &str)], random: bool) -> Vec<String> {
        use crate::components::Kind;
        use crate::region::Region;
        let mut d = Diagram::new();
        let dc = d.add_data_center(Region::Europe, 150.0, -50.0, 400.0, 200.0);
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 200.0, 0.0);
        let front = d.nodes.iter_mut().find(|n| n.id == w).unwrap();
        front.name = "Front".into();
        front.id = dc.clone();
        let w = dc.clone();
        let db = d.add_node(Kind::Database, 400.0, 0.0);
        d.connect(&u, &w).unwrap();
        d.connect(&w, &db).unwrap();
        d.set_node_dc(&w, Some(&dc));
        d.set_node_dc(&db, Some(&dc));
        assert!(d.validate().is_empty(), "{:?}", d.validate());
        d.data_centers[0].name = "Paris".into();
        let mut s = Scenario {
            duration_s: 60,
            ..Scenario::default()
        };
        if random {
            s.random_failures = Some(RandomFailures {
                kinds: vec![Kind::WebServer],
                every_s: 30.0,
                down_s: 5.0,
            });
        }
        for &(at_s, what, id) in events {
            let id = match id {
                "web" => w.clone(),
                "db" => db.clone(),
                _ => dc.clone(),
            };
            let action = match what {
                "kill" => Action::KillNode(id),
                "restore" => Action::RestoreNode(id),
                "kill_dc" => Action::KillDc(id),
                _ => Action::RestoreDc(id),
            };
            s.events.push(ScheduledEvent { at_s, action });
        }
        let found = s.validate(&d);
        // Warnings: the learner may kill and restore by hand during the run.
        assert!(
            found
                .iter()
                .all(|f| f.severity == crate::finding::Severity::Warning),
            "{found:?}"
        );
        found.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn a_scheduled_event_that_changes_nothing_by_itself_is_pointed_out() {
        // Taken down and brought back in turn, in any order in the file: fine.
        let fine = [
            (30.0, "restore", "web"),
            (10.0, "kill", "web"),
            (40.0, "kill", "web"),
            (20.0, "kill_dc", "dc"),
            (25.0, "restore_dc", "dc"),
            (20.0, "kill", "db"),
            // At the same time, in the file's order (the run's).
            (20.0, "restore", "db"),
        ];
        assert_eq!(on_off_messages(&fine, false), Vec::<String>::new());
        // Brought back when nothing took it down.
        let m = on_off_messages(&[(12.5, "restore", "web")], false);
        assert_eq!(
            m,
            ["The event at 12.5 s brings Front back, but no earlier event takes it down itself, so it changes nothing unless you take it down by hand."]
        );
        // Taken down twice.
        let m = on_off_messages(&[(20.0, "kill", "web"), (5.0, "kill", "web")], false);
        assert_eq!(
            m,
            ["The event at 20 s takes Front down, but the event at 5 s already did and nothing brings it back in between, so it changes nothing unless you bring it back by hand."]
        );
        // Ties keep the file's order: brought back, then taken down.
        let m = on_off_messages(&[(20.0, "restore", "db"), (20.0, "kill", "db")], false);
        assert_eq!(m.len(), 1);
        assert!(
            m[0].starts_with("The event at 20 s brings Database"),
            "{m:?}"
        );
        // Data centers alike, named as such.
        let m = on_off_messages(&[(9.0, "restore_dc", "dc")], false);
        assert!(
            m[0].starts_with("The event at 9 s brings the data center Paris back"),
            "{m:?}"
        );
        // A component down only with its data center: bring the data center back.
        let m = on_off_messages(&[(4.0, "kill_dc", "dc"), (6.0, "restore", "web")], false);
        assert_eq!(
            m,
            ["The event at 6 s brings Front back, but it is down because the event at 4 s took down its data center Paris, so it changes nothing; bring the data center back instead."]
        );
        // Once the data center is back, the usual sentence.
        let m = on_off_messages(
            &[
                (4.0, "kill_dc", "dc"),
                (5.0, "restore_dc", "dc"),
                (6.0, "restore", "web"),
            ],
            false,
        );
        assert!(
            m[0].contains("no earlier event takes it down itself"),
            "{m:?}"
        );
        let m = on_off_messages(&[(1.0, "kill_dc", "dc"), (2.0, "kill_dc", "dc")], false);
        assert!(
            m[0].starts_with(
                "The event at 2 s takes the data center Paris down, but the event at 1 s"
            ),
            "{m:?}"
        );
    }

    #[test]
    fn bringing_back_a_component_that_may_fail_at_random_is_allowed() {
        // A random failure may have it down then.
        assert_eq!(
            on_off_messages(&[(30.0, "restore", "web")], true),
            Vec::<String>::new()
        );
        // Not so for a kind that does not fail at random.
        assert_eq!(on_off_messages(&[(30.0, "restore", "db")], true).len(), 1);
    }

    #[test]
    fn a_replaced_diagram_takes_along_what_named_its_missing_parts() {
        let d: Diagram = serde_json::from_str(
            r#"{"version": 2, "nodes": [
                {"id": "users-1", "kind": "users", "name": "Users", "x": 0, "y": 0},
                {"id": "web-1", "kind": "web_server", "name": "Web", "x": 0, "y": 0},
                {"id": "shards-1", "kind": "sharded_database", "name": "Shards", "x": 0, "y": 0}],
              "edges": [],
              "data_centers": [{"id": "dc-1", "name": "East", "region": "north_america",
                "x": 0, "y": 0, "w": 100, "h": 100}]}"#,
        )
        .expect("a diagram");
        let at = |at_s, action| ScheduledEvent { at_s, action };
        let mut s = Scenario {
            events: vec![
                at(1.0, Action::KillNode("web-1".into())),
                at(2.0, Action::KillNode("web-2".into())),
                at(3.0, Action::KillDc("dc-1".into())),
                at(4.0, Action::RestoreDc("dc-2".into())),
                // A data center's id is no component's, and the other way round.
                at(5.0, Action::KillNode("dc-1".into())),
                at(6.0, Action::KillDc("web-1".into())),
                // Nothing chosen yet: the learner is still filling in the row.
                at(7.0, Action::KillNode(String::new())),
                // Only a sharded database is resharded.
                at(
                    8.0,
                    Action::Reshard {
                        node: "shards-1".into(),
                        shards: 4,
                    },
                ),
                at(
                    9.0,
                    Action::Reshard {
                        node: "web-1".into(),
                        shards: 4,
                    },
                ),
            ],
            ..Scenario::default()
        };
        s.set_rps("users-1", 10.0);
        s.set_rps("users-2", 20.0);
        // Traffic comes only from Users.
        s.set_rps("web-1", 30.0);
        s.forget_missing(&d);
        let left: Vec<f64> = s.events.iter().map(|e| e.at_s).collect();
        assert_eq!(left, [1.0, 3.0, 7.0, 8.0]);
        assert_eq!(s.traffic.keys().collect::<Vec<_>>(), ["users-1"]);
    }

    #[test]
    fn forgetting_a_deleted_part_drops_only_what_acts_on_it() {
        let at = |at_s, action| ScheduledEvent { at_s, action };
        let mut s = Scenario {
            events: vec![
                at(1.0, Action::KillNode("web-1".into())),
                at(2.0, Action::RestoreNode("web-2".into())),
                at(3.0, Action::KillDc("dc-1".into())),
                at(
                    4.0,
                    Action::Reshard {
                        node: "shards-1".into(),
                        shards: 4,
                    },
                ),
                at(5.0, Action::RestoreNode("web-1".into())),
            ],
            ..Scenario::default()
        };
        s.set_rps("users-1", 10.0);
        s.set_rps("users-2", 20.0);
        s.forget("web-1");
        s.forget("users-1");
        s.forget("shards-1");
        let left: Vec<f64> = s.events.iter().map(|e| e.at_s).collect();
        assert_eq!(left, [2.0, 3.0]);
        assert_eq!(s.traffic.keys().collect::<Vec<_>>(), ["users-2"]);
        s.forget("dc-1");
        assert_eq!(s.events.len(), 1);
    }

    #[test]
    fn an_event_with_nothing_chosen_says_so() {
        let s = Scenario {
            events: vec![ScheduledEvent {
                at_s: 30.0,
                action: Action::KillDc(String::new()),
            }],
            ..Scenario::default()
        };
        let f = s.validate(&Diagram::default());
        assert_eq!(f.len(), 1, "{f:?}");
        // Past the run's end too: still the one sentence.
        let late = Scenario {
            duration_s: 20,
            ..s.clone()
        };
        assert_eq!(late.validate(&Diagram::default()), f);
        assert_eq!(
            f[0].message,
            "The scheduled event at 30 s has nothing chosen to act on yet."
        );
    }

    #[test]
    fn validate_names_each_problem() {
        use crate::components::Kind;
        let mut d = Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 0.0, 0.0);
        d.connect(&u, &w).unwrap();
        let mut s = Scenario {
            duration_s: 0,
            client_timeout_ms: 0,
            ..Scenario::default()
        };
        s.traffic.insert(
            w.clone(),
            Traffic {
                profile: Profile::Constant,
                rps: -1.0,
            },
        );
        s.mix = RequestMix {
            page_read: 0.0,
            api_read: 0.0,
            write: 0.0,
            static_asset: 0.0,
            upload: 0.0,
            background_job: 0.0,
        };
        s.keys = KeyPopularity::Zipf { keys: 10, s: 0.0 };
        s.events.push(ScheduledEvent {
            at_s: 1.0,
            action: Action::KillDc("dc-7".into()),
        });
        s.windows.push(Window {
            name: "w".into(),
            from_s: 5.0,
            to_s: 1.0,
        });
        let f = s.validate(&d);
        for needle in [
            "last between",
            "timeout",
            "not a Users",
            "between 0 and 1,000,000",
            "request mix",
            "skew must be above 0",
            "dc-7",
            "Window \"w\"",
        ] {
            assert!(
                f.iter().any(|x| x.message.contains(needle)),
                "{needle}: {f:#?}"
            );
        }
        assert!(Scenario::default().validate(&d).is_empty());
    }

    #[test]
    fn a_resharding_names_a_sharded_database_and_a_shard_count() {
        use crate::components::Kind;
        let mut d = Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 0.0, 0.0);
        let x = d.add_node(Kind::ShardedDatabase, 0.0, 0.0);
        d.connect(&u, &w).unwrap();
        d.connect(&w, &x).unwrap();
        let s = Scenario::from_json(
            r#"{"version": 2, "events": [{"at_s": 5, "action": {"reshard": {"node": "shards-1", "shards": 5}}}]}"#,
        )
        .unwrap();
        assert_eq!(
            s.events[0].action,
            Action::Reshard {
                node: x.clone(),
                shards: 5
            }
        );
        assert!(s.validate(&d).is_empty(), "{:#?}", s.validate(&d));
        assert!(s.to_json_pretty().contains("\"reshard\": {"));
        let e = Scenario::from_json(
            r#"{"version": 2, "events": [{"at_s": 5, "action": {"reshard": {"node": "shards-1", "shard": 5}}}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("shard"), "{e}");
        for (node, shards, needle) in [
            (w.as_str(), 5, "not a sharded database"),
            ("db-9", 5, "not in the diagram"),
            (x.as_str(), 0, "between 1 and 64"),
            (x.as_str(), 65, "between 1 and 64"),
        ] {
            let mut bad = s.clone();
            bad.events[0].action = Action::Reshard {
                node: node.into(),
                shards,
            };
            let f = bad.validate(&d);
            assert!(
                f.len() == 1 && f[0].message.contains(needle),
                "{node} {shards}: {f:#?}"
            );
        }
    }
}
