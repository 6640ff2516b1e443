//! The learner's progress through the course, as the app keeps it in local storage:
//! which chapters are done, where they were, and per chapter the hints shown, the
//! prediction answered and what the simulation showed for it. The diagrams themselves
//! are kept under a key per chapter, as records (see `link::record`).
//!
//! Versioned like every saved format. Version 1 was JSON, read by
//! [`Progress::from_json`] (for the app's module that upgrades old saves); version 2 is
//! the compact text of [`Progress::encode`], read by [`Progress::decode`] with every
//! length checked, never a panic.

use crate::vecmap::VecMap;

use serde::{Deserialize, Serialize};

use crate::link::base64url;
use crate::link::bytes::{ByteReader, ByteWriter, ReadError};

/// Version 2: the compact form (version 1 was JSON).
pub const VERSION: u32 = 2;
/// Longest saved progress accepted, in characters.
const MAX_CHARS: usize = 1 << 20;
/// Most chapters, and most measured figures per prediction.
const MAX_ITEMS: usize = 1024;
/// Longest id, label or value.
const MAX_TEXT: usize = 1024;

const DONE: u8 = 1;
const SKIPPED: u8 = 2;
const SOLUTION_SHOWN: u8 = 4;
const ANSWERED: u8 = 8;
const REVEALED: u8 = 16;

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
    pub chapters: VecMap<String, ChapterProgress>,
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
        f(self
            .chapters
            .get_or_insert_with(id.to_string(), Default::default));
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

    /// The saved form: `p=` then base64url of the version byte and the fields.
    pub fn encode(&self) -> String {
        let mut w = ByteWriter::new();
        w.write_u8(VERSION as u8);
        w.write_str(self.chapter.as_deref().unwrap_or(""));
        w.write_u8(self.sandbox.into());
        w.write_u64(self.chapters.len() as u64);
        for (id, c) in &self.chapters {
            w.write_str(id);
            let flag = |on: bool, bit: u8| if on { bit } else { 0 };
            let flags = flag(c.done, DONE)
                | flag(c.skipped, SKIPPED)
                | flag(c.solution_shown, SOLUTION_SHOWN)
                | flag(c.answer.is_some(), ANSWERED)
                | flag(c.revealed.is_some(), REVEALED);
            w.write_u8(flags);
            w.write_u64(c.hints.into());
            if let Some(a) = c.answer {
                w.write_u64(a.into());
            }
            if let Some(pairs) = &c.revealed {
                w.write_u64(pairs.len() as u64);
                for (label, value) in pairs {
                    w.write_str(label);
                    w.write_str(value);
                }
            }
        }
        format!("p={}", base64url::encode(&w.into_bytes()))
    }

    /// Reads what [`Progress::encode`] wrote; the error says in words what is wrong.
    pub fn decode(text: &str) -> Result<Progress, String> {
        let unreadable = || "the saved progress could not be read".to_string();
        let bytes = text
            .strip_prefix("p=")
            .and_then(|code| base64url::decode(code, MAX_CHARS).ok())
            .ok_or_else(unreadable)?;
        let mut r = ByteReader::new(&bytes);
        let version = r.read_u8().map_err(|_| unreadable())?;
        if u32::from(version) != VERSION {
            return Err(format!(
                "the saved progress has format version {version}, this version of Scale Lab reads version {VERSION}"
            ));
        }
        Self::read_fields(&mut r).map_err(|_| unreadable())
    }

    fn read_fields(r: &mut ByteReader) -> Result<Progress, ReadError> {
        let text = |r: &mut ByteReader| r.read_str(MAX_TEXT).map(str::to_string);
        let small = |r: &mut ByteReader| {
            u32::try_from(r.read_u64()?).map_err(|_| ReadError::TooLong {
                limit: u32::MAX as usize,
            })
        };
        let chapter = Some(text(r)?).filter(|c| !c.is_empty());
        let sandbox = r.read_u8()? != 0;
        let mut chapters = VecMap::new();
        for _ in 0..r.read_len(MAX_ITEMS)? {
            let id = text(r)?;
            let flags = r.read_u8()?;
            let hints = small(r)?;
            let answer = if flags & ANSWERED != 0 {
                Some(small(r)?)
            } else {
                None
            };
            let revealed = if flags & REVEALED != 0 {
                let n = r.read_len(MAX_ITEMS)?;
                let mut pairs = Vec::with_capacity(n);
                for _ in 0..n {
                    pairs.push((text(r)?, text(r)?));
                }
                Some(pairs)
            } else {
                None
            };
            chapters.insert(
                id,
                ChapterProgress {
                    done: flags & DONE != 0,
                    hints,
                    answer,
                    skipped: flags & SKIPPED != 0,
                    revealed,
                    solution_shown: flags & SOLUTION_SHOWN != 0,
                },
            );
        }
        r.clone().finish()?;
        Ok(Progress {
            version: VERSION,
            chapter,
            sandbox,
            chapters,
        })
    }

    /// Reads progress saved as JSON by an older Scale Lab (version 1).
    pub fn from_json(text: &str) -> Result<Progress, String> {
        let p: Progress = serde_json::from_str(text)
            .map_err(|_| "the saved progress could not be read".to_string())?;
        if p.version != 1 {
            return Err(format!(
                "the saved progress has format version {}, this version of Scale Lab reads version {VERSION}",
                p.version
            ));
        }
        Ok(Progress {
            version: VERSION,
            ..p
        })
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
        p.update("two", |c| {
            c.skipped = true;
            c.solution_shown = true;
        });
        p.sandbox = true;
        assert_eq!(Progress::decode(&p.encode()).unwrap(), p);
        assert_eq!(
            Progress::decode(&Progress::new().encode()).unwrap(),
            Progress::new()
        );
        assert!(Progress::decode("{").is_err());
        let text = p.encode();
        let mut bytes = base64url::decode(&text[2..], MAX_CHARS).unwrap();
        for cut in 1..bytes.len() {
            assert!(Progress::decode(&format!("p={}", base64url::encode(&bytes[..cut]))).is_err());
        }
        bytes[0] = 7;
        let future = format!("p={}", base64url::encode(&bytes));
        assert!(Progress::decode(&future).unwrap_err().contains("version 7"));
    }

    #[test]
    fn progress_saved_as_json_by_an_older_version_is_read() {
        let old = r#"{"version":1,"chapter":"two","sandbox":false,"chapters":{"one":{"done":true,"hints":2,"answer":1,"skipped":false,"revealed":[["p95","592 ms"]],"solution_shown":false}}}"#;
        let p = Progress::from_json(old).unwrap();
        assert_eq!(p.version, VERSION);
        assert_eq!(p.chapter.as_deref(), Some("two"));
        let one = p.of("one");
        assert!(one.done && one.hints == 2 && one.answer == Some(1));
        assert_eq!(
            one.revealed,
            Some(vec![("p95".to_string(), "592 ms".to_string())])
        );
        assert!(Progress::from_json(r#"{"version": 0}"#).is_err());
        assert!(Progress::from_json(r#"{"version": 2}"#).is_err());
        assert!(Progress::from_json("{").is_err());
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
