//! Share links and compiled lessons: diagrams, scenarios, goals and whole chapters in a
//! compact binary form, compressed, and (for links) written in URL-safe base64.
//!
//! A link's text is `s=` then base64url of: one format-version byte, a 16-bit check of
//! what follows, then the LZ-compressed body. A character changed, lost or added on the
//! way after the first two (which hold the version) is caught by the check before
//! anything is read. The body is read field by field with every count and length checked against the
//! engine's limits before anything is allocated, and what it holds is then validated
//! like any file; a damaged, truncated or hostile link is refused with a sentence, never
//! a panic. Version 1 is the first; a link made by a newer Scale Lab is refused as such.
//!
//! Numbers are written compactly (whole numbers and thousandths as varints, anything
//! else as its 8 bytes), ids of the form `web-3` and default names like `Web server 3` as
//! a single number, and references to nodes as their position in the diagram.
//!
//! Building blocks: `bytes` (varints and strings), `lz` (a small LZ77) and `base64url`.
//!
//! Every function of `link` and its modules is `#[inline]`: none is on a hot path, and so
//! they compile in the crate that calls them, the app or the files module, at its
//! `opt-level = "z"`, rather than in the engine at "s" (950 bytes less of the page's
//! gzipped module).

pub mod base64url;
pub mod bytes;
pub mod lz;
pub mod record;

use crate::vecmap::VecMap;
use std::fmt;

use crate::catalog::{ParamType, ParamValue};
use crate::components::Kind;
use crate::diagram::{DataCenter, Diagram, Edge, Node, MAX_DATA_CENTERS, MAX_EDGES, MAX_NODES};
use crate::goals::{Goal, Metric, NodeMetric, Op};
use crate::lesson::{Additions, Lesson, Prediction, Starter, MAX_CHAPTERS};
use crate::region::Region;
use crate::scenario::{
    Action, KeyPopularity, Profile, RandomFailures, RequestKind, RequestMix, Scenario,
    ScheduledEvent, Traffic, Window, MAX_EVENTS, MAX_WINDOWS, SCENARIO_VERSION,
};
use bytes::{ByteReader, ByteWriter, ReadError};
pub use record::{from_record, to_record, Record};

/// The link format this engine writes, and the newest it reads (all older ones too).
pub const LINK_VERSION: u8 = 3;
/// The first link format that holds a scenario's random failures.
const RANDOM_FAILURES_SINCE: u8 = 2;
/// The first link format whose payload carries a check of its body.
const CHECKED_SINCE: u8 = 3;
/// The compiled course format (version 2: scenarios with random failures).
pub const COURSE_VERSION: u8 = 2;
/// Longest link text accepted (characters after `s=`).
pub const MAX_LINK_CHARS: usize = 200_000;
/// Most bytes a link's body may expand to.
const MAX_LINK_BODY: usize = 1 << 20;
/// Most bytes a compiled course may expand to.
const MAX_COURSE_BODY: usize = 8 << 20;
/// Longest id, name or label.
const MAX_SHORT: usize = 256;
/// Longest paragraph, hint or question.
const MAX_TEXT: usize = 16 * 1024;
/// Most goals, hints, paragraphs or choices in one list.
const MAX_LIST: usize = 256;
/// Most parameters on one node.
const MAX_PARAMS: usize = 64;

/// Why a link or compiled course could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    /// Not the text of a Scale Lab link.
    NotALink,
    /// Made by a newer Scale Lab.
    TooNew { found: u8 },
    /// The characters, the compression or the fields do not read.
    Damaged(String),
    /// It reads, but what it holds is not a valid design: the engine's reasons.
    Invalid(Vec<String>),
    /// A compiled course that does not read (what went wrong, as a sentence).
    Course(String),
}

impl fmt::Display for LinkError {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NotALink => f.write_str(
                "This is not a Scale Lab link: it should end in \"#s=\" followed by letters and digits.",
            ),
            LinkError::TooNew { found } => write!(
                f,
                "This link was made by a newer version of Scale Lab (format {found}); this version reads format {LINK_VERSION}."
            ),
            LinkError::Damaged(why) => write!(f, "This link is damaged and cannot be opened. {why}"),
            LinkError::Invalid(problems) => write!(
                f,
                "This link opens, but its design has problems: {}",
                problems.join(" ")
            ),
            LinkError::Course(why) => write!(f, "The course could not be loaded. {why}"),
        }
    }
}

impl From<ReadError> for LinkError {
    #[inline]
    fn from(e: ReadError) -> Self {
        LinkError::Damaged(e.to_string())
    }
}

#[inline]
fn bad(what: &str) -> LinkError {
    LinkError::Damaged(format!("It names {what} that does not exist."))
}

/// What a link holds: a diagram, optionally the scenario to run it under, and for a
/// challenge a title, a text and goals.
#[derive(Clone, Debug, PartialEq)]
pub struct Shared {
    pub diagram: Diagram,
    pub scenario: Option<Scenario>,
    pub challenge: Option<Challenge>,
}

/// A teacher's challenge: a chapter-like page with goals.
#[derive(Clone, Debug, PartialEq)]
pub struct Challenge {
    pub title: String,
    pub text: String,
    pub goals: Vec<Goal>,
}

