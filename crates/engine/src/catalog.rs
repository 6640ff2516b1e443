//! The component catalog: kinds, their parameters (units, bounds, defaults), sizes and
//! monthly cost. The palette and the inspector of the app are generated from this data.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A kind of component on the canvas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Users,
    Dns,
    LoadBalancer,
    WebServer,
    SessionStore,
    Cache,
    Cdn,
    Database,
    ObjectStorage,
}

/// The type, bounds and default of one parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamType {
    Int {
        min: i64,
        max: i64,
        default: i64,
    },
    Float {
        min: f64,
        max: f64,
        default: f64,
    },
    Choice {
        options: &'static [Choice],
        default: &'static str,
    },
    Bool {
        default: bool,
    },
}

/// One option of a choice parameter: the key stored in files and the words a learner
/// reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Stored in files: "round_robin".
    pub key: &'static str,
    /// Shown to the learner: "Round robin".
    pub label: &'static str,
}

/// A choice option.
pub const fn opt(key: &'static str, label: &'static str) -> Choice {
    Choice { key, label }
}

/// One parameter of a component kind, as the inspector shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// The key in a node's `params` map: "max_queue".
    pub key: &'static str,
    /// A short human name: "Queue limit".
    pub label: &'static str,
    /// The unit shown after the value ("req/s", "ms", "keys"), or "".
    pub unit: &'static str,
    /// One sentence explaining the effect.
    pub help: &'static str,
    pub ty: ParamType,
}

/// A parameter value as stored in a diagram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Bool(bool),
    Num(f64),
    Text(String),
}

impl ParamValue {
    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// The text, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ParamValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The flag, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ParamValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Num(n) => write!(f, "{n}"),
            ParamValue::Text(s) => write!(f, "{s}"),
        }
    }
}

/// Why a parameter value was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamError {
    /// A number outside the allowed range.
    OutOfRange {
        label: &'static str,
        min: String,
        max: String,
        unit: &'static str,
    },
    /// A fraction where a whole number is needed.
    NotWhole { label: &'static str },
    /// The value has the wrong type (text for a number, ...).
    WrongType {
        label: &'static str,
        expected: &'static str,
    },
    /// Text that is not one of the options.
    UnknownOption {
        label: &'static str,
        options: &'static [Choice],
    },
    /// The kind has no such parameter.
    UnknownParam { kind: Kind, key: String },
    /// No node has this id.
    UnknownNode { id: String },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::OutOfRange {
                label,
                min,
                max,
                unit,
            } => {
                let unit = if unit.is_empty() {
                    String::new()
                } else {
                    format!(" {unit}")
                };
                write!(f, "{label} must be between {min} and {max}{unit}.")
            }
            ParamError::NotWhole { label } => write!(f, "{label} must be a whole number."),
            ParamError::WrongType { label, expected } => write!(f, "{label} must be {expected}."),
            ParamError::UnknownOption { label, options } => {
                let names: Vec<&str> = options.iter().map(|o| o.label).collect();
                write!(f, "{label} must be one of: {}.", names.join(", "))
            }
            ParamError::UnknownParam { kind, key } => {
                write!(
                    f,
                    "{} has no parameter \"{key}\".",
                    with_article(kind.label(), true)
                )
            }
            ParamError::UnknownNode { id } => write!(f, "There is no component with id \"{id}\"."),
        }
    }
}

impl std::error::Error for ParamError {}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl ParamSpec {
    /// The value used when a node does not set this parameter.
    pub fn default_value(&self) -> ParamValue {
        match self.ty {
            ParamType::Int { default, .. } => ParamValue::Num(default as f64),
            ParamType::Float { default, .. } => ParamValue::Num(default),
            ParamType::Choice { default, .. } => ParamValue::Text(default.to_string()),
            ParamType::Bool { default } => ParamValue::Bool(default),
        }
    }

