//! Scale Lab's JSON files in the browser. The page keeps everything in the compact
//! record form (`scalelab_engine::link::record`) and carries no JSON code; this second
//! module, loaded the first time it is needed, turns files into records and back, and
//! upgrades what an older Scale Lab saved as JSON in local storage.
//!
//! Each function takes and returns text; a failure is a sentence for the learner.

use scalelab_engine::link::record::does_not_fit;
use scalelab_engine::link::{from_record, to_record, Record};
use scalelab_engine::progress::Progress;
use scalelab_engine::{Diagram, GoalSet, LevelRule, Scenario};
use wasm_bindgen::prelude::wasm_bindgen;

/// Trunk builds this as a module the page imports; it has nothing to start.
fn main() {}

/// Reads an imported diagram, scenario or goals file into its record. The error says
/// what is wrong and where.
#[wasm_bindgen]
pub fn read_file(text: &str) -> Result<String, String> {
    let (what, record) = if text.contains("\"goals\"") && !text.contains("\"nodes\"") {
        (
            "goals",
            GoalSet::from_json(text).map(|g| Record::Goals(g.goals)),
        )
    } else if ["\"duration_s\"", "\"traffic\"", "\"mix\"", "\"events\""]
        .iter()
        .any(|k| text.contains(k))
        && !text.contains("\"nodes\"")
    {
        ("scenario", Scenario::from_json(text).map(Record::Scenario))
    } else {
        let diagram = Diagram::from_json_with_levels(text).map(|(d, _)| Record::Diagram(d));
        ("diagram", diagram)
    };
    let record = record.map_err(|e| {
        // A whole sentence: the page goes on after it ("Nothing was changed.").
        let e = e.to_string();
        let stop = if e.ends_with(['.', '?', '!']) {
            ""
        } else {
            "."
        };
        format!("The {what} file could not be read: {e}{stop}")
    })?;
    match does_not_fit(&record) {
        Some(why) => Err(format!("The {what} file could not be opened. {why}")),
        None => Ok(to_record(&record)),
    }
}

/// The JSON file of a diagram, scenario or goals record.
#[wasm_bindgen]
pub fn write_file(record: &str) -> Result<String, String> {
    match from_record(record) {
        // Fitted, so the file reads back even from a hand-made link.
        Ok(Record::Diagram(d)) => Ok(d.fit_for_file().to_json_pretty()),
        Ok(Record::Scenario(s)) => Ok(s.to_json_pretty()),
        Ok(Record::Goals(goals)) => Ok(GoalSet::to_json_pretty(&goals)),
        Ok(Record::Sandbox(..)) | Err(_) => Err("There is nothing to save as a file.".into()),
    }
}

/// Upgrades a value an older Scale Lab kept as JSON under `key` in local storage to
/// today's form.
#[wasm_bindgen]
pub fn upgrade(key: &str, text: &str) -> Result<String, String> {
    let record = match key {
        "scalelab.sandbox" => legacy_sandbox(text).map(|(d, s)| Record::Sandbox(d, s))?,
        "scalelab.progress" => return Progress::from_json(text).map(|p| p.encode()),
        _ if key.starts_with("scalelab.chapter.") => Diagram::from_json(text)
            .map(Record::Diagram)
            .map_err(|e| format!("the saved diagram could not be read ({e})"))?,
        _ => return Err(format!("{key} is not something Scale Lab saves")),
    };
    match does_not_fit(&record) {
        Some(why) => Err(format!(
            "the saved work could not be kept ({})",
            why.trim_end_matches('.')
        )),
        None => Ok(to_record(&record)),
    }
}

/// The newest sandbox record kept as JSON (version 2; version 1 kept the traffic level
/// on the Users nodes).
const SANDBOX_VERSION: u64 = 2;