// ---------------------------------------------------------------------------------
// Writing

/// Writes a number in the fewest bytes that give it back exactly.
#[inline]
fn write_num(w: &mut ByteWriter, v: f64) {
    const LIMIT: f64 = (1u64 << 50) as f64;
    let milli = v * 1000.0;
    if v.fract() == 0.0 && v.abs() < LIMIT {
        w.write_u64(zigzag(v as i64) << 2);
    } else if milli.fract() == 0.0 && milli.abs() < LIMIT && milli / 1000.0 == v {
        w.write_u64(zigzag(milli as i64) << 2 | 1);
    } else {
        w.write_u64(2);
        w.write_f64(v);
    }
}

#[inline]
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
fn unzigzag(u: u64) -> i64 {
    (u >> 1) as i64 ^ -((u & 1) as i64)
}

#[inline]
fn read_num(r: &mut ByteReader) -> Result<f64, LinkError> {
    let head = r.read_u64()?;
    match head & 3 {
        0 => Ok(unzigzag(head >> 2) as f64),
        1 => Ok(unzigzag(head >> 2) as f64 / 1000.0),
        2 if head == 2 => Ok(r.read_f64()?),
        _ => Err(LinkError::Damaged(
            "It holds a number written in an unknown way.".into(),
        )),
    }
}

#[inline]
fn read_u32(r: &mut ByteReader) -> Result<u32, LinkError> {
    u32::try_from(r.read_u64()?)
        .map_err(|_| LinkError::Damaged("It holds a number that is too large.".into()))
}

#[inline]
fn write_opt_str(w: &mut ByteWriter, s: &Option<String>) {
    match s {
        None => w.write_u8(0),
        Some(s) => {
            w.write_u8(1);
            w.write_str(s);
        }
    }
}

#[inline]
fn read_str(r: &mut ByteReader, max: usize) -> Result<String, LinkError> {
    Ok(r.read_str(max)?.to_string())
}

#[inline]
fn read_opt_str(r: &mut ByteReader, max: usize) -> Result<Option<String>, LinkError> {
    match r.read_u8()? {
        0 => Ok(None),
        1 => Ok(Some(read_str(r, max)?)),
        _ => Err(bad("an option")),
    }
}

/// An item of a fixed table, by position.
#[inline]
fn read_of<T: Copy>(r: &mut ByteReader, table: &[T], what: &str) -> Result<T, LinkError> {
    let i = r.read_u64()?;
    usize::try_from(i)
        .ok()
        .and_then(|i| table.get(i).copied())
        .ok_or_else(|| bad(what))
}

#[inline]
fn position<T: PartialEq>(table: &[T], v: &T) -> u64 {
    table.iter().position(|x| x == v).unwrap_or(0) as u64
}

/// An optional item of a fixed table: 0 for none, else its position + 1.
#[inline]
fn write_opt_of<T: PartialEq>(w: &mut ByteWriter, table: &[T], v: Option<&T>) {
    w.write_u64(v.map_or(0, |v| position(table, v) + 1));
}

#[inline]
fn read_opt_of<T: Copy>(
    r: &mut ByteReader,
    table: &[T],
    what: &str,
) -> Result<Option<T>, LinkError> {
    match r.read_u64()? {
        0 => Ok(None),
        i => usize::try_from(i - 1)
            .ok()
            .and_then(|i| table.get(i).copied())
            .map(Some)
            .ok_or_else(|| bad(what)),
    }
}

/// A reference to a node by id: its position + 1 in `ids`, or 0 and the id itself.
#[inline]
fn write_ref(w: &mut ByteWriter, ids: &[&str], id: &str) {
    match ids.iter().position(|x| *x == id) {
        Some(i) => w.write_u64(i as u64 + 1),
        None => {
            w.write_u64(0);
            w.write_str(id);
        }
    }
}

#[inline]
fn read_ref(r: &mut ByteReader, ids: &[String]) -> Result<String, LinkError> {
    match r.read_u64()? {
        0 => read_str(r, MAX_SHORT),
        i => usize::try_from(i - 1)
            .ok()
            .and_then(|i| ids.get(i).cloned())
            .ok_or_else(|| bad("a component")),
    }
}

/// The number `n` of an id `prefix-n`, when the id has that form exactly.
#[inline]
fn id_number(kind: Kind, id: &str) -> Option<u64> {
    let n = id.strip_prefix(kind.id_prefix())?.strip_prefix('-')?;
    let v: u64 = n.parse().ok()?;
    (v.to_string() == n).then_some(v)
}

#[inline]
fn default_name(kind: Kind, n: u64) -> String {
    format!("{} {n}", kind.label())
}

// Node flags.
const NODE_ID_NUMBERED: u8 = 1;
const NODE_NAME_DEFAULT: u8 = 2;
const NODE_IN_DC: u8 = 4;

