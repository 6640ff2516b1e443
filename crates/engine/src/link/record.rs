//! Records: a diagram, a scenario or goals on their own, in the links' binary form. The
//! app keeps its local storage in this form and hands files to and from the JSON
//! reader (a module of its own, loaded only when a file is imported or exported) in
//! it, so the page itself carries no JSON code.
//!
//! A record's text is `r=` then what [`super::pack`] makes of its body, as a link's
//! (the version byte, the check, the compressed body): a tag byte and the parts. Unlike a link, a
//! record is not checked as a design: a sandbox saved mid-edit may be unfinished, and
//! a file was checked by its reader. Only its readability is.

use super::bytes::{ByteReader, ByteWriter};
use super::{
    pack, read_diagram, read_goals, read_scenario, unpack, write_diagram, write_goals,
    write_scenario, LinkError, MAX_LIST, MAX_SHORT, RANDOM_FAILURES_SINCE,
};
use crate::catalog::ParamValue;
use crate::components::Kind;
use crate::diagram::{Diagram, MAX_DATA_CENTERS, MAX_EDGES, MAX_NODES};
use crate::goals::Goal;
use crate::scenario::{Scenario, MAX_EVENTS, MAX_WINDOWS};

/// Longest record text accepted (local storage holds a few megabytes at most).
pub const MAX_RECORD_CHARS: usize = 4 << 20;
/// Most bytes a record's body may expand to.
const MAX_RECORD_BODY: usize = 8 << 20;

/// What a record holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Diagram(Diagram),
    /// The sandbox: a diagram and the scenario it runs under.
    Sandbox(Diagram, Scenario),
    Scenario(Scenario),
    Goals(Vec<Goal>),
}

const DIAGRAM: u8 = 1;
const SANDBOX: u8 = 2;
const SCENARIO: u8 = 3;
const GOALS: u8 = 4;

/// The record's text.
#[inline]
pub fn to_record(record: &Record) -> String {
    // Node ids in a scenario or goals on their own are written as text (they refer to
    // no diagram).
    let none = Diagram::default();
    let mut w = ByteWriter::new();
    match record {
        Record::Diagram(d) => {
            w.write_u8(DIAGRAM);
            write_diagram(&mut w, d);
        }
        Record::Sandbox(d, s) => {
            w.write_u8(SANDBOX);
            write_diagram(&mut w, d);
            write_scenario(&mut w, s, d, true);
        }
        Record::Scenario(s) => {
            w.write_u8(SCENARIO);
            write_scenario(&mut w, s, &none, true);
        }
        Record::Goals(g) => {
            w.write_u8(GOALS);
            write_goals(&mut w, g, &none);
        }
    }
    format!("r={}", pack(&w.into_bytes()))
}

/// Reads what [`to_record`] wrote. `NotALink` when the text is not a record (a value
/// saved by an older Scale Lab, say); the other errors when it is one that does not
/// read.
#[inline]
pub fn from_record(text: &str) -> Result<Record, LinkError> {
    let code = text.strip_prefix("r=").ok_or(LinkError::NotALink)?;
    let (version, body) = unpack(code, MAX_RECORD_CHARS, MAX_RECORD_BODY)?;
    let mut r = ByteReader::new(&body);
    let none = Diagram::default();
    let random_failures = version >= RANDOM_FAILURES_SINCE;
    let record = match r.read_u8()? {
        DIAGRAM => Record::Diagram(read_diagram(&mut r)?),
        SANDBOX => {
            let d = read_diagram(&mut r)?;
            let s = read_scenario(&mut r, &d, random_failures)?;
            Record::Sandbox(d, s)
        }
        SCENARIO => Record::Scenario(read_scenario(&mut r, &none, random_failures)?),
        GOALS => Record::Goals(read_goals(&mut r, &none)?),
        _ => {
            return Err(LinkError::Damaged(
                "It holds a kind of record this version of Scale Lab does not know.".into(),
            ))
        }
    };
    r.finish()?;
    Ok(record)
}

/// Why `record` holds more than the record (and link) form keeps, in the learner's
/// words, or `None` when it fits. A file is read into a record the moment it is
/// imported, so this is asked first: a file the form cannot hold is refused with the
/// reason, rather than kept in a form that could not be read back.
#[inline]
pub fn does_not_fit(record: &Record) -> Option<String> {
    fits(record).err()
}

