//! The learner's progress through the course, kept in local storage: which chapters
//! are done, where they were, and per chapter the hints shown, the prediction answered
//! and what the simulation showed for it. The diagrams themselves are stored under a
//! key per chapter (see `super::store`). Versioned like every saved format; an
//! unreadable record is set aside, never silently replaced.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Version 1 is the first.
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub version: u32,
    /// The chapter id the learner was on, or `None` in the sandbox.
    #[serde(default)]
    pub chapter: Option<String>,
    /// In the sandbox (the chapter above is where "Back to the course" returns).
    #[serde(default)]
    pub sandbox: bool,
    #[serde(default)]
    pub chapters: BTreeMap<String, ChapterProgress>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChapterProgress {
    /// Every goal passed in a check (or a full run) once.
    #[serde(default)]
    pub done: bool,
    /// Hints revealed.
    #[serde(default)]
    pub hints: u32,
    /// The prediction choice, counted from 0.
    #[serde(default)]
    pub answer: Option<u32>,
    /// The learner skipped the prediction.
    #[serde(default)]
    pub skipped: bool,
    /// What the simulation measured for the prediction, once a run finished after the
    /// answer: (label, value in words) pairs.
    #[serde(default)]
    pub revealed: Option<Vec<(String, String)>>,
    /// The reference solution is on the canvas; the learner's own diagram is kept.
    #[serde(default)]
    pub solution_shown: bool,
}

impl ChapterProgress {
    /// A prediction must be answered (or skipped) before the first run.
    pub fn prediction_pending(&self) -> bool {
        self.answer.is_none() && !self.skipped
    }
}

impl Progress {
    pub fn new() -> Self {
        Progress {
            version: VERSION,
            ..Default::default()
        }
    }

    pub fn of(&self, id: &str) -> ChapterProgress {
        self.chapters.get(id).cloned().unwrap_or_default()
    }

    pub fn update(&mut self, id: &str, f: impl FnOnce(&mut ChapterProgress)) {
        f(self.chapters.entry(id.to_string()).or_default());
    }

    pub fn done(&self, id: &str) -> bool {
        self.chapters.get(id).is_some_and(|c| c.done)
    }

    /// Chapters open to the learner (ids in course order): the first, every one done,
    /// and the one after each done chapter.
    pub fn open<S: AsRef<str>>(&self, ids: &[S], index: usize) -> bool {
        index == 0 || self.done(ids[index].as_ref()) || self.done(ids[index - 1].as_ref())
    }

    /// Where to start: the saved chapter when it is open, else the first chapter not
    /// done (the last one when all are).
    pub fn start_chapter<S: AsRef<str>>(&self, ids: &[S]) -> usize {
        if let Some(i) = self
            .chapter
            .as_deref()
            .and_then(|c| ids.iter().position(|x| x.as_ref() == c))
        {
            if self.open(ids, i) {
                return i;
            }
        }
        ids.iter()
            .position(|id| !self.done(id.as_ref()))
            .unwrap_or(ids.len().saturating_sub(1))
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a saved record; the error says in words what is wrong.
    pub fn decode(text: &str) -> Result<Progress, String> {
        let p: Progress = serde_json::from_str(text)
            .map_err(|_| "the saved progress could not be read".to_string())?;
        if p.version == 0 || p.version > VERSION {
            return Err(format!(
                "the saved progress has format version {}, this version of Scale Lab reads version {VERSION}",
                p.version
            ));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 4] = ["one", "two", "three", "four"];

    #[test]
    fn chapters_open_one_after_another() {
        let mut p = Progress::new();
        assert!(p.open(&IDS, 0));
        assert!(!p.open(&IDS, 1));
        p.update("one", |c| c.done = true);
        assert!(p.open(&IDS, 1));
        assert!(!p.open(&IDS, 2));
        // A done chapter stays open even if an earlier one was not done (a course that
        // gained a chapter).
        p.update("four", |c| c.done = true);
        assert!(p.open(&IDS, 3));
    }

    #[test]
    fn the_learner_starts_where_they_were_or_at_the_first_chapter_not_done() {
        let mut p = Progress::new();
        assert_eq!(p.start_chapter(&IDS), 0);
        p.update("one", |c| c.done = true);
        p.update("two", |c| c.done = true);
        assert_eq!(p.start_chapter(&IDS), 2);
        p.chapter = Some("one".into());
        assert_eq!(p.start_chapter(&IDS), 0);
        // A chapter that is not open (or no longer in the course) is not resumed.
        p.chapter = Some("four".into());
        assert_eq!(p.start_chapter(&IDS), 2);
        p.chapter = Some("gone".into());
        assert_eq!(p.start_chapter(&IDS), 2);
        for id in IDS {
            p.update(id, |c| c.done = true);
        }
        p.chapter = None;
        assert_eq!(p.start_chapter(&IDS), 3);
    }

    #[test]
    fn progress_reads_back_and_refuses_what_it_cannot_read() {
        let mut p = Progress::new();
        p.chapter = Some("two".into());
        p.update("one", |c| {
            c.done = true;
            c.hints = 2;
            c.answer = Some(1);
            c.revealed = Some(vec![("p95".into(), "592 ms".into())]);
        });
        assert_eq!(Progress::decode(&p.encode()).unwrap(), p);
        assert!(Progress::decode("{").is_err());
        let future = p.encode().replace("\"version\":1", "\"version\":7");
        assert!(Progress::decode(&future).unwrap_err().contains("version 7"));
        assert!(Progress::decode(r#"{"version": 0}"#).is_err());
    }

    #[test]
    fn a_prediction_is_pending_until_answered_or_skipped() {
        let mut c = ChapterProgress::default();
        assert!(c.prediction_pending());
        c.skipped = true;
        assert!(!c.prediction_pending());
        let answered = ChapterProgress {
            answer: Some(0),
            ..Default::default()
        };
        assert!(!answered.prediction_pending());
    }
}
