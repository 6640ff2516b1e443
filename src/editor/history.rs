//! Undo and redo for edits (in the app, of the diagram and the scenario together):
//! bounded stacks of earlier and later states.

/// How many edits can be undone; older ones are forgotten.
pub const MAX_UNDO: usize = 200;

/// Snapshots of a value before each edit (`past`) and after each undo (`future`).
#[derive(Clone, Debug)]
pub struct History<T> {
    past: Vec<T>,
    future: Vec<T>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        Self {
            past: Vec::new(),
            future: Vec::new(),
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
