//! Autosave: the sandbox diagram and scenario live in the browser's local storage, so
//! a reload restores them exactly. The saved record is versioned like every format.
//! Saving is debounced: a burst of edits is written once, shortly after the last one,
//! and at the latest when the page is hidden or closed.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use scalelab_engine::{Diagram, Scenario};
use serde::{Deserialize, Serialize};

use super::{Editor, ScenarioState};

/// Quiet time after the last edit before it is written.
const SAVE_AFTER_MS: u32 = 400;

const KEY: &str = "scalelab.sandbox";
/// Where an unreadable record is moved, so a bad save is never silently lost.
const BACKUP_KEY: &str = "scalelab.sandbox.unreadable";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Saved {
    version: u32,
    diagram: Diagram,
    scenario: Scenario,
}

/// Parses a saved record; an error says what is wrong in words.
pub fn decode(text: &str) -> Result<(Diagram, Scenario), String> {
    let saved: Saved = serde_json::from_str(text)
        .map_err(|e| format!("the saved sandbox could not be read ({e})"))?;
    if saved.version != VERSION {
        return Err(format!(
            "the saved sandbox has format version {}, this version of Scale Lab reads version {VERSION}",
            saved.version
        ));
    }
    Ok((saved.diagram, saved.scenario))
}

pub fn encode(diagram: &Diagram, scenario: &Scenario) -> String {
    #[derive(Serialize)]
    struct SavedRef<'a> {
        version: u32,
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

/// Keeps local storage in step with the diagram and scenario: each change (re)starts a
/// short timer, and the record is written when it fires or when the page is hidden.
pub fn autosave(editor: Editor, scenario: ScenarioState) {
    let pending = StoredValue::new_local(None::<Timeout>);
    let write = move || {
        editor
            .diagram
            .with_untracked(|d| scenario.scenario.with_untracked(|s| save(d, s)));
    };
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
    fn unreadable_or_future_records_are_refused_with_a_reason() {
        assert!(decode("not json")
            .unwrap_err()
            .contains("could not be read"));
        let future = encode(&Diagram::default(), &Scenario::default()).replacen(
            "\"version\":1",
            "\"version\":99",
            1,
        );
        assert!(decode(&future).unwrap_err().contains("version 99"));
    }
}
