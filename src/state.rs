//! The app's shared state, grouped in a few `Copy` structs handed down by context:
//! the editor (diagram, selection, history, viewport) and the scenario. The run state
//! lives in `run.rs`.

use std::collections::BTreeSet;

use leptos::prelude::*;
use scalelab_engine::{Diagram, Scenario};

use crate::geometry::Viewport;
use crate::history::History;

/// What the learner has selected on the canvas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    pub nodes: BTreeSet<String>,
    pub edge: Option<(String, String)>,
    pub dc: Option<String>,
}

impl Selection {
    pub fn node(id: &str) -> Self {
        Selection {
            nodes: BTreeSet::from([id.to_string()]),
            ..Default::default()
        }
    }
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.edge.is_none() && self.dc.is_none()
    }
    /// The one selected node, when exactly one is selected.
    pub fn single_node(&self) -> Option<&str> {
        if self.nodes.len() == 1 {
            self.nodes.iter().next().map(String::as_str)
        } else {
            None
        }
    }
}

/// A short message shown over the canvas (a refused wire, a bad import, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// Increases with every notice, so the same text twice still re-shows it.
    pub serial: u64,
}

/// The diagram being edited and everything about editing it.
#[derive(Clone, Copy)]
pub struct Editor {
    pub diagram: RwSignal<Diagram>,
    pub selection: RwSignal<Selection>,
    pub viewport: RwSignal<Viewport>,
    pub notice: RwSignal<Option<Notice>>,
    notices_shown: StoredValue<u64>,
    history: StoredValue<History<Diagram>>,
    /// (can undo, can redo), kept in a signal so the buttons update.
    undo_state: RwSignal<(bool, bool)>,
}

impl Editor {
    pub fn new(diagram: Diagram) -> Self {
        Editor {
            diagram: RwSignal::new(diagram),
            selection: RwSignal::new(Selection::default()),
            viewport: RwSignal::new(Viewport::default()),
            notice: RwSignal::new(None),
            notices_shown: StoredValue::new(0),
            history: StoredValue::new(History::default()),
            undo_state: RwSignal::new((false, false)),
        }
    }

    /// Applies one undoable edit to the diagram.
    pub fn edit<R>(&self, f: impl FnOnce(&mut Diagram) -> R) -> R {
        let before = self.diagram.get_untracked();
        let mut after = before.clone();
        let result = f(&mut after);
        self.commit(before, after);
        result
    }

    /// Records an edit whose intermediate states were shown live (a drag): `before` is
    /// the diagram when it started, `after` where it ended.
    pub fn commit(&self, before: Diagram, after: Diagram) {
        if before == after {
            return;
        }
        self.history.update_value(|h| h.record(before, &after));
        self.diagram.set(after);
        self.sync_undo_state();
    }

    pub fn undo(&self) {
        let current = self.diagram.get_untracked();
        if let Some(previous) = self.history.try_update_value(|h| h.undo(current)).flatten() {
            self.diagram.set(previous);
            self.prune_selection();
        }
        self.sync_undo_state();
    }

    pub fn redo(&self) {
        let current = self.diagram.get_untracked();
        if let Some(next) = self.history.try_update_value(|h| h.redo(current)).flatten() {
            self.diagram.set(next);
            self.prune_selection();
        }
        self.sync_undo_state();
    }

    pub fn can_undo(&self) -> bool {
        self.undo_state.get().0
    }

    pub fn can_redo(&self) -> bool {
        self.undo_state.get().1
    }

    fn sync_undo_state(&self) {
        let state = self.history.with_value(|h| (h.can_undo(), h.can_redo()));
        self.undo_state.set(state);
    }

    /// Drops selected things that no longer exist.
    fn prune_selection(&self) {
        let d = self.diagram.get_untracked();
        self.selection.update(|s| {
            s.nodes.retain(|id| d.node(id).is_some());
            if let Some((a, b)) = &s.edge {
                if !d.edges.iter().any(|e| &e.from == a && &e.to == b) {
                    s.edge = None;
                }
            }
            if let Some(dc) = &s.dc {
                if !d.data_centers.iter().any(|x| &x.id == dc) {
                    s.dc = None;
                }
            }
        });
    }

    /// Deletes whatever is selected, as one undoable edit.
    pub fn delete_selection(&self) {
        let sel = self.selection.get_untracked();
        if sel.is_empty() {
            return;
        }
        self.edit(|d| {
            for id in &sel.nodes {
                d.remove_node(id);
            }
            if let Some((a, b)) = &sel.edge {
                d.disconnect(a, b);
            }
            if let Some(dc) = &sel.dc {
                d.remove_data_center(dc);
            }
        });
        self.selection.set(Selection::default());
    }

    pub fn show(&self, text: impl Into<String>, error: bool) {
        self.notices_shown.update_value(|n| *n += 1);
        let serial = self.notices_shown.get_value();
        self.notice.set(Some(Notice {
            text: text.into(),
            error,
            serial,
        }));
    }
}

/// The scenario the sandbox runs.
#[derive(Clone, Copy)]
pub struct ScenarioState {
    pub scenario: RwSignal<Scenario>,
}