    /// The learner-facing label of a choice option ("Round robin" for "round_robin").
    pub fn choice_label(&self, key: &str) -> Option<&'static str> {
        match self.ty {
            ParamType::Choice { options, .. } => {
                options.iter().find(|o| o.key == key).map(|o| o.label)
            }
            _ => None,
        }
    }

    /// Accepts a value (normalised) or says why not.
    pub fn check(&self, v: &ParamValue) -> Result<ParamValue, ParamError> {
        let label = self.label;
        match self.ty {
            ParamType::Int { min, max, .. } => {
                let n = v.as_f64().ok_or(ParamError::WrongType {
                    label,
                    expected: "a whole number",
                })?;
                if !n.is_finite() || n.fract() != 0.0 {
                    return Err(ParamError::NotWhole { label });
                }
                if n < min as f64 || n > max as f64 {
                    return Err(ParamError::OutOfRange {
                        label,
                        min: min.to_string(),
                        max: max.to_string(),
                        unit: self.unit,
                    });
                }
                Ok(ParamValue::Num(n))
            }
            ParamType::Float { min, max, .. } => {
                let n = v.as_f64().ok_or(ParamError::WrongType {
                    label,
                    expected: "a number",
                })?;
                if !n.is_finite() || n < min || n > max {
                    return Err(ParamError::OutOfRange {
                        label,
                        min: fmt_num(min),
                        max: fmt_num(max),
                        unit: self.unit,
                    });
                }
                Ok(ParamValue::Num(n))
            }
            ParamType::Choice { options, .. } => {
                let s = v.as_str().ok_or(ParamError::WrongType {
                    label,
                    expected: "one of the listed options",
                })?;
                if options.iter().any(|o| o.key == s) {
                    Ok(ParamValue::Text(s.to_string()))
                } else {
                    Err(ParamError::UnknownOption { label, options })
                }
            }
            ParamType::Bool { .. } => {
                let b = v.as_bool().ok_or(ParamError::WrongType {
                    label,
                    expected: "on or off (true or false)",
                })?;
                Ok(ParamValue::Bool(b))
            }
        }
    }
}

/// The size options of servers, caches and databases.
pub const SIZES: &[Choice] = &[
    opt("small", "Small"),
    opt("medium", "Medium"),
    opt("large", "Large"),
    opt("xlarge", "Extra large"),
];

/// A machine size. Capacity roughly doubles per step while the price grows about 2.5×,
/// and `XLarge` is the ceiling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Size {
    Small,
    Medium,
    Large,
    XLarge,
}

impl Size {
    /// The size named `key` ("small", ...); unknown names fall back to small.
    pub fn from_key(key: &str) -> Size {
        match key {
            "medium" => Size::Medium,
            "large" => Size::Large,
            "xlarge" => Size::XLarge,
            _ => Size::Small,
        }
    }

    /// 0 for small up to 3 for xlarge.
    pub fn step(self) -> usize {
        self as usize
    }

    /// Concurrency multiplier: 1, 2, 4, 8.
    pub fn concurrency_factor(self) -> u32 {
        1 << self.step()
    }

    /// Service-time multiplier: bigger machines have slightly faster cores.
    pub fn speed_factor(self) -> f64 {
        [1.0, 1.0, 0.9, 0.8][self.step()]
    }
}

const fn int(
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    help: &'static str,
    min: i64,
    max: i64,
    default: i64,
) -> ParamSpec {
    ParamSpec {
        key,
        label,
        unit,
        help,
        ty: ParamType::Int { min, max, default },
    }
}

const fn float(
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    help: &'static str,
    min: f64,
    max: f64,
    default: f64,
) -> ParamSpec {
    ParamSpec {
        key,
        label,
        unit,
        help,
        ty: ParamType::Float { min, max, default },
    }
}

const fn choice(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    options: &'static [Choice],
    default: &'static str,
) -> ParamSpec {
    ParamSpec {
        key,
        label,
        unit: "",
        help,
        ty: ParamType::Choice { options, default },
    }
}

const fn flag(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    default: bool,
) -> ParamSpec {
    ParamSpec {
        key,
        label,
        unit: "",
        help,
        ty: ParamType::Bool { default },
    }
}