#[inline]
fn write_param(w: &mut ByteWriter, kind: Kind, key: &str, v: &ParamValue) {
    let specs = kind.params();
    match specs.iter().position(|s| s.key == key) {
        Some(i) => w.write_u64(i as u64 + 1),
        None => {
            w.write_u64(0);
            w.write_str(key);
        }
    }
    let spec = specs.iter().find(|s| s.key == key);
    match (v, spec.map(|s| &s.ty)) {
        (ParamValue::Text(t), Some(ParamType::Choice { options, .. }))
            if options.iter().any(|o| o.key == t) =>
        {
            w.write_u8(3);
            w.write_u64(options.iter().position(|o| o.key == t).unwrap_or(0) as u64);
        }
        (ParamValue::Bool(b), _) => w.write_u8(u8::from(*b)),
        (ParamValue::Num(x), _) => {
            w.write_u8(2);
            write_num(w, *x);
        }
        (ParamValue::Text(t), _) => {
            w.write_u8(4);
            w.write_str(t);
        }
    }
}

#[inline]
fn read_param(r: &mut ByteReader, kind: Kind) -> Result<(String, ParamValue), LinkError> {
    let specs = kind.params();
    let key = match r.read_u64()? {
        0 => read_str(r, MAX_SHORT)?,
        i => specs
            .get((i - 1) as usize)
            .map(|s| s.key.to_string())
            .ok_or_else(|| bad("a setting"))?,
    };
    let value = match r.read_u8()? {
        0 => ParamValue::Bool(false),
        1 => ParamValue::Bool(true),
        2 => ParamValue::Num(read_num(r)?),
        3 => {
            let options = match specs.iter().find(|s| s.key == key).map(|s| &s.ty) {
                Some(ParamType::Choice { options, .. }) => *options,
                _ => return Err(bad("a choice")),
            };
            let o = read_of(r, options, "a choice")?;
            ParamValue::Text(o.key.to_string())
        }
        4 => ParamValue::Text(read_str(r, MAX_SHORT)?),
        _ => return Err(bad("a kind of setting")),
    };
    Ok((key, value))
}

/// Nodes, edges and data centers (a diagram's, or a chapter's additions).
#[inline]
fn write_parts(w: &mut ByteWriter, nodes: &[Node], edges: &[Edge], dcs: &[DataCenter]) {
    w.write_u64(dcs.len() as u64);
    for dc in dcs {
        w.write_str(&dc.id);
        w.write_str(&dc.name);
        w.write_u64(dc.region.index() as u64);
        for v in [dc.x, dc.y, dc.w, dc.h] {
            write_num(w, v);
        }
    }
    w.write_u64(nodes.len() as u64);
    for n in nodes {
        let number = id_number(n.kind, &n.id);
        let mut flags = 0;
        if number.is_some() {
            flags |= NODE_ID_NUMBERED;
        }
        if number.is_some_and(|k| n.name == default_name(n.kind, k)) {
            flags |= NODE_NAME_DEFAULT;
        }
        if n.dc.is_some() {
            flags |= NODE_IN_DC;
        }
        w.write_u8(flags);
        w.write_u64(n.kind as u64);
        match number {
            Some(k) => w.write_u64(k),
            None => w.write_str(&n.id),
        }
        if flags & NODE_NAME_DEFAULT == 0 {
            w.write_str(&n.name);
        }
        write_num(w, n.x);
        write_num(w, n.y);
        if let Some(dc) = &n.dc {
            match dcs.iter().position(|d| &d.id == dc) {
                Some(i) => w.write_u64(i as u64 + 1),
                None => {
                    w.write_u64(0);
                    w.write_str(dc);
                }
            }
        }
        w.write_u64(n.params.len() as u64);
        for (k, v) in &n.params {
            write_param(w, n.kind, k, v);
        }
    }
    let ids: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    w.write_u64(edges.len() as u64);
    for e in edges {
        write_ref(w, &ids, &e.from);
        write_ref(w, &ids, &e.to);
    }
}

type Parts = (Vec<Node>, Vec<Edge>, Vec<DataCenter>);

#[inline]
fn read_parts(r: &mut ByteReader) -> Result<Parts, LinkError> {
    let n_dcs = r.read_len(MAX_DATA_CENTERS)?;
    let mut dcs = Vec::with_capacity(n_dcs);
    for _ in 0..n_dcs {
        let id = read_str(r, MAX_SHORT)?;
        let name = read_str(r, MAX_SHORT)?;
        let region = read_of(r, Region::ALL, "a region")?;
        let (x, y, w, h) = (read_num(r)?, read_num(r)?, read_num(r)?, read_num(r)?);
        dcs.push(DataCenter {
            id,
            name,
            region,
            x,
            y,
            w,
            h,
        });
    }
    let n_nodes = r.read_len(MAX_NODES)?;
    let mut nodes = Vec::with_capacity(n_nodes);
    for _ in 0..n_nodes {
        let flags = r.read_u8()?;
        if flags & !(NODE_ID_NUMBERED | NODE_NAME_DEFAULT | NODE_IN_DC) != 0 {
            return Err(bad("a kind of component entry"));
        }
        let kind = read_of(r, Kind::ALL, "a kind of component")?;
        let (id, number) = if flags & NODE_ID_NUMBERED != 0 {
            let k = r.read_u64()?;
            (format!("{}-{k}", kind.id_prefix()), Some(k))
        } else {
            (read_str(r, MAX_SHORT)?, None)
        };
        let name = match (flags & NODE_NAME_DEFAULT != 0, number) {
            (true, Some(k)) => default_name(kind, k),
            (true, None) => return Err(bad("a default name")),
            (false, _) => read_str(r, MAX_SHORT)?,
        };
        let (x, y) = (read_num(r)?, read_num(r)?);
        let dc = if flags & NODE_IN_DC != 0 {
            Some(match r.read_u64()? {
                0 => read_str(r, MAX_SHORT)?,
                i => dcs
                    .get((i - 1) as usize)
                    .map(|d| d.id.clone())
                    .ok_or_else(|| bad("a data center"))?,
            })
        } else {
            None
        };
        let n_params = r.read_len(MAX_PARAMS)?;
        let mut params = VecMap::new();
        for _ in 0..n_params {
            let (k, v) = read_param(r, kind)?;
            if params.insert(k, v).is_some() {
                return Err(LinkError::Damaged(
                    "It gives a component the same setting twice.".into(),
                ));
            }
        }
        nodes.push(Node {
            id,
            kind,
            name,
            x,
            y,
            dc,
            params,
        });
    }
    let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let n_edges = r.read_len(MAX_EDGES)?;
    let mut edges = Vec::with_capacity(n_edges);
    for _ in 0..n_edges {
        let from = read_ref(r, &ids)?;
        let to = read_ref(r, &ids)?;
        edges.push(Edge { from, to });
    }
    Ok((nodes, edges, dcs))
}

