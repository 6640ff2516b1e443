//! Editing the diagram and its scenario: the shared editor state (diagram, scenario,
//! selection, viewport, drag preview, notices, undo history) as a `Copy` struct of
//! signals handed down by context, the checks derived from the diagram, and the
//! panels' handle on the scenario. Submodules
//! hold the pure parts: undo `history`, the pointer `gesture` state machine, and the
//! autosave `storage`.

pub mod gesture;
pub mod history;
pub mod storage;

use scalelab_engine::vecmap::VecSet;

use leptos::prelude::*;
use scalelab_engine::lesson::Palette;
use scalelab_engine::{Diagram, Finding, Kind, Scenario};

use crate::canvas::geometry::Viewport;
use gesture::Preview;
use history::History;

/// What the learner has selected on the canvas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    pub nodes: VecSet<String>,
    pub edge: Option<(String, String)>,
    pub dc: Option<String>,
}

impl Selection {
    pub fn node(id: &str) -> Self {
        let mut s = Selection::default();
        s.nodes.insert(id.to_string());
        s
    }
    pub fn dc(id: &str) -> Self {
        Selection {
            dc: Some(id.to_string()),
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

/// What the engine's checks say about the diagram, derived once per change and
/// shared by every view that shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checks {
    /// Every finding of `Diagram::validate` (errors stop a run).
    pub findings: Vec<Finding>,
    /// The same, as the Checks list shows them: what is said of several components
    /// alike is written once (`finding::grouped`).
    pub listed: Vec<Finding>,
    /// Single points of failure and data centers whose loss cuts users off.
    pub resilience: Vec<String>,
    /// No Users component wired to anything: nothing sends traffic, so the resilience
    /// list has nothing to look at (and an empty list would claim more than it knows).
    pub no_traffic: bool,
}

impl Checks {
    pub fn of(d: &Diagram) -> Self {
        // `validate` includes the unreachable components of the analysis; the other
        // two lists are the resilience findings.
        let a = scalelab_engine::analyze(d);
        let findings = d.validate();
        Checks {
            listed: scalelab_engine::finding::grouped(&findings, |id| {
                d.node(id).map(|n| n.name.clone())
            }),
            findings,
            resilience: a
                .single_points_of_failure
                .into_iter()
                .chain(a.data_center_failures)
                .map(|f| f.message)
                .collect(),
            no_traffic: !d
                .nodes
                .iter()
                .any(|n| n.kind == Kind::Users && d.edges.iter().any(|e| e.from == n.id)),
        }
    }
}

/// What the current chapter holds in place: the components and data centers its
/// scenario refers to (its Users, what it fails). They cannot be deleted and their
/// settings cannot be changed, or the chapter could not run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fixed {
    pub nodes: Vec<String>,
    pub dcs: Vec<String>,
}

/// Every kind and the data-center box: the sandbox's palette.
pub fn full_palette() -> Palette {
    Palette {
        kinds: Kind::ALL.to_vec(),
        data_centers: true,
    }
}

/// The diagram being edited and everything about editing it.
#[derive(Clone, Copy)]
pub struct Editor {
    pub diagram: RwSignal<Diagram>,
    /// The scenario the diagram runs under (`ScenarioState` hands it to the panels):
    /// its edits are undone in turn with the diagram's.
    pub scenario: RwSignal<Scenario>,
    pub selection: RwSignal<Selection>,
    pub viewport: RwSignal<Viewport>,
    /// A drag in progress: shown on the canvas, applied to the diagram on release.
    pub preview: RwSignal<Option<Preview>>,
    pub notice: RwSignal<Option<Notice>>,
    /// Select mode: dragging the empty canvas draws a selection box instead of panning
    /// (the touch screen's Shift-drag).
    pub select_mode: RwSignal<bool>,
    /// The engine's checks of the diagram, recomputed when it changes (not during a
    /// drag, which leaves the diagram alone until it is released).
    pub checks: Memo<Checks>,
    /// What the palette offers (a chapter's unlocked components, or everything).
    pub palette: RwSignal<Palette>,
    pub fixed: RwSignal<Fixed>,
    notices_shown: StoredValue<u64>,
    history: StoredValue<History<(Diagram, Scenario)>>,
    /// (can undo, can redo), kept in a signal so the buttons update.
    undo_state: RwSignal<(bool, bool)>,
}

impl Editor {
    pub fn new(diagram: Diagram, scenario: Scenario) -> Self {
        let diagram = RwSignal::new(diagram);
        Editor {
            diagram,
            scenario: RwSignal::new(scenario),
            selection: RwSignal::new(Selection::default()),
            viewport: RwSignal::new(Viewport::default()),
            preview: RwSignal::new(None),
            notice: RwSignal::new(None),
            select_mode: RwSignal::new(false),
            checks: Memo::new(move |_| diagram.with(Checks::of)),
            palette: RwSignal::new(full_palette()),
            fixed: RwSignal::new(Fixed::default()),
            notices_shown: StoredValue::new(0),
            history: StoredValue::new(History::default()),
            undo_state: RwSignal::new((false, false)),
        }
    }

    /// Starts editing another diagram and scenario: document `doc` (a chapter, the
    /// sandbox; `None` for a link). Nothing is selected; the undo history is the one
    /// `doc` had when the learner left it, if it was among the last few.
    pub fn replace(&self, diagram: Diagram, scenario: Scenario, doc: Option<usize>) {
        self.preview.set(None);
        self.selection.set(Selection::default());
        let was = self.state();
        self.scenario.set(scenario);
        self.diagram.set(diagram);
        let now = self.state();
        self.history.update_value(|h| h.switch(was, doc, &now));
        self.sync_undo_state();
    }