const SIZE: ParamSpec = choice(
    "size",
    "Size",
    "Bigger machines handle more at once but cost more than proportionally; extra large is the ceiling.",
    SIZES,
    "small",
);

/// The regions accepted by the Users "region" parameter.
pub const REGION_KEYS: &[Choice] = &[
    opt("north_america", "North America"),
    opt("south_america", "South America"),
    opt("europe", "Europe"),
    opt("asia", "Asia"),
    opt("oceania", "Oceania"),
];

const USERS_PARAMS: &[ParamSpec] = &[
    choice(
        "region",
        "Region",
        "Where these users live; distance to the data center costs network latency.",
        REGION_KEYS,
        "north_america",
    ),
    float(
        "rps",
        "Requests per second",
        "req/s",
        "Traffic these users send when the scenario does not say otherwise.",
        0.0,
        1_000_000.0,
        50.0,
    ),
    int(
        "users",
        "Active users",
        "users",
        "Distinct users sending the traffic; each keeps its own DNS answer and login session.",
        1,
        100_000,
        1000,
    ),
];

const DNS_PARAMS: &[ParamSpec] = &[
    choice(
        "routing",
        "Routing",
        "Simple answers with any entry point; GeoDNS answers with the nearest healthy data center.",
        &[opt("simple", "Simple"), opt("geo", "GeoDNS (nearest)")],
        "simple",
    ),
    int(
        "ttl_s",
        "Answer TTL",
        "s",
        "How long clients cache an answer before asking again.",
        0,
        86_400,
        300,
    ),
    int(
        "health_check_s",
        "Health check interval",
        "s",
        "How often DNS checks its entry points (0 = never).",
        0,
        600,
        10,
    ),
];

const LB_PARAMS: &[ParamSpec] = &[
    choice(
        "algorithm",
        "Algorithm",
        "How the next server is picked; IP hash keeps each user on one server (sticky sessions).",
        &[
            opt("round_robin", "Round robin"),
            opt("least_connections", "Least connections"),
            opt("random", "Random"),
            opt("ip_hash", "IP hash (sticky)"),
        ],
        "round_robin",
    ),
    flag(
        "health_checks",
        "Health checks",
        "Probe servers and stop sending requests to dead ones.",
        true,
    ),
    float(
        "check_interval_s",
        "Check interval",
        "s",
        "Time between two probes of a server.",
        0.5,
        60.0,
        5.0,
    ),
    int(
        "unhealthy_threshold",
        "Failures before removal",
        "probes",
        "Failed probes in a row before a server is taken out of rotation.",
        1,
        10,
        2,
    ),
];

const WEB_PARAMS: &[ParamSpec] = &[
    SIZE,
    int("instances", "Instances", "", "Identical copies of this server sharing its queue.", 1, 20, 1),
    choice("sessions", "Sessions", "In server memory keeps logins on this server (lost when it dies); in a session store keeps them in a shared store any server can read.", &[opt("in_memory", "In server memory"), opt("store", "In a session store")], "in_memory"),
    int("max_queue", "Queue limit", "requests", "Requests that may wait for a free worker; beyond that they are refused.", 1, 10_000, 200),
    int("workers", "Workers per instance", "", "Requests one instance serves at once (0 = set by the size: 4, 8, 16 or 32).", 0, 1024, 0),
    float("service_ms", "Work per request", "ms", "Mean time one request keeps a worker busy (0 = set by the size and request type).", 0.0, 60_000.0, 0.0),
];

const SESSION_PARAMS: &[ParamSpec] = &[
    SIZE,
    int(
        "max_queue",
        "Queue limit",
        "requests",
        "Requests that may wait for a free worker.",
        1,
        100_000,
        1000,
    ),
];

