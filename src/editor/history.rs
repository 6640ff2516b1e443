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
    /// history aside, if it has one, and `doc` takes up its own if it ended at `now`
    /// (a saved chapter changed meanwhile, in another tab say, has nothing to undo).
    pub fn switch(&mut self, was: T, doc: Option<usize>, now: &T) {
        let past = std::mem::take(&mut self.past);
        let future = std::mem::take(&mut self.future);
        // Taken out first, so that the one left cannot push it out.
        let mut found = doc
            .and_then(|d| self.kept.iter().position(|k| k.0 == d))
            .map(|k| self.kept.remove(k));
        if let Some(left) = self.doc {
            if Some(left) == doc {
                found = Some((left, past, future, was));
            } else if !past.is_empty() || !future.is_empty() {
                self.kept.push((left, past, future, was));
                if self.kept.len() > KEPT_DOCUMENTS {
                    self.kept.remove(0);
                }
            }
        }
        self.doc = doc;
        if let Some((_, past, future, end)) = found {
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
    fn a_kept_history_goes_when_its_document_changed_meanwhile() {
        let mut h = History::default();
        h.switch(0, Some(1), &10);
        h.record(10);
        h.switch(11, Some(2), &20);
        // Document 1 is not as it was left: its history no longer fits.
        h.switch(20, Some(1), &15);
        assert!(!h.can_undo());
        // A document not kept (a link) keeps nothing.
        h.switch(15, None, &0);
        h.record(0);
        h.switch(1, Some(3), &30);
        h.switch(30, None, &1);
        assert!(!h.can_undo());
    }

    /// Leaves documents `docs` in turn, each after one edit (from 0 to 1).
    fn leave_each(h: &mut History<i32>, docs: std::ops::Range<usize>) {
        for doc in docs {
            h.switch(1, Some(doc), &0);
            h.record(0);
        }
    }

    #[test]
    fn the_last_documents_left_keep_their_histories() {
        // With KEPT_DOCUMENTS left since, document 1 still has its history, going
        // back to it from one not yet edited.
        let mut h = History::default();
        leave_each(&mut h, 1..KEPT_DOCUMENTS + 1);
        h.switch(1, Some(KEPT_DOCUMENTS + 1), &0);
        h.switch(0, Some(1), &1);
        assert_eq!(h.undo(1), Some(0));
        // Opening the document being edited again keeps its history and pushes out
        // none of the others.
        h.switch(0, Some(1), &0);
        assert!(h.can_redo());
        for doc in 2..KEPT_DOCUMENTS + 1 {
            h.switch(0, Some(doc), &1);
            assert_eq!(h.undo(1), Some(0), "document {doc}");
        }
        // Browsing documents without editing them pushes out nothing.
        for doc in 100..100 + KEPT_DOCUMENTS {
            h.switch(0, Some(doc), &0);
        }
        h.switch(0, Some(3), &0);
        assert!(h.can_redo(), "document 3 kept its history");
        // One edited document more than the limit: the oldest goes.
        let mut h = History::default();
        leave_each(&mut h, 1..KEPT_DOCUMENTS + 2);
        h.switch(1, Some(KEPT_DOCUMENTS + 2), &0);
        h.switch(0, Some(1), &1);
        assert!(
            !h.can_undo(),
            "document 1 was left before {KEPT_DOCUMENTS} others"
        );
        h.switch(1, Some(2), &1);
        assert!(h.can_undo(), "document 2 was not");
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