#[inline]
fn fits(record: &Record) -> Result<(), String> {
    let (diagram, scenario, goals) = match record {
        Record::Diagram(d) => (Some(d), None, None),
        Record::Sandbox(d, s) => (Some(d), Some(s), None),
        Record::Scenario(s) => (None, Some(s), None),
        Record::Goals(g) => (None, None, Some(g)),
    };
    if let Some(d) = diagram {
        count(d.nodes.len(), MAX_NODES, "components")?;
        count(d.edges.len(), MAX_EDGES, "connections")?;
        count(d.data_centers.len(), MAX_DATA_CENTERS, "data centers")?;
        for c in &d.data_centers {
            short(&c.id, || "A data center's id".into())?;
            short(&c.name, || "A data center's name".into())?;
        }
        for n in &d.nodes {
            short(&n.id, || "A component's id".into())?;
            short(&n.name, || "A component's name".into())?;
            for v in n.params.values() {
                if let ParamValue::Text(t) = v {
                    short(t, || {
                        format!("A setting of {}", crate::format::short(&n.id))
                    })?;
                }
            }
        }
    }
    if let Some(s) = scenario {
        count(s.traffic.len(), MAX_NODES, "traffic settings")?;
        count(s.events.len(), MAX_EVENTS, "scheduled events")?;
        count(s.windows.len(), MAX_WINDOWS, "time windows")?;
        for w in &s.windows {
            short(&w.name, || "A time window's name".into())?;
        }
        if let Some(rf) = &s.random_failures {
            let what = "kinds of component in its random failures";
            count(rf.kinds.len(), Kind::ALL.len(), what)?;
        }
    }
    if let Some(goals) = goals {
        count(goals.len(), MAX_LIST, "goals")?;
        for g in goals {
            let (window, label) = match g {
                Goal::Metric { window, label, .. } => (window.as_deref(), label),
                Goal::NodeMetric { label, .. }
                | Goal::Has { label, .. }
                | Goal::NoSinglePointOfFailure { label, .. }
                | Goal::SessionsNotOnWebServers { label } => (None, label),
            };
            short(window.unwrap_or(""), || "A goal's time window".into())?;
            short(label.as_deref().unwrap_or(""), || "A goal's label".into())?;
        }
    }
    Ok(())
}

/// At most `limit` of `what`.
#[inline]
fn count(n: usize, limit: usize, what: &str) -> Result<(), String> {
    match n > limit {
        true => Err(format!(
            "It has {} {what}; Scale Lab keeps at most {}.",
            crate::format::thousands(n as f64),
            crate::format::thousands(limit as f64)
        )),
        false => Ok(()),
    }
}

/// A name, id or label the form keeps: at most [`MAX_SHORT`] bytes.
#[inline]
fn short(text: &str, what: impl FnOnce() -> String) -> Result<(), String> {
    match text.len() > MAX_SHORT {
        true => Err(format!(
            "{} is too long: names, ids and labels may have at most {MAX_SHORT} characters \
             (letters outside the English alphabet count as two to four).",
            what()
        )),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Window;

    fn diagram(nodes: usize) -> Diagram {
        let mut d = Diagram::default();
        for i in 0..nodes {
            d.add_node(Kind::WebServer, i as f64, 0.0);
        }
        d
    }

    #[test]
    fn what_fits_reads_back_and_what_does_not_is_named() {
        // At every limit the record reads back as it was written.
        let mut d = diagram(MAX_NODES);
        d.nodes[0].name = "é".repeat(MAX_SHORT / 2);
        d.nodes[1].id = "w".repeat(MAX_SHORT);
        let s = Scenario {
            windows: (0..MAX_WINDOWS)
                .map(|i| Window {
                    name: format!("{i:0>width$}", width = MAX_SHORT),
                    from_s: 0.0,
                    to_s: 1.0,
                })
                .collect(),
            ..Scenario::default()
        };
        let fits = Record::Sandbox(d.clone(), s.clone());
        assert_eq!(does_not_fit(&fits), None);
        assert_eq!(from_record(&to_record(&fits)).unwrap(), fits);

        // One more of each is refused by the reader, and named here first.
        let mut more = diagram(MAX_NODES + 1);
        let why = does_not_fit(&Record::Diagram(more.clone())).unwrap();
        assert!(
            why.contains("501 components") && why.contains("at most 500"),
            "{why}"
        );
        assert!(from_record(&to_record(&Record::Diagram(more.clone()))).is_err());
        more.nodes.truncate(3);
        more.nodes[2].name = "é".repeat(MAX_SHORT / 2 + 1);
        let why = does_not_fit(&Record::Diagram(more.clone())).unwrap();
        assert!(why.starts_with("A component's name is too long"), "{why}");
        assert!(from_record(&to_record(&Record::Diagram(more))).is_err());
        let mut s = s;
        s.windows[3].name.push('x');
        let why = does_not_fit(&Record::Scenario(s)).unwrap();
        assert!(why.starts_with("A time window's name"), "{why}");
        // A text setting too long, of a component whose id is long too: the id is
        // shortened in the message.
        let mut long = diagram(1);
        long.nodes[0].id = "w".repeat(MAX_SHORT);
        long.nodes[0]
            .params
            .insert("note".into(), ParamValue::Text("t".repeat(MAX_SHORT + 1)));
        let why = does_not_fit(&Record::Diagram(long)).unwrap();
        let id = format!("{}…", "w".repeat(39));
        assert!(
            why.starts_with(&format!("A setting of {id} is too long")),
            "{why}"
        );
        let label = Some("g".repeat(MAX_SHORT + 1));
        let goals = vec![Goal::SessionsNotOnWebServers { label }];
        let why = does_not_fit(&Record::Goals(goals.clone())).unwrap();
        assert!(why.starts_with("A goal's label"), "{why}");
        assert!(from_record(&to_record(&Record::Goals(goals))).is_err());
    }
}