const CACHE_PARAMS: &[ParamSpec] = &[
    SIZE,
    int("capacity", "Capacity", "keys", "How many keys fit; when full, the eviction policy picks a victim.", 1, 1_000_000, 1000),
    float("ttl_s", "TTL", "s", "How long an entry stays valid (0 = until evicted).", 0.0, 86_400.0, 60.0),
    choice("eviction", "Eviction", "Which key leaves when the cache is full: the least recently used, the least frequently used since it entered the cache, or the oldest.", &[opt("lru", "Least recently used (LRU)"), opt("lfu", "Least frequently used (LFU)"), opt("fifo", "Oldest first (FIFO)")], "lru"),
    choice("strategy", "Strategy", "Cache-aside: the server checks the cache and fills it after a miss. Read-through: the cache loads misses from the database itself. Refresh-ahead: read-through that reloads hot keys before they expire.", &[opt("cache_aside", "Cache-aside"), opt("read_through", "Read-through"), opt("refresh_ahead", "Refresh-ahead")], "cache_aside"),
    int("max_queue", "Queue limit", "requests", "Requests that may wait for a free worker.", 1, 100_000, 1000),
];

const CDN_PARAMS: &[ParamSpec] = &[
    int(
        "capacity",
        "Capacity per edge",
        "objects",
        "Objects each edge location keeps.",
        1,
        1_000_000,
        10_000,
    ),
    float(
        "ttl_s",
        "TTL",
        "s",
        "How long an edge serves an object before fetching it again.",
        0.0,
        604_800.0,
        3600.0,
    ),
];

const DB_PARAMS: &[ParamSpec] = &[
    choice("engine", "Engine", "Relational (SQL) handles joins well; NoSQL is faster for simple key reads and writes.", &[opt("sql", "Relational (SQL)"), opt("nosql", "NoSQL")], "sql"),
    choice("role", "Role", "The primary takes writes; replicas copy it and serve reads.", &[opt("primary", "Primary"), opt("replica", "Replica")], "primary"),
    SIZE,
    float("replication_lag_ms", "Replication lag", "ms", "How far this replica trails its primary; writes inside this window are lost if the primary dies.", 0.0, 10_000.0, 100.0),
    flag("failover", "Automatic failover", "When this primary dies, promote a replica.", true),
    float("promotion_s", "Promotion delay", "s", "Time to detect a dead primary and promote a replica.", 0.0, 600.0, 10.0),
    int("max_queue", "Queue limit", "requests", "Queries that may wait for a free connection.", 1, 100_000, 500),
];

const OBJECT_PARAMS: &[ParamSpec] = &[float(
    "latency_ms",
    "Latency",
    "ms",
    "Mean time to read or store one object.",
    1.0,
    1000.0,
    20.0,
)];

