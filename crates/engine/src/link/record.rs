//! Records: a diagram, a scenario or goals on their own, in the links' binary form. The
//! app keeps its local storage in this form and hands files to and from the JSON
//! reader (a module of its own, loaded only when a file is imported or exported) in
//! it, so the page itself carries no JSON code.
//!
//! A record's text is `r=` then base64url of: one format-version byte (the link
//! format's), then the LZ-compressed body: a tag byte and the parts. Unlike a link, a
//! record is not checked as a design: a sandbox saved mid-edit may be unfinished, and
//! a file was checked by its reader. Only its readability is.

use super::bytes::{ByteReader, ByteWriter};
use super::{
    base64url, lz, read_diagram, read_goals, read_scenario, unpack, write_diagram, write_goals,
    write_scenario, LinkError, LINK_VERSION,
};
use crate::diagram::Diagram;
use crate::goals::Goal;
use crate::scenario::Scenario;

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
            write_scenario(&mut w, s, d, LINK_VERSION);
        }
        Record::Scenario(s) => {
            w.write_u8(SCENARIO);
            write_scenario(&mut w, s, &none, LINK_VERSION);
        }
        Record::Goals(g) => {
            w.write_u8(GOALS);
            write_goals(&mut w, g, &none);
        }
    }
    let mut payload = vec![LINK_VERSION];
    payload.extend(lz::compress(&w.into_bytes()));
    format!("r={}", base64url::encode(&payload))
}

/// Reads what [`to_record`] wrote. `NotALink` when the text is not a record (a value
/// saved by an older Scale Lab, say); the other errors when it is one that does not
/// read.
pub fn from_record(text: &str) -> Result<Record, LinkError> {
    let code = text.strip_prefix("r=").ok_or(LinkError::NotALink)?;
    let (version, body) = unpack(code, MAX_RECORD_CHARS, MAX_RECORD_BODY)?;
    let mut r = ByteReader::new(&body);
    let none = Diagram::default();
    let record = match r.read_u8()? {
        DIAGRAM => Record::Diagram(read_diagram(&mut r)?),
        SANDBOX => {
            let d = read_diagram(&mut r)?;
            let s = read_scenario(&mut r, &d, version)?;
            Record::Sandbox(d, s)
        }
        SCENARIO => Record::Scenario(read_scenario(&mut r, &none, version)?),
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