#[inline]
pub fn write_diagram(w: &mut ByteWriter, d: &Diagram) {
    write_parts(w, &d.nodes, &d.edges, &d.data_centers);
}

#[inline]
pub fn read_diagram(r: &mut ByteReader) -> Result<Diagram, LinkError> {
    let (nodes, edges, data_centers) = read_parts(r)?;
    Ok(Diagram {
        nodes,
        edges,
        data_centers,
        ..Diagram::default()
    })
}

#[inline]
fn write_traffic(w: &mut ByteWriter, t: &Traffic) {
    match t.profile {
        Profile::Constant => w.write_u8(0),
        Profile::Ramp { from_rps } => {
            w.write_u8(1);
            write_num(w, from_rps);
        }
        Profile::Daily => w.write_u8(2),
        Profile::Spike {
            at_s,
            len_s,
            factor,
        } => {
            w.write_u8(3);
            w.write_u64(at_s.into());
            w.write_u64(len_s.into());
            write_num(w, factor);
        }
    }
    write_num(w, t.rps);
}

#[inline]
fn read_traffic(r: &mut ByteReader) -> Result<Traffic, LinkError> {
    let profile = match r.read_u8()? {
        0 => Profile::Constant,
        1 => Profile::Ramp {
            from_rps: read_num(r)?,
        },
        2 => Profile::Daily,
        3 => Profile::Spike {
            at_s: read_u32(r)?,
            len_s: read_u32(r)?,
            factor: read_num(r)?,
        },
        _ => return Err(bad("a traffic profile")),
    };
    Ok(Traffic {
        profile,
        rps: read_num(r)?,
    })
}

/// Writes a scenario; node ids are written relative to `d`, the diagram it runs on.
/// `with_random_failures` says whether the format holds them (link format
/// [`RANDOM_FAILURES_SINCE`] and later, records, every compiled course).
#[inline]
pub fn write_scenario(w: &mut ByteWriter, s: &Scenario, d: &Diagram, with_random_failures: bool) {
    let ids: Vec<&str> = d.nodes.iter().map(|n| n.id.as_str()).collect();
    let dc_ids: Vec<&str> = d.data_centers.iter().map(|c| c.id.as_str()).collect();
    w.write_u64(s.duration_s.into());
    w.write_u64(s.seed);
    w.write_u64(s.client_timeout_ms.into());
    write_num(w, s.job_ms);
    write_num(w, s.latency_scale);
    w.write_u64(s.traffic.len() as u64);
    for (id, t) in &s.traffic {
        write_ref(w, &ids, id);
        write_traffic(w, t);
    }
    match &s.default_traffic {
        None => w.write_u8(0),
        Some(t) => {
            w.write_u8(1);
            write_traffic(w, t);
        }
    }
    for x in s.mix.shares() {
        write_num(w, x);
    }
    match s.keys {
        KeyPopularity::Uniform { keys } => {
            w.write_u8(0);
            w.write_u64(keys.into());
        }
        KeyPopularity::Zipf { keys, s } => {
            w.write_u8(1);
            w.write_u64(keys.into());
            write_num(w, s);
        }
    }
    w.write_u64(s.events.len() as u64);
    for e in &s.events {
        write_num(w, e.at_s);
        match &e.action {
            Action::KillNode(id) => {
                w.write_u8(0);
                write_ref(w, &ids, id);
            }
            Action::RestoreNode(id) => {
                w.write_u8(1);
                write_ref(w, &ids, id);
            }
            Action::KillDc(id) => {
                w.write_u8(2);
                write_ref(w, &dc_ids, id);
            }
            Action::RestoreDc(id) => {
                w.write_u8(3);
                write_ref(w, &dc_ids, id);
            }
            Action::Reshard { node, shards } => {
                w.write_u8(4);
                write_ref(w, &ids, node);
                w.write_u64((*shards).into());
            }
        }
    }
    w.write_u64(s.windows.len() as u64);
    for win in &s.windows {
        w.write_str(&win.name);
        write_num(w, win.from_s);
        write_num(w, win.to_s);
    }
    if with_random_failures {
        match &s.random_failures {
            None => w.write_u8(0),
            Some(rf) => {
                w.write_u8(1);
                w.write_u64(rf.kinds.len() as u64);
                for k in &rf.kinds {
                    w.write_u64(position(Kind::ALL, k));
                }
                write_num(w, rf.every_s);
                write_num(w, rf.down_s);
            }
        }
    }
}

