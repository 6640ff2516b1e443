//! Autosave: the sandbox diagram and scenario live in the browser's local storage, so
//! a reload restores them exactly. The saved record is versioned like every format.
//! Saving is debounced: a burst of edits is written once, shortly after the last one,
//! and at the latest when the page is hidden or closed.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use scalelab_engine::{Diagram, LevelRule, Scenario};
use serde::Serialize;
use serde_json::Value;

use super::{Editor, ScenarioState};

/// Quiet time after the last edit before it is written.
const SAVE_AFTER_MS: u32 = 400;

const KEY: &str = "scalelab.sandbox";
/// Where an unreadable record is moved, so a bad save is never silently lost.
const BACKUP_KEY: &str = "scalelab.sandbox.unreadable";
/// Version 2: the diagram and scenario inside are of their version 2 (the traffic
/// level moved from the Users nodes to the scenario).
const VERSION: u64 = 2;

/// Parses a saved record, upgrading an older one; an error says what is wrong in words.
pub fn decode(text: &str) -> Result<(Diagram, Scenario), String> {
    let unreadable = |what: &str| format!("the saved sandbox could not be read ({what})");
    let saved: Value = serde_json::from_str(text).map_err(|_| unreadable("it is not JSON"))?;
    let version = saved.get("version").and_then(Value::as_u64);
    match version {
        Some(1) | Some(VERSION) => {}
        Some(v) if v > VERSION => {
            return Err(format!(
                "the saved sandbox has format version {v}, this version of Scale Lab reads up to version {VERSION}"
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

pub fn encode(diagram: &Diagram, scenario: &Scenario) -> String {
    #[derive(Serialize)]
    struct SavedRef<'a> {
        version: u64,
        diagram: &'a Diagram,
        scenario: &'a Scenario,
    }
    serde_json::to_string(&SavedRef {
        version: VERSION,
        diagram,
        scenario,
    })
    .unwrap_or_default()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The saved sandbox: `Ok(None)` when nothing is saved; `Err` with a message when the
/// record is unreadable (it is then kept under a backup key).
pub fn load() -> Result<Option<(Diagram, Scenario)>, String> {
    let Some(store) = storage() else {
        return Ok(None);
    };
    let Some(text) = store.get_item(KEY).ok().flatten() else {
        return Ok(None);
    };
    decode(&text).map(Some).inspect_err(|_| {
        let _ = store.set_item(BACKUP_KEY, &text);
        let _ = store.remove_item(KEY);
    })
}

pub fn save(diagram: &Diagram, scenario: &Scenario) {
    if let Some(store) = storage() {
        let _ = store.set_item(KEY, &encode(diagram, scenario));
    }
}

/// Writes the sandbox as it is now.
pub fn save_sandbox(editor: Editor, scenario: ScenarioState) {
    editor
        .diagram
        .with_untracked(|d| scenario.scenario.with_untracked(|s| save(d, s)));
}

/// Keeps local storage in step with the diagram and scenario: each change (re)starts a
/// short timer, and `write` saves them when it fires or when the page is hidden.
pub fn autosave(editor: Editor, scenario: ScenarioState, write: impl Fn() + Copy + 'static) {
    let pending = StoredValue::new_local(None::<Timeout>);
    Effect::new(move |first: Option<()>| {
        editor.diagram.track();
        scenario.scenario.track();
        if first.is_none() {
            // What was just loaded is already saved.
            return;
        }
        // Replacing the timer drops (and so cancels) the previous one.
        pending.set_value(Some(Timeout::new(SAVE_AFTER_MS, move || {
            pending.set_value(None);
            write();
        })));
    });
    let flush = move || {
        if pending.with_value(Option::is_some) {
            pending.set_value(None);
            write();
        }
    };
    let hidden = window_event_listener(leptos::ev::pagehide, move |_| flush());
    let blurred = window_event_listener(leptos::ev::visibilitychange, move |_| flush());
    on_cleanup(move || {
        hidden.remove();
        blurred.remove();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalelab_engine::Kind;

    #[test]
    fn a_saved_sandbox_reads_back_exactly() {
        let mut d = Diagram::default();
        let u = d.add_node(Kind::Users, 16.0, 32.0);
        let w = d.add_node(Kind::WebServer, 200.0, 32.0);
        d.connect(&u, &w).unwrap();
        let s = Scenario::default();
        let (d2, s2) = decode(&encode(&d, &s)).unwrap();
        assert_eq!(d2, d);
        assert_eq!(s2, s);
    }

    #[test]
    fn a_version_1_record_keeps_what_it_ran() {
        let v1 = r#"{"version": 1,
            "diagram": {"version": 1, "nodes": [
                {"id": "users-1", "kind": "users", "name": "Users 1", "x": 0, "y": 0, "params": {"rps": 300}}
            ]},
            "scenario": {"version": 1, "traffic": {"users-1": {"profile": {"type": "daily"}, "rps": 5}}}}"#;
        let (d, s) = decode(v1).unwrap();
        assert!(d.node("users-1").unwrap().params.is_empty());
        let t = s.traffic_for("users-1");
        assert_eq!(t.rps, 300.0);
        assert_eq!(t.profile, scalelab_engine::Profile::Daily);
    }

    #[test]
    fn unreadable_or_future_records_are_refused_with_a_reason() {
        assert!(decode("not json")
            .unwrap_err()
            .contains("could not be read"));
        let future = encode(&Diagram::default(), &Scenario::default()).replacen(
            "\"version\":2",
            "\"version\":99",
            1,
        );
        assert!(decode(&future).unwrap_err().contains("version 99"));
    }
}