impl Kind {
    /// Every kind, in palette order.
    pub const ALL: &'static [Kind] = &[
        Kind::Users,
        Kind::Dns,
        Kind::LoadBalancer,
        Kind::WebServer,
        Kind::SessionStore,
        Kind::Cache,
        Kind::Cdn,
        Kind::Database,
        Kind::ObjectStorage,
    ];

    /// A human name: "Load balancer".
    pub fn label(self) -> &'static str {
        match self {
            Kind::Users => "Users",
            Kind::Dns => "DNS",
            Kind::LoadBalancer => "Load balancer",
            Kind::WebServer => "Web server",
            Kind::SessionStore => "Session store",
            Kind::Cache => "Cache",
            Kind::Cdn => "CDN",
            Kind::Database => "Database",
            Kind::ObjectStorage => "Object storage",
        }
    }

    /// One to three characters for the icon.
    pub fn glyph(self) -> &'static str {
        match self {
            Kind::Users => "U",
            Kind::Dns => "DNS",
            Kind::LoadBalancer => "LB",
            Kind::WebServer => "WEB",
            Kind::SessionStore => "SS",
            Kind::Cache => "C",
            Kind::Cdn => "CDN",
            Kind::Database => "DB",
            Kind::ObjectStorage => "OS",
        }
    }

    /// One sentence a learner understands.
    pub fn description(self) -> &'static str {
        match self {
            Kind::Users => "People in one region sending requests to your site.",
            Kind::Dns => "Turns your domain name into the address of an entry point; clients remember the answer for a while.",
            Kind::LoadBalancer => "Spreads requests over several web servers and stops using the ones that fail health checks.",
            Kind::WebServer => "Runs your application: a fixed number of workers handle requests, the rest wait in a queue.",
            Kind::SessionStore => "A shared key-value store that keeps user logins so any web server can serve any user.",
            Kind::Cache => "Keeps recently used data in memory so most reads never reach the database.",
            Kind::Cdn => "Edge servers around the world that keep copies of static files close to users.",
            Kind::Database => "Stores your data; a primary takes writes and replicas copy it to serve reads.",
            Kind::ObjectStorage => "Stores files such as images and uploads, and serves as the origin for the CDN.",
        }
    }

    /// The prefix of generated node ids: "lb", "web", "db".
    pub fn id_prefix(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Dns => "dns",
            Kind::LoadBalancer => "lb",
            Kind::WebServer => "web",
            Kind::SessionStore => "sessions",
            Kind::Cache => "cache",
            Kind::Cdn => "cdn",
            Kind::Database => "db",
            Kind::ObjectStorage => "storage",
        }
    }

    /// The parameters this kind has, in inspector order.
    pub fn params(self) -> &'static [ParamSpec] {
        match self {
            Kind::Users => USERS_PARAMS,
            Kind::Dns => DNS_PARAMS,
            Kind::LoadBalancer => LB_PARAMS,
            Kind::WebServer => WEB_PARAMS,
            Kind::SessionStore => SESSION_PARAMS,
            Kind::Cache => CACHE_PARAMS,
            Kind::Cdn => CDN_PARAMS,
            Kind::Database => DB_PARAMS,
            Kind::ObjectStorage => OBJECT_PARAMS,
        }
    }

    /// The parameter with this key, if the kind has one.
    pub fn param(self, key: &str) -> Option<&'static ParamSpec> {
        self.params().iter().find(|p| p.key == key)
    }

    /// The snake_case name used in files: "load_balancer".
    pub fn key(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Dns => "dns",
            Kind::LoadBalancer => "load_balancer",
            Kind::WebServer => "web_server",
            Kind::SessionStore => "session_store",
            Kind::Cache => "cache",
            Kind::Cdn => "cdn",
            Kind::Database => "database",
            Kind::ObjectStorage => "object_storage",
        }
    }
}

/// "a load balancer" / "A database" / "an object storage".
pub(crate) fn with_article(label: &str, capital: bool) -> String {
    let lower = if label == "DNS" || label == "CDN" {
        label.to_string()
    } else {
        label.to_lowercase()
    };
    let vowel = matches!(lower.chars().next(), Some('a' | 'e' | 'i' | 'o' | 'u'));
    let article = match (vowel, capital) {
        (true, true) => "An",
        (true, false) => "an",
        (false, true) => "A",
        (false, false) => "a",
    };
    format!("{article} {lower}")
}

/// Reads parameters of one node, falling back to catalog defaults for missing or
/// invalid values (validation reports the invalid ones separately).
pub(crate) struct Params<'a> {
    pub kind: Kind,
    pub map: &'a BTreeMap<String, ParamValue>,
}

impl Params<'_> {
    fn checked(&self, key: &str) -> Option<(ParamValue, &'static ParamSpec)> {
        let spec = self.kind.param(key)?;
        let v = self
            .map
            .get(key)
            .and_then(|v| spec.check(v).ok())
            .unwrap_or_else(|| spec.default_value());
        Some((v, spec))
    }

    /// A numeric parameter (0 when the kind has no such parameter).
    pub fn num(&self, key: &str) -> f64 {
        self.checked(key)
            .and_then(|(v, _)| v.as_f64())
            .unwrap_or(0.0)
    }

    /// A choice parameter ("" when the kind has no such parameter).
    pub fn text(&self, key: &str) -> &'static str {
        match self.checked(key) {
            Some((ParamValue::Text(s), spec)) => match spec.ty {
                ParamType::Choice { options, .. } => options
                    .iter()
                    .find(|o| o.key == s)
                    .map(|o| o.key)
                    .unwrap_or(""),
                _ => "",
            },
            _ => "",
        }
    }

    /// A boolean parameter (false when the kind has no such parameter).
    pub fn flag(&self, key: &str) -> bool {
        self.checked(key)
            .and_then(|(v, _)| v.as_bool())
            .unwrap_or(false)
    }

    /// The size parameter (small when the kind has none).
    pub fn size(&self) -> Size {
        Size::from_key(self.text("size"))
    }
}

