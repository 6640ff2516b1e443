//! Undo and redo for edits (in the app, of the diagram and the scenario together):
//! bounded stacks of earlier and later states.

/// How many edits can be undone; older ones are forgotten.
pub const MAX_UNDO: usize = 200;

/// How many documents the learner left keep their undo history.
pub const KEPT_DOCUMENTS: usize = 3;

/// Snapshots of a value before each edit (`past`) and after each undo (`future`), for
/// the document being edited; the histories of the last few documents left are kept
/// aside for when the learner comes back.
#[derive(Clone, Debug)]
pub struct History<T> {
    past: Vec<T>,
    future: Vec<T>,
    /// Which document this is (`None`: one whose history is not kept).
    doc: Option<usize>,
    /// Documents left: `(doc, past, future, the value it ended at)`, oldest first.
    kept: Vec<(usize, Vec<T>, Vec<T>, T)>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        Self {
            past: Vec::new(),
            future: Vec::new(),
            doc: None,
            kept: Vec::new(),
        }
    }
}

impl<T: PartialEq> History<T> {
    /// Leaves the document being edited, which ends at `was`, for document `doc`
    /// (`None`: a history not to keep), which holds `now`. The one left keeps its
    /// history aside, and `doc` takes up its own if it ended at `now` (a chapter started
    /// over meanwhile has nothing to undo).
    pub fn switch(&mut self, was: T, doc: Option<usize>, now: &T) {
        let past = std::mem::take(&mut self.past);
        let future = std::mem::take(&mut self.future);
        if let Some(left) = self.doc {
            if self.kept.len() == KEPT_DOCUMENTS {
                self.kept.remove(0);
            }
            self.kept.push((left, past, future, was));
        }
        self.doc = doc;
        if let Some(k) = self.kept.iter().position(|k| Some(k.0) == doc) {
            let (_, past, future, end) = self.kept.remove(k);
            if end == *now {
                self.past = past;
                self.future = future;
            }
        }
    }
}

impl<T> History<T> {
    /// Records `before` as the state an undo returns to (the caller leaves out edits
    /// that changed nothing). A new edit clears the redo stack.
    pub fn record(&mut self, before: T) {
        if self.past.len() == MAX_UNDO {
            self.past.remove(0);
        }
        self.past.push(before);
        self.future.clear();
    }

    /// Returns the state before the last edit, remembering `current` for redo.
    pub fn undo(&mut self, current: T) -> Option<T> {
        let previous = self.past.pop()?;
        self.future.push(current);
        Some(previous)
    }

    /// Returns the state the last undo left, remembering `current` for undo.
    pub fn redo(&mut self, current: T) -> Option<T> {
        let next = self.future.pop()?;
        self.past.push(current);
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_and_redo_walk_the_edits_in_order() {
        let mut h = History::default();
        h.record(0);
        h.record(1);
        assert_eq!(h.undo(2), Some(1));
        assert_eq!(h.undo(1), Some(0));
        assert_eq!(h.undo(0), None);
        assert_eq!(h.redo(0), Some(1));
        assert_eq!(h.redo(1), Some(2));
        assert_eq!(h.redo(2), None);
    }

    #[test]
    fn a_new_edit_clears_redo() {
        let mut h = History::default();
        h.record(0);
        assert_eq!(h.undo(1), Some(0));
        assert!(h.can_redo());
        h.record(0);
        assert!(!h.can_redo());
        assert_eq!(h.undo(5), Some(0));
        assert!(!h.can_undo());
    }

    #[test]
    fn a_document_left_and_opened_again_keeps_its_history() {
        let mut h = History::default();
        h.switch(0, Some(1), &10);
        h.record(10);
        h.record(11);
        assert_eq!(h.undo(12), Some(11));
        // To document 2, which starts with nothing to undo, and back.
        h.switch(11, Some(2), &20);
        assert!(!h.can_undo() && !h.can_redo());
        h.record(20);
        h.switch(21, Some(1), &11);
        assert_eq!(h.redo(11), Some(12));
        assert_eq!(h.undo(12), Some(11));
        assert_eq!(h.undo(11), Some(10));
        assert!(!h.can_undo());
        // Document 2 kept its own.
        h.switch(10, Some(2), &21);
        assert_eq!(h.undo(21), Some(20));
    }

    #[test]
    fn a_kept_history_goes_when_its_document_changed_meanwhile_or_for_newer_ones() {
        let mut h = History::default();
        h.switch(0, Some(1), &10);
        h.record(10);
        // Document 1 changed elsewhere (started over): its history no longer fits.
        h.switch(11, Some(2), &20);
        h.switch(20, Some(1), &15);
        assert!(!h.can_undo());
        // A document not kept (a link) keeps nothing; the oldest of more than
        // KEPT_DOCUMENTS left goes.
        h.record(15);
        h.switch(16, None, &0);
        h.record(0);
        h.switch(1, Some(100), &100);
        for doc in 2..2 + KEPT_DOCUMENTS {
            h.record(100);
            h.switch(101, Some(doc + 100), &100);
        }
        h.record(100);
        h.switch(101, Some(1), &16);
        assert!(
            !h.can_undo(),
            "document 1 was left before {KEPT_DOCUMENTS} others"
        );
        h.switch(16, Some(KEPT_DOCUMENTS + 101), &101);
        assert_eq!(h.undo(101), Some(100), "the last one left kept its history");
    }

    #[test]
    fn history_is_bounded() {
        let mut h = History::default();
        for i in 0..(MAX_UNDO as i32 + 50) {
            h.record(i);
        }
        let mut undone = 0;
        let mut cur = MAX_UNDO as i32 + 50;
        while let Some(prev) = h.undo(cur) {
            cur = prev;
            undone += 1;
        }
        assert_eq!(undone, MAX_UNDO);
        assert_eq!(cur, 50);
    }
}