/// Reads what [`write_scenario`] wrote with the same `with_random_failures`.
#[inline]
pub fn read_scenario(
    r: &mut ByteReader,
    d: &Diagram,
    with_random_failures: bool,
) -> Result<Scenario, LinkError> {
    let ids: Vec<String> = d.nodes.iter().map(|n| n.id.clone()).collect();
    let dc_ids: Vec<String> = d.data_centers.iter().map(|c| c.id.clone()).collect();
    let duration_s = read_u32(r)?;
    let seed = r.read_u64()?;
    let client_timeout_ms = read_u32(r)?;
    let job_ms = read_num(r)?;
    let latency_scale = read_num(r)?;
    let n_traffic = r.read_len(MAX_NODES)?;
    let mut traffic = VecMap::new();
    for _ in 0..n_traffic {
        let id = read_ref(r, &ids)?;
        traffic.insert(id, read_traffic(r)?);
    }
    let default_traffic = match r.read_u8()? {
        0 => None,
        1 => Some(read_traffic(r)?),
        _ => return Err(bad("an option")),
    };
    let mut shares = [0.0; 6];
    for x in &mut shares {
        *x = read_num(r)?;
    }
    let [page_read, api_read, write, static_asset, upload, background_job] = shares;
    let mix = RequestMix {
        page_read,
        api_read,
        write,
        static_asset,
        upload,
        background_job,
    };
    let keys = match r.read_u8()? {
        0 => KeyPopularity::Uniform { keys: read_u32(r)? },
        1 => KeyPopularity::Zipf {
            keys: read_u32(r)?,
            s: read_num(r)?,
        },
        _ => return Err(bad("a key popularity")),
    };
    let n_events = r.read_len(MAX_EVENTS)?;
    let mut events = Vec::with_capacity(n_events);
    for _ in 0..n_events {
        let at_s = read_num(r)?;
        let action = match r.read_u8()? {
            0 => Action::KillNode(read_ref(r, &ids)?),
            1 => Action::RestoreNode(read_ref(r, &ids)?),
            2 => Action::KillDc(read_ref(r, &dc_ids)?),
            3 => Action::RestoreDc(read_ref(r, &dc_ids)?),
            4 => Action::Reshard {
                node: read_ref(r, &ids)?,
                shards: read_u32(r)?,
            },
            _ => return Err(bad("a kind of event")),
        };
        events.push(ScheduledEvent { at_s, action });
    }
    let n_windows = r.read_len(MAX_WINDOWS)?;
    let mut windows = Vec::with_capacity(n_windows);
    for _ in 0..n_windows {
        windows.push(Window {
            name: read_str(r, MAX_SHORT)?,
            from_s: read_num(r)?,
            to_s: read_num(r)?,
        });
    }
    let random_failures = if !with_random_failures {
        None
    } else {
        match r.read_u8()? {
            0 => None,
            1 => {
                let n = r.read_len(Kind::ALL.len())?;
                let mut kinds = Vec::with_capacity(n);
                for _ in 0..n {
                    kinds.push(read_of(r, Kind::ALL, "a kind of component")?);
                }
                Some(RandomFailures {
                    kinds,
                    every_s: read_num(r)?,
                    down_s: read_num(r)?,
                })
            }
            _ => return Err(bad("an option")),
        }
    };
    Ok(Scenario {
        version: SCENARIO_VERSION,
        random_failures,
        duration_s,
        seed,
        traffic,
        default_traffic,
        mix,
        keys,
        client_timeout_ms,
        events,
        windows,
        job_ms,
        latency_scale,
    })
}

/// Goals; node ids are written relative to `d`.
#[inline]
pub fn write_goals(w: &mut ByteWriter, goals: &[Goal], d: &Diagram) {
    let ids: Vec<&str> = d.nodes.iter().map(|n| n.id.as_str()).collect();
    w.write_u64(goals.len() as u64);
    for g in goals {
        match g {
            Goal::Metric {
                metric,
                op,
                value,
                window,
                request_kind,
                label,
            } => {
                w.write_u8(0);
                w.write_u64(*metric as u64);
                w.write_u64(*op as u64);
                write_num(w, *value);
                write_opt_str(w, window);
                write_opt_of(w, RequestKind::ALL, request_kind.as_ref());
                write_opt_str(w, label);
            }
            Goal::NodeMetric {
                node,
                kind,
                metric,
                op,
                value,
                label,
            } => {
                w.write_u8(1);
                match node {
                    None => w.write_u8(0),
                    Some(id) => {
                        w.write_u8(1);
                        write_ref(w, &ids, id);
                    }
                }
                write_opt_of(w, Kind::ALL, kind.as_ref());
                w.write_u64(*metric as u64);
                w.write_u64(*op as u64);
                write_num(w, *value);
                write_opt_str(w, label);
            }
            Goal::Has {
                kind,
                at_least,
                label,
            } => {
                w.write_u8(2);
                w.write_u64(*kind as u64);
                w.write_u64((*at_least).into());
                write_opt_str(w, label);
            }
            Goal::NoSinglePointOfFailure { kind, label } => {
                w.write_u8(3);
                write_opt_of(w, Kind::ALL, kind.as_ref());
                write_opt_str(w, label);
            }
            Goal::SessionsNotOnWebServers { label } => {
                w.write_u8(4);
                write_opt_str(w, label);
            }
        }
    }
}

