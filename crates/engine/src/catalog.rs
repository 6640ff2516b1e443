//! The vocabulary of the component catalog: parameter specifications (units, bounds,
//! defaults, choices with labels), their checks, machine sizes, and the reader that turns
//! a node's stored parameters into a component's typed settings. Each component kind's
//! own entry lives in its module under `components/`.

use crate::vecmap::VecMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::components::Kind;

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
            ParamValue::Num(n) => f.write_str(&fmt_num(*n)),
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
        crate::format::trimmed(x, 6)
    }
}

/// A bound of a range in a message: whole numbers with thousands separators (86,400).
fn bound(x: f64) -> String {
    if x.fract() == 0.0 {
        crate::format::thousands(x)
    } else {
        fmt_num(x)
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
                        min: bound(min as f64),
                        max: bound(max as f64),
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
                        min: bound(min),
                        max: bound(max),
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

pub(crate) const fn int(
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

pub(crate) const fn float(
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

pub(crate) const fn choice(
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

pub(crate) const fn flag(
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

/// The size parameter shared by servers, caches and databases.
pub(crate) const SIZE: ParamSpec = choice(
    "size",
    "Size",
    "Bigger machines handle more at once but cost more than proportionally; extra large is the ceiling.",
    SIZES,
    "small",
);

/// "a load balancer" / "A database" / "an object storage"; "users" (a plural) has none.
pub(crate) fn with_article(label: &str, capital: bool) -> String {
    let lower = in_sentence(label);
    if lower == "users" {
        return match capital {
            true => label.to_string(),
            false => lower,
        };
    }
    let vowel = matches!(
        lower.chars().next().map(|c| c.to_ascii_lowercase()),
        Some('a' | 'e' | 'i' | 'o' | 'u')
    );
    let article = match (vowel, capital) {
        (true, true) => "An",
        (true, false) => "an",
        (false, true) => "A",
        (false, false) => "a",
    };
    format!("{article} {lower}")
}

/// A label as written inside a sentence: its first letter lowered ("web server"),
/// unless it starts with an abbreviation ("DNS", "API gateway").
pub(crate) fn in_sentence(label: &str) -> String {
    let mut s = label.to_string();
    // The second byte is the second letter's first: not an ASCII capital when that
    // letter is none, or when the first letter is not ASCII (which stays as it is).
    if label.len() > 1 && !label.as_bytes()[1].is_ascii_uppercase() {
        if let Some(first) = s.get_mut(..1) {
            first.make_ascii_lowercase();
        }
    }
    s
}

/// "a", "a or b", "a, b or c".
pub(crate) fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The stored parameters of one node: key to value.
pub type ParamMap = VecMap<String, ParamValue>;

/// Reads one node's stored parameters as a component's typed settings. Missing or
/// invalid values read as the catalog default (validation reports the invalid ones);
/// asking for a key the component does not declare is a bug, caught by each
/// component's tests.
pub(crate) struct Reader<'a> {
    specs: &'static [ParamSpec],
    map: &'a ParamMap,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(specs: &'static [ParamSpec], map: &'a ParamMap) -> Self {
        Reader { specs, map }
    }

    fn value(&self, key: &str) -> Option<(ParamValue, &'static ParamSpec)> {
        let spec = self.specs.iter().find(|p| p.key == key);
        debug_assert!(
            spec.is_some(),
            "a component read its undeclared parameter {key:?}"
        );
        let spec = spec?;
        let v = self
            .map
            .get(key)
            .and_then(|v| spec.check(v).ok())
            .unwrap_or_else(|| spec.default_value());
        Some((v, spec))
    }

    /// A number.
    pub(crate) fn num(&self, key: &str) -> f64 {
        self.value(key).and_then(|(v, _)| v.as_f64()).unwrap_or(0.0)
    }

    /// A whole number (parameters of type `Int` hold whole values within `u32`).
    pub(crate) fn int(&self, key: &str) -> u32 {
        self.num(key).clamp(0.0, u32::MAX as f64) as u32
    }

    /// An on/off setting.
    pub(crate) fn flag(&self, key: &str) -> bool {
        self.value(key)
            .and_then(|(v, _)| v.as_bool())
            .unwrap_or(false)
    }

    /// The key of a choice ("" only if the component declared no such parameter).
    pub(crate) fn choice(&self, key: &str) -> &'static str {
        match self.value(key) {
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

    /// The machine size.
    pub(crate) fn size(&self) -> Size {
        Size::from_key(self.choice("size"))
    }
}

/// Declares a choice parameter's options as an enum: one variant per option, with the
/// key stored in files and the label a learner reads. Generates `OPTIONS` (for the
/// parameter's spec), `from_key` and `key`.
macro_rules! choice_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident = $key:literal : $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name { $($variant),+ }

        impl $name {
            /// The options, in the order the inspector lists them.
            pub const OPTIONS: &'static [$crate::catalog::Choice] =
                &[$($crate::catalog::opt($key, $label)),+];

            /// The option stored as `key`.
            #[allow(dead_code)]
            pub fn from_key(key: &str) -> Option<Self> {
                match key {
                    $($key => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The key stored in files.
            #[allow(dead_code)]
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }
        }
    };
}
pub(crate) use choice_enum;

#[cfg(test)]
mod tests {
    use super::*;

    const INSTANCES: ParamSpec = int("instances", "Instances", "", "Copies.", 1, 20, 1);
    const TTL: ParamSpec = float("ttl_s", "TTL", "s", "How long.", 0.0, 86_400.0, 60.0);
    choice_enum! {
        enum Eviction { Lru = "lru" : "Least recently used (LRU)", Lfu = "lfu" : "Least frequently used (LFU)", Fifo = "fifo" : "Oldest first (FIFO)" }
    }
    const EVICTION: ParamSpec = choice(
        "eviction",
        "Eviction",
        "Which key leaves.",
        Eviction::OPTIONS,
        "lru",
    );

    #[test]
    fn bounds_and_types_are_enforced_with_a_sentence() {
        let err = INSTANCES.check(&ParamValue::Num(21.0)).unwrap_err();
        assert_eq!(err.to_string(), "Instances must be between 1 and 20.");
        assert_eq!(
            INSTANCES
                .check(&ParamValue::Num(2.5))
                .unwrap_err()
                .to_string(),
            "Instances must be a whole number."
        );
        assert!(INSTANCES.check(&ParamValue::Text("3".into())).is_err());
        assert_eq!(
            INSTANCES.check(&ParamValue::Num(3.0)),
            Ok(ParamValue::Num(3.0))
        );
        assert_eq!(
            EVICTION
                .check(&ParamValue::Text("mru".into()))
                .unwrap_err()
                .to_string(),
            "Eviction must be one of: Least recently used (LRU), Least frequently used (LFU), Oldest first (FIFO)."
        );
        assert_eq!(
            TTL.check(&ParamValue::Num(-1.0)).unwrap_err().to_string(),
            "TTL must be between 0 and 86,400 s."
        );
        assert!(TTL.check(&ParamValue::Num(f64::NAN)).is_err());
    }

    #[test]
    fn choices_read_as_their_enum_and_show_their_label() {
        assert_eq!(Eviction::from_key("lfu"), Some(Eviction::Lfu));
        assert_eq!(Eviction::from_key("mru"), None);
        assert_eq!(Eviction::Fifo.key(), "fifo");
        assert_eq!(EVICTION.choice_label("fifo"), Some("Oldest first (FIFO)"));
        let specs: &'static [ParamSpec] = &[EVICTION, TTL];
        let mut map = ParamMap::new();
        map.insert("eviction".into(), ParamValue::Text("lfu".into()));
        map.insert("ttl_s".into(), ParamValue::Num(-5.0));
        let r = Reader::new(specs, &map);
        assert_eq!(r.choice("eviction"), "lfu");
        // An invalid stored value reads as the default; validation reports it.
        assert_eq!(r.num("ttl_s"), 60.0);
    }

    #[test]
    fn articles_read_naturally() {
        assert_eq!(with_article("Object storage", true), "An object storage");
        assert_eq!(with_article("Load balancer", false), "a load balancer");
        assert_eq!(with_article("DNS", false), "a DNS");
        assert_eq!(with_article("API gateway", false), "an API gateway");
        assert_eq!(with_article("CDN", true), "A CDN");
        // A plural takes none: "cannot send requests to users".
        assert_eq!(with_article("Users", false), "users");
        assert_eq!(with_article("Users", true), "Users");
        assert_eq!(in_sentence("Web server"), "web server");
        assert_eq!(in_sentence("API gateway"), "API gateway");
        assert_eq!(in_sentence("X"), "X");
        assert_eq!(in_sentence("Élan"), "Élan");
        assert_eq!(in_sentence(""), "");
        assert_eq!(or_list(&["a".into(), "b".into(), "c".into()]), "a, b or c");
    }
}
