//! Autosave: the sandbox diagram and scenario live in the browser's local storage, so
//! a reload restores them exactly. The saved record is versioned like every format.
//! Saving is debounced: a burst of edits is written once, shortly after the last one,
//! and at the latest when the page is hidden or closed.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use scalelab_engine::link::{from_record, to_record, LinkError, Record, LINK_VERSION};
use scalelab_engine::{Diagram, Scenario};

use super::{Editor, ScenarioState};

/// Quiet time after the last edit before it is written.
const SAVE_AFTER_MS: u32 = 400;

const KEY: &str = "scalelab.sandbox";
/// Where an unreadable record is moved, so a bad save is never silently lost.
const BACKUP_KEY: &str = "scalelab.sandbox.unreadable";

/// Reads a saved sandbox (a record; one saved as JSON by an older Scale Lab was
/// upgraded at start, see `crate::files`); an error says what is wrong in words.
pub fn decode(text: &str) -> Result<(Diagram, Scenario), String> {
    match from_record(text) {
        Ok(Record::Sandbox(d, s)) => Ok((d, s)),
        Err(LinkError::TooNew { found }) => Err(format!(
            "the saved sandbox has format version {found}, this version of Scale Lab reads up to version {LINK_VERSION}"
        )),
        _ => Err("the saved sandbox could not be read".into()),
    }
}

pub fn encode(diagram: &Diagram, scenario: &Scenario) -> String {
    to_record(&Record::Sandbox(diagram.clone(), scenario.clone()))
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
        let s = Scenario {
            duration_s: 77,
            ..Scenario::default()
        };
        let (d2, s2) = decode(&encode(&d, &s)).unwrap();
        assert_eq!(d2, d);
        assert_eq!(s2, s);
    }

    #[test]
    fn unreadable_future_or_other_records_are_refused_with_a_reason() {
        assert!(decode("not a record")
            .unwrap_err()
            .contains("could not be read"));
        // A record of something else (a diagram alone) is not a sandbox.
        let diagram = to_record(&Record::Diagram(Diagram::default()));
        assert!(decode(&diagram).unwrap_err().contains("could not be read"));
        let text = encode(&Diagram::default(), &Scenario::default());
        let mut bytes = scalelab_engine::link::base64url::decode(&text[2..], 1 << 20).unwrap();
        bytes[0] = 99;
        let future = format!("r={}", scalelab_engine::link::base64url::encode(&bytes));
        assert!(decode(&future).unwrap_err().contains("version 99"));
    }
}