#[inline]
pub fn read_goals(r: &mut ByteReader, d: &Diagram) -> Result<Vec<Goal>, LinkError> {
    let ids: Vec<String> = d.nodes.iter().map(|n| n.id.clone()).collect();
    let n = r.read_len(MAX_LIST)?;
    let mut goals = Vec::with_capacity(n);
    for _ in 0..n {
        let g = match r.read_u8()? {
            0 => Goal::Metric {
                metric: read_of(r, Metric::ALL, "a measure")?,
                op: read_of(r, Op::ALL, "a comparison")?,
                value: read_num(r)?,
                window: read_opt_str(r, MAX_SHORT)?,
                request_kind: read_opt_of(r, RequestKind::ALL, "a kind of request")?,
                label: read_opt_str(r, MAX_SHORT)?,
            },
            1 => Goal::NodeMetric {
                node: match r.read_u8()? {
                    0 => None,
                    1 => Some(read_ref(r, &ids)?),
                    _ => return Err(bad("an option")),
                },
                kind: read_opt_of(r, Kind::ALL, "a kind of component")?,
                metric: read_of(r, NodeMetric::ALL, "a measure")?,
                op: read_of(r, Op::ALL, "a comparison")?,
                value: read_num(r)?,
                label: read_opt_str(r, MAX_SHORT)?,
            },
            2 => Goal::Has {
                kind: read_of(r, Kind::ALL, "a kind of component")?,
                at_least: read_u32(r)?,
                label: read_opt_str(r, MAX_SHORT)?,
            },
            3 => Goal::NoSinglePointOfFailure {
                kind: read_opt_of(r, Kind::ALL, "a kind of component")?,
                label: read_opt_str(r, MAX_SHORT)?,
            },
            4 => Goal::SessionsNotOnWebServers {
                label: read_opt_str(r, MAX_SHORT)?,
            },
            _ => return Err(bad("a kind of goal")),
        };
        goals.push(g);
    }
    Ok(goals)
}

#[inline]
fn write_texts(w: &mut ByteWriter, texts: &[String]) {
    w.write_u64(texts.len() as u64);
    for t in texts {
        w.write_str(t);
    }
}