/// Monthly price of one component in dollars. Bigger sizes cost more than the capacity
/// they add.
pub fn monthly_cost(kind: Kind, params: &BTreeMap<String, ParamValue>) -> f64 {
    let p = Params { kind, map: params };
    let by_size = |prices: [f64; 4]| prices[p.size().step()];
    match kind {
        Kind::Users => 0.0,
        Kind::Dns => {
            if p.text("routing") == "geo" {
                10.0
            } else {
                1.0
            }
        }
        Kind::LoadBalancer => 20.0,
        Kind::WebServer => by_size([20.0, 50.0, 130.0, 340.0]) * p.num("instances").max(1.0),
        Kind::SessionStore => by_size([15.0, 35.0, 85.0, 210.0]),
        Kind::Cache => by_size([15.0, 35.0, 85.0, 210.0]) + p.num("capacity") * 0.0005,
        Kind::Cdn => 20.0 + p.num("capacity") * 0.001,
        Kind::Database => by_size([30.0, 75.0, 190.0, 480.0]),
        Kind::ObjectStorage => 10.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_passes_its_own_check() {
        for &k in Kind::ALL {
            for p in k.params() {
                assert_eq!(
                    p.check(&p.default_value()),
                    Ok(p.default_value()),
                    "{k:?}.{}",
                    p.key
                );
            }
            assert!(!k.glyph().is_empty() && k.glyph().len() <= 3);
            assert!(k.description().ends_with('.'));
        }
    }

    #[test]
    fn bounds_and_types_are_enforced_with_a_sentence() {
        let instances = Kind::WebServer.param("instances").unwrap();
        let err = instances.check(&ParamValue::Num(21.0)).unwrap_err();
        assert_eq!(err.to_string(), "Instances must be between 1 and 20.");
        assert_eq!(
            instances
                .check(&ParamValue::Num(2.5))
                .unwrap_err()
                .to_string(),
            "Instances must be a whole number."
        );
        assert!(instances.check(&ParamValue::Text("3".into())).is_err());
        assert_eq!(
            instances.check(&ParamValue::Num(3.0)),
            Ok(ParamValue::Num(3.0))
        );
        let eviction = Kind::Cache.param("eviction").unwrap();
        assert_eq!(
            eviction
                .check(&ParamValue::Text("mru".into()))
                .unwrap_err()
                .to_string(),
            "Eviction must be one of: Least recently used (LRU), Least frequently used (LFU), Oldest first (FIFO)."
        );
        let ttl = Kind::Cache.param("ttl_s").unwrap();
        assert_eq!(
            ttl.check(&ParamValue::Num(-1.0)).unwrap_err().to_string(),
            "TTL must be between 0 and 86400 s."
        );
        assert!(ttl.check(&ParamValue::Num(f64::NAN)).is_err());
    }

    #[test]
    fn bigger_sizes_cost_more_than_the_capacity_they_add() {
        let mut params = BTreeMap::new();
        let mut last_price_per_worker = 0.0;
        for s in SIZES {
            params.insert("size".to_string(), ParamValue::Text(s.key.to_string()));
            let cost = monthly_cost(Kind::WebServer, &params);
            let per_worker = cost / Size::from_key(s.key).concurrency_factor() as f64;
            assert!(per_worker > last_price_per_worker, "{}", s.key);
            last_price_per_worker = per_worker;
        }
    }

    #[test]
    fn articles_read_naturally() {
        assert_eq!(with_article("Object storage", true), "An object storage");
        assert_eq!(with_article("Load balancer", false), "a load balancer");
        assert_eq!(with_article("DNS", false), "a DNS");
    }
}