/// Reads a sandbox saved as JSON: `{"version", "diagram", "scenario"}`.
fn legacy_sandbox(text: &str) -> Result<(Diagram, Scenario), String> {
    use serde_json::Value;
    let unreadable = |what: &str| format!("the saved sandbox could not be read ({what})");
    let saved: Value = serde_json::from_str(text).map_err(|_| unreadable("it is damaged"))?;
    match saved.get("version").and_then(Value::as_u64) {
        Some(1) | Some(SANDBOX_VERSION) => {}
        Some(v) if v > SANDBOX_VERSION => {
            return Err(format!(
                "the saved sandbox has format version {v}, this version of Scale Lab reads up to version {SANDBOX_VERSION}"
            ))
        }
        _ => return Err(unreadable("its version is missing or too old")),
    }
    let part = |key: &str| {
        saved
            .get(key)
            .map(Value::to_string)
            .ok_or_else(|| unreadable(&format!("its {key} is missing")))
    };
    let (diagram, levels) = Diagram::from_json_with_levels(&part("diagram")?)
        .map_err(|e| unreadable(&format!("its diagram: {e}")))?;
    let mut scenario = Scenario::from_json(&part("scenario")?)
        .map_err(|e| unreadable(&format!("its scenario: {e}")))?;
    // Version 1 ran each Users node at its own level, shaped by the scenario.
    scenario.adopt_levels(&levels, LevelRule::NodeLevel);
    Ok((diagram, scenario))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalelab_engine::{Goal, Kind, Profile};

    fn record_of(text: &str) -> Record {
        from_record(&read_file(text).unwrap()).unwrap()
    }

    #[test]
    fn a_file_is_read_as_what_it_is_and_written_back_the_same() {
        let mut d = Diagram::default();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 200.5, 16.0);
        d.connect(&u, &w).unwrap();
        let s = Scenario {
            duration_s: 42,
            ..Scenario::default()
        };
        let goals = vec![Goal::NoSinglePointOfFailure {
            kind: None,
            label: None,
        }];
        let files = [
            (d.to_json_pretty(), Record::Diagram(d)),
            (s.to_json_pretty(), Record::Scenario(s)),
            (GoalSet::to_json_pretty(&goals), Record::Goals(goals)),
        ];
        for (json, record) in files {
            assert_eq!(record_of(&json), record);
            assert_eq!(write_file(&to_record(&record)).unwrap(), json);
        }
        assert!(write_file("{}").is_err());
    }

    #[test]
    fn a_bad_file_says_what_it_is_and_where() {
        let err = read_file("{\"version\": 1, \"goals\": [{\"type\": \"metrik\"}]}").unwrap_err();
        assert!(
            err.starts_with("The goals file could not be read: line 1"),
            "{err}"
        );
        let mut d = Diagram::default();
        d.add_node(Kind::Users, 0.0, 0.0);
        let broken = d.to_json_pretty().replace("\"users\"", "\"userz\"");
        let err = read_file(&broken).unwrap_err();
        assert!(
            err.starts_with("The diagram file could not be read: line "),
            "{err}"
        );
        // A name longer than the editor allows is refused at its place (the saved form
        // could not hold one past 256 bytes either).
        d.nodes[0].name = "n".repeat(300);
        let err = read_file(&d.to_json_pretty()).unwrap_err();
        assert!(
            err.starts_with("The diagram file could not be read: line 7, column 15: \"nodes[0].name\" has 300 characters; a name can have at most 40"),
            "{err}"
        );
        let err = upgrade("scalelab.chapter.x", &d.to_json_pretty()).unwrap_err();
        assert!(
            err.contains("\"nodes[0].name\" has 300 characters"),
            "{err}"
        );
        let err = read_file("{\"version\": 2, \"duration_s\": -4}").unwrap_err();
        assert!(
            err.starts_with("The scenario file could not be read"),
            "{err}"
        );
        // Each ends as a sentence, whether the reason did or not (the page goes on
        // after it), and none ends twice.
        let listed = "{\"version\": 2, \"nodes\": [[\"users-1\", \"users\", \"Users\", 0, 0]]}";
        for text in [listed, "{\"version\": 2, \"nodez\": []}"] {
            let err = read_file(text).unwrap_err();
            assert!(
                err.ends_with(['.', '?']) && !err.ends_with("..") && !err.ends_with("?."),
                "{err}"
            );
        }
    }

    #[test]
    fn a_sandbox_saved_as_json_is_upgraded_with_what_it_ran() {
        let v1 = r#"{"version": 1,
            "diagram": {"version": 1, "nodes": [
                {"id": "users-1", "kind": "users", "name": "Users 1", "x": 0, "y": 0, "params": {"rps": 300}}
            ]},
            "scenario": {"version": 1, "traffic": {"users-1": {"profile": {"type": "daily"}, "rps": 5}}}}"#;
        let Ok(Record::Sandbox(d, s)) = from_record(&upgrade("scalelab.sandbox", v1).unwrap())
        else {
            panic!("not a sandbox record");
        };
        assert!(d.node("users-1").unwrap().params.is_empty());
        let t = s.traffic_for("users-1");
        assert_eq!(t.rps, 300.0);
        assert_eq!(t.profile, Profile::Daily);
        let v2 = format!(
            r#"{{"version": 2, "diagram": {}, "scenario": {}}}"#,
            d.to_json_pretty(),
            s.to_json_pretty()
        );
        assert_eq!(
            from_record(&upgrade("scalelab.sandbox", &v2).unwrap()),
            Ok(Record::Sandbox(d, s))
        );
    }

    #[test]
    fn other_saves_are_upgraded_and_what_does_not_read_says_why() {
        let mut d = Diagram::default();
        d.add_node(Kind::Cache, 3.0, 4.0);
        let chapter = upgrade("scalelab.chapter.one.own", &d.to_json_pretty()).unwrap();
        assert_eq!(from_record(&chapter), Ok(Record::Diagram(d)));
        let progress = upgrade("scalelab.progress", r#"{"version": 1, "chapter": "two"}"#).unwrap();
        assert_eq!(
            Progress::decode(&progress).unwrap().chapter.as_deref(),
            Some("two")
        );

        let err = |key, text| upgrade(key, text).unwrap_err();
        assert!(err("scalelab.sandbox", "not json").contains("could not be read"));
        assert!(err("scalelab.sandbox", r#"{"version": 99}"#).contains("version 99"));
        assert!(err("scalelab.sandbox", r#"{"version": 2}"#).contains("its diagram is missing"));
        assert!(err("scalelab.chapter.x", "[").contains("could not be read"));
        assert!(err("elsewhere", "{}").contains("not something Scale Lab saves"));
        // The page ends the reason with a full stop of its own: none ends in one.
        let mut big = Diagram::default();
        for _ in 0..=scalelab_engine::diagram::MAX_NODES {
            big.add_node(Kind::Cache, 0.0, 0.0);
        }
        for (text, says) in [
            (
                r#"{"version": 2, "nodez": []}"#.to_string(),
                "Did you mean \"nodes\"?)",
            ),
            (big.to_json_pretty(), "keeps at most 500)"),
        ] {
            let e = upgrade("scalelab.chapter.x", &text).unwrap_err();
            assert!(e.ends_with(says), "{e}");
        }
    }
}