    /// Whether the chapter holds this node in place.
    pub fn is_fixed(&self, id: &str) -> bool {
        self.fixed.with(|f| f.nodes.iter().any(|x| x == id))
    }

    /// Applies one undoable edit to the diagram.
    pub fn edit<R>(&self, f: impl FnOnce(&mut Diagram) -> R) -> R {
        let mut after = self.state();
        let result = f(&mut after.0);
        self.commit(after, true, false);
        result
    }

    /// Applies one undoable edit to the scenario; one that changes nothing (a number
    /// typed again as it was) is no undo step.
    pub fn edit_scenario(&self, f: impl FnOnce(&mut Scenario)) {
        let mut after = self.state();
        f(&mut after.1);
        self.commit(after, false, true);
    }

    /// Applies one undoable edit to the diagram, and to the scenario with it; an edit
    /// that leaves both as they were changes nothing.
    pub fn edit_both<R>(&self, f: impl FnOnce(&mut Diagram, &mut Scenario) -> R) -> R {
        let mut after = self.state();
        let result = f(&mut after.0, &mut after.1);
        self.commit(after, true, true);
        result
    }

    /// A copy of the diagram and the scenario, to edit.
    fn state(&self) -> (Diagram, Scenario) {
        (self.diagram.get_untracked(), self.scenario.get_untracked())
    }

    /// Applies an edit that may be refused: on `Err` nothing changes and the reason is
    /// shown as a notice.
    pub fn try_edit<E: std::fmt::Display>(&self, f: impl FnOnce(&mut Diagram) -> Result<(), E>) {
        if let Err(e) = self.edit(f) {
            self.show(e.to_string(), true);
        }
    }

    /// Records the change to `after` as one undo step (unless what the edit may change
    /// stayed as it was) and sets what the edit may have changed: only that, so what
    /// shows the other one is not worked out again.
    fn commit(&self, after: (Diagram, Scenario), diagram: bool, scenario: bool) {
        let before = self.state();
        if (!diagram || before.0 == after.0) && (!scenario || before.1 == after.1) {
            return;
        }
        self.history.update_value(|h| h.record(before));
        let (d, s) = after;
        if scenario {
            self.scenario.set(s);
        }
        if diagram {
            self.diagram.set(d);
        }
        self.sync_undo_state();
        // An edit that went through ends the error shown for an earlier one (a refused
        // name stayed on screen after the name was fixed).
        if self
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(|n| n.error))
        {
            self.notice.set(None);
        }
    }

    /// Ends a drag: its preview becomes one undoable edit.
    pub fn commit_preview(&self, preview: Preview) {
        self.preview.set(None);
        self.edit(|d| preview.apply(d));
    }

    pub fn undo(&self) {
        self.step(true);
    }

    pub fn redo(&self) {
        self.step(false);
    }

    /// Undoes (`back`) or redoes the last edit, of the diagram or the scenario.
    fn step(&self, back: bool) {
        let current = (self.diagram.get_untracked(), self.scenario.get_untracked());
        let other = self
            .history
            .try_update_value(|h| {
                if back {
                    h.undo(current)
                } else {
                    h.redo(current)
                }
            })
            .flatten();
        if let Some((d, s)) = other {
            self.scenario.set(s);
            self.diagram.set(d);
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
        self.diagram.with_untracked(|d| {
            self.selection.update(|s| {
                s.nodes.retain(|id| d.node(id).is_some());
                if let Some((a, b)) = &s.edge {
                    if !d.edges.iter().any(|e| &e.from == a && &e.to == b) {
                        s.edge = None;
                    }
                }
                if let Some(dc) = &s.dc {
                    if d.data_center(dc).is_none() {
                        s.dc = None;
                    }
                }
            })
        });
    }

    /// Deletes whatever is selected, as one undoable edit. What the chapter holds in
    /// place stays, with a notice saying why.
    pub fn delete_selection(&self) {
        let sel = self.selection.get_untracked();
        if sel.is_empty() {
            return;
        }
        let fixed = self.fixed.get_untracked();
        let kept: Vec<String> = self.diagram.with_untracked(|d| {
            let nodes = sel.nodes.iter().filter(|id| fixed.nodes.contains(id));
            let nodes = nodes.filter_map(|id| d.node(id).map(|n| n.name.clone()));
            let dcs = sel.dc.iter().filter(|id| fixed.dcs.contains(id));
            nodes
                .chain(dcs.filter_map(|id| d.data_center(id).map(|c| c.name.clone())))
                .collect()
        });
        // What the scenario says of a deleted component or data center goes with it
        // (it would stop the run), in the same undo step.
        self.edit_both(|d, s| {
            for id in sel.nodes.iter().filter(|id| !fixed.nodes.contains(id)) {
                d.remove_node(id);
                s.forget(id);
            }
            if let Some((a, b)) = &sel.edge {
                d.disconnect(a, b);
            }
            if let Some(dc) = sel.dc.as_ref().filter(|id| !fixed.dcs.contains(id)) {
                d.remove_data_center(dc);
                s.forget(dc);
            }
        });
        self.selection.set(Selection::default());
        if !kept.is_empty() {
            self.show(
                format!(
                    "{} stays: this chapter's scenario uses it.",
                    kept.join(" and ")
                ),
                false,
            );
        }
    }

    /// Wires `from` → `to`, or shows the engine's reason when it refuses.
    pub fn connect(&self, from: &str, to: &str) {
        self.try_edit(|d| d.connect(from, to));
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

/// The panels' handle on the editor's scenario (`Editor::scenario`, the same signal):
/// read it here, change it through the editor so that undo sees the change.
#[derive(Clone, Copy)]
pub struct ScenarioState {
    pub scenario: RwSignal<Scenario>,
}