#[inline]
fn read_texts(r: &mut ByteReader) -> Result<Vec<String>, LinkError> {
    let n = r.read_len(MAX_LIST)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(read_str(r, MAX_TEXT)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// Links

const HAS_SCENARIO: u8 = 1;
const HAS_CHALLENGE: u8 = 2;

/// The link text (what follows `#` in the address) for `shared`.
#[inline]
pub fn to_link(shared: &Shared) -> String {
    let mut w = ByteWriter::new();
    let mut flags = 0;
    if shared.scenario.is_some() {
        flags |= HAS_SCENARIO;
    }
    if shared.challenge.is_some() {
        flags |= HAS_CHALLENGE;
    }
    w.write_u8(flags);
    write_diagram(&mut w, &shared.diagram);
    if let Some(s) = &shared.scenario {
        write_scenario(&mut w, s, &shared.diagram, true);
    }
    if let Some(c) = &shared.challenge {
        w.write_str(&c.title);
        w.write_str(&c.text);
        write_goals(&mut w, &c.goals, &shared.diagram);
    }
    format!("s={}", pack(&w.into_bytes()))
}

/// Reads a link: the whole address, or what follows its `#`. What it holds is checked
/// like a file: a design the engine would refuse is refused here, with its reasons.
/// The design is fitted as a file would take it ([`Diagram::fit_for_file`]): a
/// hand-made link may place a component far off the canvas or give it no name or a
/// long one, which the editor never does.
#[inline]
pub fn from_link(text: &str) -> Result<Shared, LinkError> {
    let text = text.trim();
    let fragment = text.rsplit_once('#').map_or(text, |(_, f)| f);
    let code = fragment.strip_prefix("s=").ok_or(LinkError::NotALink)?;
    let (version, body) = unpack(code, MAX_LINK_CHARS, MAX_LINK_BODY)?;
    let mut r = ByteReader::new(&body);
    let flags = r.read_u8()?;
    if flags & !(HAS_SCENARIO | HAS_CHALLENGE) != 0 {
        return Err(bad("a part"));
    }
    let diagram = read_diagram(&mut r)?.fit_for_file();
    let scenario = if flags & HAS_SCENARIO != 0 {
        Some(read_scenario(
            &mut r,
            &diagram,
            version >= RANDOM_FAILURES_SINCE,
        )?)
    } else {
        None
    };
    let challenge = if flags & HAS_CHALLENGE != 0 {
        Some(Challenge {
            title: read_str(&mut r, MAX_SHORT)?,
            text: read_str(&mut r, MAX_TEXT)?,
            goals: read_goals(&mut r, &diagram)?,
        })
    } else {
        None
    };
    r.finish()?;
    let shared = Shared {
        diagram,
        scenario,
        challenge,
    };
    let problems = shared.problems();
    if !problems.is_empty() {
        return Err(LinkError::Invalid(problems));
    }
    Ok(shared)
}

/// The check of a compressed body: its FNV-1a hash folded to 16 bits, which all but
/// about one in 65,536 damaged bodies fail.
#[inline]
fn check(compressed: &[u8]) -> [u8; 2] {
    let h = crate::digest::fnv1a(crate::digest::FNV_START, compressed);
    let h = h ^ h >> 32;
    ((h ^ h >> 16) as u16).to_le_bytes()
}

/// The text of a link or a record after `s=` or `r=`: base64url of the format version,
/// the check of the compressed body and the body compressed.
#[inline]
pub fn pack(body: &[u8]) -> String {
    let compressed = lz::compress(body);
    let mut payload = vec![LINK_VERSION];
    payload.extend(check(&compressed));
    payload.extend(compressed);
    base64url::encode(&payload)
}

/// The format version and the body of what [`pack`] wrote (or an older version
/// without the check), read with these limits on the text and on the body.
#[inline]
pub fn unpack(code: &str, max_chars: usize, max_body: usize) -> Result<(u8, Vec<u8>), LinkError> {
    let payload = base64url::decode(code, max_chars).map_err(|e| match e {
        base64url::DecodeError::InvalidChar { .. } if code.is_empty() => LinkError::NotALink,
        e => LinkError::Damaged(e.to_string()),
    })?;
    let (&version, mut body) = payload.split_first().ok_or(LinkError::NotALink)?;
    if version > LINK_VERSION {
        return Err(LinkError::TooNew { found: version });
    }
    if version == 0 {
        return Err(LinkError::NotALink);
    }
    if version >= CHECKED_SINCE {
        let sum;
        (sum, body) = body.split_at_checked(2).unwrap_or((&[], body));
        if sum != check(body) {
            return Err(LinkError::Damaged(
                "Some of its characters were changed or lost on the way: it does not match its own check."
                    .into(),
            ));
        }
    }
    let body = lz::decompress(body, max_body).map_err(|e| LinkError::Damaged(e.to_string()))?;
    Ok((version, body))
}

impl Shared {
    /// What the engine refuses in it: the diagram's errors, the scenario's, the goals',
    /// and a window name, title or goal label over 64 characters (what files and the
    /// page's fields keep, although a link holds 256 bytes).
    ///
    /// A challenge's diagram is where the solver starts, and may be unfinished (only
    /// the Users, say): only its form is checked (limits, ids, settings, allowed
    /// connections); the solver's design is checked when they run it.
    #[inline]
    pub fn problems(&self) -> Vec<String> {
        use crate::finding::Severity;
        let findings = if self.challenge.is_some() {
            self.diagram.validate_form()
        } else {
            self.diagram.validate()
        };
        let mut out: Vec<String> = findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.message)
            .collect();
        if let Some(s) = &self.scenario {
            out.extend(s.validate(&self.diagram).into_iter().map(|f| f.message));
            if let Some(c) = &self.challenge {
                let goals = crate::goals::goal_problems(&c.goals, &self.diagram, s);
                out.extend(goals.into_iter().map(|(_, m)| m));
            }
        } else if self.challenge.is_some() {
            out.push("A challenge needs a scenario to check its goals against.".into());
        }
        // The page's fields and files keep these texts to 64 characters; a link holds
        // 256 bytes, so a hand-made one could carry a text a saved file would refuse.
        let mut long = |what: &str, text: &str| {
            let chars = text.chars().count();
            if chars > crate::format::MAX_LABEL_CHARS {
                out.push(format!(
                    "{what} (\"{}\") has {chars} characters; it can have at most {}.",
                    crate::format::short(text),
                    crate::format::MAX_LABEL_CHARS
                ));
            }
        };
        for w in self.scenario.iter().flat_map(|s| &s.windows) {
            long("A time window's name", &w.name);
        }
        if let Some(c) = &self.challenge {
            long("The challenge's title", &c.title);
            for label in c.goals.iter().filter_map(|g| g.custom_label()) {
                long("A goal's label", label);
            }
        }
        out
    }

    /// Why its link would not open, if it would not: what the reader refuses (a name,
    /// label or title over 256 bytes, a text over 16 KB, more than 256 goals) is said
    /// to whoever makes the link, not to whoever opens it. `scalelab-cli link` asks
    /// this; the page need not (its title field keeps 64 characters, names 40, and an
    /// imported file the saved form could not hold is refused on import).
    #[inline]
    pub fn link_problem(&self) -> Option<String> {
        match from_link(&to_link(self)) {
            Ok(_) => None,
            Err(LinkError::Damaged(why)) => Some(format!("A link cannot hold this. {why}")),
            Err(e) => Some(e.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------
// Compiled courses

const MAGIC: &[u8; 4] = b"SLC\0";

/// The lessons of a course in one compact file (what the browser loads).
#[inline]
pub fn compile_course(title: &str, lessons: &[Lesson]) -> Vec<u8> {
    let mut w = ByteWriter::new();
    w.write_str(title);
    w.write_u64(lessons.len() as u64);
    for l in lessons {
        write_lesson(&mut w, l);
    }
    let mut out = MAGIC.to_vec();
    out.push(COURSE_VERSION);
    out.extend(lz::compress(&w.into_bytes()));
    out
}

/// Reads what [`compile_course`] wrote: the course title and its lessons.
/// Errors are [`LinkError::Course`], worded for a course rather than a link.
#[inline]
pub fn read_course(bytes: &[u8]) -> Result<(String, Vec<Lesson>), LinkError> {
    let course = |why: String| LinkError::Course(why);
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| course("The file is not a compiled Scale Lab course.".into()))?;
    let (&version, body) = rest
        .split_first()
        .ok_or_else(|| course("The file ends before its format version.".into()))?;
    if version != COURSE_VERSION {
        let age = if version < COURSE_VERSION {
            "an older"
        } else {
            "a newer"
        };
        return Err(course(format!(
            "It was compiled by {age} version of Scale Lab (format {version}; this version reads format {COURSE_VERSION}): rebuild it with `scalelab-cli compile-lessons`."
        )));
    }
    read_course_body(body).map_err(|e| match e {
        LinkError::Damaged(why) => course(format!("The file is damaged. {why}")),
        LinkError::Invalid(problems) => course(problems.join(" ")),
        e => course(e.to_string()),
    })
}

#[inline]
fn read_course_body(body: &[u8]) -> Result<(String, Vec<Lesson>), LinkError> {
    let body =
        lz::decompress(body, MAX_COURSE_BODY).map_err(|e| LinkError::Damaged(e.to_string()))?;
    let mut r = ByteReader::new(&body);
    let title = read_str(&mut r, MAX_SHORT)?;
    let n = r.read_len(MAX_CHAPTERS)?;
    let mut lessons = Vec::with_capacity(n);
    for _ in 0..n {
        lessons.push(read_lesson(&mut r)?);
    }
    r.finish()?;
    Ok((title, lessons))
}

#[inline]
fn write_lesson(w: &mut ByteWriter, l: &Lesson) {
    for s in [&l.id, &l.title, &l.summary, &l.solution_note] {
        w.write_str(s);
    }
    write_texts(w, &l.text);
    write_texts(w, &l.hints);
    w.write_u64(l.unlocks.len() as u64);
    for k in &l.unlocks {
        w.write_u64(*k as u64);
    }
    w.write_u8(u8::from(l.unlocks_data_centers));
    // The solution first: the scenario and goals refer to its nodes.
    write_diagram(w, &l.solution);
    match &l.starter {
        Starter::Diagram(d) => {
            w.write_u8(0);
            write_diagram(w, d);
        }
        Starter::Continue(add) => {
            w.write_u8(1);
            write_parts(w, &add.nodes, &add.edges, &add.data_centers);
        }
    }
    write_scenario(w, &l.scenario, &l.solution, true);
    write_goals(w, &l.goals, &l.solution);
    match &l.prediction {
        None => w.write_u8(0),
        Some(p) => {
            w.write_u8(1);
            w.write_str(&p.question);
            write_texts(w, &p.choices);
            w.write_u64(p.answer as u64);
            w.write_str(&p.why);
            write_goals(w, &p.shows, &l.solution);
        }
    }
}

#[inline]
fn read_lesson(r: &mut ByteReader) -> Result<Lesson, LinkError> {
    let id = read_str(r, MAX_SHORT)?;
    let title = read_str(r, MAX_SHORT)?;
    let summary = read_str(r, MAX_TEXT)?;
    let solution_note = read_str(r, MAX_TEXT)?;
    let text = read_texts(r)?;
    let hints = read_texts(r)?;
    let n = r.read_len(Kind::ALL.len())?;
    let mut unlocks = Vec::with_capacity(n);
    for _ in 0..n {
        unlocks.push(read_of(r, Kind::ALL, "a kind of component")?);
    }
    let unlocks_data_centers = r.read_u8()? != 0;
    let solution = read_diagram(r)?;
    let starter = match r.read_u8()? {
        0 => Starter::Diagram(read_diagram(r)?),
        1 => {
            let (nodes, edges, data_centers) = read_parts(r)?;
            Starter::Continue(Additions {
                nodes,
                edges,
                data_centers,
            })
        }
        _ => return Err(bad("a kind of starter")),
    };
    let scenario = read_scenario(r, &solution, true)?;
    let goals = read_goals(r, &solution)?;
    let prediction = match r.read_u8()? {
        0 => None,
        1 => Some(Prediction {
            question: read_str(r, MAX_TEXT)?,
            choices: read_texts(r)?,
            answer: r.read_len(MAX_LIST)?,
            why: read_str(r, MAX_TEXT)?,
            shows: read_goals(r, &solution)?,
        }),
        _ => return Err(bad("an option")),
    };
    Ok(Lesson {
        id,
        title,
        summary,
        text,
        unlocks,
        unlocks_data_centers,
        starter,
        scenario,
        goals,
        hints,
        prediction,
        solution,
        solution_note,
    })
}

#[cfg(test)]
mod tests;
