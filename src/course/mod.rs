//! The course: thirteen chapters loaded from `lessons/` at start, the learner's place
//! in them and their progress, and the checking of a chapter's goals. A `Copy` handle
//! of signals provided by context, like the editor.
//!
//! - `load`: fetching and reading the lesson files;
//! - `progress`: what the learner has done, saved in local storage;
//! - `check`: running a chapter's scenario to the end in slices, off the animation;
//! - `text`: the lesson text's little markup.

pub mod check;
pub mod load;
pub use scalelab_engine::progress;
pub mod text;

use leptos::prelude::*;
use scalelab_engine::lesson::{palette, start_from, Lesson};
use scalelab_engine::link::{from_link, from_record, to_record, Challenge, Record, Shared};
use scalelab_engine::{evaluate, Action, Diagram, Goal, GoalResult, Metrics, Scenario};

use crate::editor::{full_palette, storage, Editor, Fixed, ScenarioState};
use crate::run::Runner;
use check::CheckState;
use progress::Progress;

const PROGRESS_KEY: &str = "scalelab.progress";
/// Where an unreadable progress record is moved, so it is never silently lost.
const PROGRESS_BACKUP_KEY: &str = "scalelab.progress.unreadable";
/// The notice shown when the learner runs before answering the chapter's prediction.
const PREDICT_FIRST: &str =
    "First, make your prediction: answer the question in the chapter panel (or skip it).";

/// Where the learner is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Chapter(usize),
    Sandbox,
    /// A design opened from a share link: a document of its own, not saved.
    Shared,
    /// A teacher's challenge opened from a link: a page like a chapter, not saved.
    Challenge,
}

#[derive(Clone, Copy)]
pub struct Course {
    lessons: StoredValue<Vec<Lesson>>,
    pub mode: RwSignal<Mode>,
    pub progress: RwSignal<Progress>,
    pub check: RwSignal<CheckState>,
    /// The goals as they stand so far in the animated run (empty without one).
    pub live: Memo<Vec<GoalResult>>,
    /// The sandbox as the learner left it, while they are in a chapter.
    sandbox: StoredValue<(Diagram, Scenario)>,
    /// The challenge opened from a link, in challenge mode.
    pub challenge: RwSignal<Option<Challenge>>,
    editor: Editor,
    scenario: ScenarioState,
    runner: Runner,
    checker: StoredValue<check::Checker, LocalStorage>,
}

/// The sandbox among the documents whose undo history is kept (chapters by index).
const SANDBOX_DOC: usize = usize::MAX;

/// The goals of `mode`: a chapter's or a challenge's (none elsewhere).
fn goals_in(
    mode: Mode,
    lessons: StoredValue<Vec<Lesson>>,
    challenge: RwSignal<Option<Challenge>>,
) -> Vec<Goal> {
    match mode {
        Mode::Chapter(i) => lessons.with_value(|l| l[i].goals.clone()),
        Mode::Challenge => {
            challenge.with_untracked(|c| c.as_ref().map(|c| c.goals.clone()).unwrap_or_default())
        }
        _ => Vec::new(),
    }
}

/// What a scenario refers to, which the learner may not delete or change: its Users
/// with traffic and the components and data centers it fails.
pub fn fixed_by(s: &Scenario) -> Fixed {
    let mut f = Fixed {
        nodes: s.traffic.keys().cloned().collect(),
        dcs: Vec::new(),
    };
    for e in &s.events {
        match &e.action {
            Action::KillNode(id) | Action::RestoreNode(id) | Action::Reshard { node: id, .. } => {
                if !f.nodes.contains(id) {
                    f.nodes.push(id.clone());
                }
            }
            Action::KillDc(id) | Action::RestoreDc(id) => {
                if !f.dcs.contains(id) {
                    f.dcs.push(id.clone());
                }
            }
        }
    }
    f
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn chapter_key(id: &str) -> String {
    format!("scalelab.chapter.{id}")
}

fn own_key(id: &str) -> String {
    format!("scalelab.chapter.{id}.own")
}

/// A diagram kept under `key`: `None` when there is none, `Err` when it does not read.
fn read_diagram(key: &str) -> Option<Result<Diagram, ()>> {
    let text = storage()?.get_item(key).ok().flatten()?;
    Some(match from_record(&text) {
        Ok(Record::Diagram(d)) => Ok(d),
        _ => Err(()),
    })
}

fn write_diagram(key: &str, d: &Diagram) {
    if let Some(store) = storage() {
        let _ = store.set_item(key, &to_record(&Record::Diagram(d.clone())));
    }
}

/// The saved progress; an unreadable record is set aside and reported.
fn load_progress() -> (Progress, Option<String>) {
    let Some(store) = storage() else {
        return (Progress::new(), None);
    };
    match store.get_item(PROGRESS_KEY).ok().flatten() {
        None => (Progress::new(), None),
        Some(text) => match Progress::decode(&text) {
            Ok(p) => (p, None),
            Err(e) => {
                let _ = store.set_item(PROGRESS_BACKUP_KEY, &text);
                (Progress::new(), Some(e))
            }
        },
    }
}

impl Course {
    /// The course over `lessons`, resuming where the saved progress says (chapter 1 on
    /// a first visit). `sandbox` is the saved sandbox, kept for when the learner goes
    /// there.
    pub fn start(
        lessons: Vec<Lesson>,
        sandbox: (Diagram, Scenario),
        editor: Editor,
        scenario: ScenarioState,
        runner: Runner,
    ) -> Course {
        let (progress, problem) = load_progress();
        let goals_of = StoredValue::new(lessons);
        let mode = RwSignal::new(Mode::Sandbox);
        let challenge = RwSignal::new(None::<Challenge>);
        let live = Memo::new(move |_| {
            let goals = goals_in(mode.get(), goals_of, challenge);
            if goals.is_empty() {
                return Vec::new();
            }
            runner.metrics.with(|m| match m {
                Some(m) => editor.diagram.with_untracked(|d| evaluate(d, m, &goals)),
                None => Vec::new(),
            })
        });
        let course = Course {
            lessons: goals_of,
            mode,
            progress: RwSignal::new(progress),
            check: RwSignal::new(CheckState::Idle),
            live,
            sandbox: StoredValue::new(sandbox),
            challenge,
            editor,
            scenario,
            runner,
            checker: StoredValue::new_local(check::Checker::default()),
        };
        if let Some(e) = problem {
            editor.show(
                format!("Your progress could not be read ({e}); it was kept aside and the course starts again."),
                true,
            );
        }
        course.resume();
        course.open_link_in_address();
        let hash = window_event_listener(leptos::ev::hashchange, move |_| {
            course.open_link_in_address();
        });
        on_cleanup(move || hash.remove());
        course.watch();
        course
    }

    /// Opens the share link in the page's address, if there is one. A link that does
    /// not open is reported, and the learner's own work is left as it was.
    fn open_link_in_address(&self) {
        let hash = window().location().hash().unwrap_or_default();
        if !hash.starts_with("#s=") {
            return;
        }
        match from_link(&hash) {
            Ok(shared) => self.open_shared(shared),
            Err(e) => self
                .editor
                .show(format!("{e} Your own work is as you left it."), true),
        }
    }

    /// The goals to check now (a chapter's, a challenge's, or none).
    pub fn goals(&self) -> Vec<Goal> {
        goals_in(self.mode.get_untracked(), self.lessons, self.challenge)
    }

    pub fn len(&self) -> usize {
        self.lessons.with_value(Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chapter ids, in course order.
    pub fn ids(&self) -> Vec<String> {
        self.lessons
            .with_value(|l| l.iter().map(|x| x.id.clone()).collect())
    }

    fn id(&self, i: usize) -> String {
        self.with_lesson(i, |l| l.id.clone())
    }

    /// Reads lesson `i`.
    pub fn with_lesson<R>(&self, i: usize, f: impl FnOnce(&Lesson) -> R) -> R {
        self.lessons.with_value(|l| f(&l[i]))
    }

    /// The current chapter's index, if in a chapter.
    pub fn chapter(&self) -> Option<usize> {
        match self.mode.get() {
            Mode::Chapter(i) => Some(i),
            _ => None,
        }
    }

    pub fn is_open(&self, i: usize) -> bool {
        let ids = self.ids();
        self.progress.with(|p| p.open(&ids, i))
    }

    pub fn is_done(&self, i: usize) -> bool {
        let id = self.id(i);
        self.progress.with(|p| p.done(&id))
    }

    fn save_progress(&self) {
        if let Some(store) = storage() {
            let _ = store.set_item(
                PROGRESS_KEY,
                &self.progress.with_untracked(Progress::encode),
            );
        }
    }

    /// Writes what is on the canvas where it belongs: the chapter's diagram, or the
    /// sandbox.
    pub fn save_current(&self) {
        match self.mode.get_untracked() {
            Mode::Chapter(i) => {
                let key = chapter_key(&self.id(i));
                self.editor
                    .diagram
                    .with_untracked(|d| write_diagram(&key, d));
            }
            Mode::Sandbox => storage::save_sandbox(self.editor, self.scenario),
            // A shared design or a challenge is not saved: it is in its link.
            Mode::Shared | Mode::Challenge => {}
        }
    }

    /// Leaves whatever runs or is checked, keeping the current work.
    fn leave(&self) {
        self.save_current();
        if self.mode.get_untracked() == Mode::Sandbox {
            let d = self.editor.diagram.get_untracked();
            let s = self.scenario.scenario.get_untracked();
            self.sandbox.set_value((d, s));
        }
        self.checker.update_value(check::Checker::cancel);
        self.check.set(CheckState::Idle);
        self.runner.reset();
    }

    /// The diagram chapter `i` starts from: the learner's own, saved, or its starter
    /// (continuing from the learner's previous chapter, or its solution).
    fn chapter_diagram(&self, i: usize) -> Diagram {
        let ids = self.ids();
        match read_diagram(&chapter_key(&ids[i])) {
            Some(Ok(d)) => return d,
            Some(Err(_)) => self.editor.show(
                "Your saved diagram for this chapter could not be read, so the chapter starts from the beginning.",
                true,
            ),
            None => {}
        }
        let previous = i
            .checked_sub(1)
            .map(|p| match read_diagram(&chapter_key(&ids[p])) {
                Some(Ok(d)) => d,
                _ => self.with_lesson(p, |l| l.solution.clone()),
            });
        self.with_lesson(i, |l| start_from(l, &previous.unwrap_or_default()))
    }

    /// Opens chapter `i` with the learner's diagram for it.
    pub fn open_chapter(&self, i: usize) {
        if i >= self.len() {
            return;
        }
        self.leave_link();
        self.leave();
        let diagram = self.chapter_diagram(i);
        let (scenario, fixed, kinds) = self.lessons.with_value(|l| {
            let lesson = &l[i];
            let fixed = Fixed {
                nodes: lesson
                    .fixed_nodes()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                dcs: lesson
                    .fixed_data_centers()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            };
            (lesson.scenario.clone(), fixed, palette(l, i))
        });
        self.editor.replace(diagram, scenario, Some(i));
        self.editor.fixed.set(fixed);
        self.editor.palette.set(kinds);
        let id = self.id(i);
        self.progress.update(|p| {
            p.chapter = Some(id);
            p.sandbox = false;
        });
        self.save_progress();
        self.mode.set(Mode::Chapter(i));
        self.save_current();
        crate::app::fit_soon(self.editor);
    }

    /// Opens a design from a share link, as a document of its own (not saved over the
    /// learner's work). A challenge opens as a page with its goals.
    pub fn open_shared(&self, shared: Shared) {
        self.leave();
        // Not over an error shown at start (a save that could not be read), which stays
        // until dismissed.
        let error_shown = self
            .editor
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(|n| n.error));
        if shared.scenario.is_none() && !error_shown {
            self.editor.show(
                "This link holds only the design, so it runs with the default scenario: set the traffic and failures below.",
                false,
            );
        }
        let scenario = shared.scenario.unwrap_or_default();
        self.editor.fixed.set(if shared.challenge.is_some() {
            fixed_by(&scenario)
        } else {
            Fixed::default()
        });
        self.editor.replace(shared.diagram, scenario, None);
        self.editor.palette.set(full_palette());
        let mode = if shared.challenge.is_some() {
            Mode::Challenge
        } else {
            Mode::Shared
        };
        self.challenge.set(shared.challenge);
        self.mode.set(mode);
        crate::app::fit_soon(self.editor);
    }

    /// Makes the shared design the learner's sandbox (their old sandbox is replaced:
    /// the panel asks first).
    pub fn keep_shared(&self) {
        let d = self.editor.diagram.get_untracked();
        let s = self.scenario.scenario.get_untracked();
        storage::save(&d, &s);
        self.sandbox.set_value((d, s));
        self.clear_address();
        self.open_sandbox();
        self.editor
            .show("The shared design is now your sandbox.", false);
    }

    /// Leaves a shared design or challenge for where the learner was.
    pub fn close_shared(&self) {
        self.clear_address();
        self.challenge.set(None);
        self.resume();
    }

    /// Opens where the learner was: the sandbox, or the chapter to go on with.
    fn resume(&self) {
        if self.progress.with_untracked(|p| p.sandbox) || self.is_empty() {
            self.open_sandbox();
        } else {
            let i = self
                .progress
                .with_untracked(|p| p.start_chapter(&self.ids()));
            self.open_chapter(i);
        }
    }

    /// Leaving a shared design or challenge for a chapter or the sandbox (by the header,
    /// say) takes its link out of the address, so a reload opens where the learner went.
    fn leave_link(&self) {
        if matches!(self.mode.get_untracked(), Mode::Shared | Mode::Challenge) {
            self.clear_address();
        }
    }

    /// Removes a share link from the address, so a reload does not open it again.
    fn clear_address(&self) {
        if window()
            .location()
            .hash()
            .is_ok_and(|h| h.starts_with("#s="))
        {
            let _ = window().location().set_hash("");
        }
    }

    /// Opens the sandbox as the learner left it.
    pub fn open_sandbox(&self) {
        self.leave_link();
        self.leave();
        let (d, s) = self.sandbox.get_value();
        self.editor.replace(d, s, Some(SANDBOX_DOC));
        self.editor.fixed.set(Fixed::default());
        self.editor.palette.set(full_palette());
        self.progress.update(|p| p.sandbox = true);
        self.save_progress();
        self.mode.set(Mode::Sandbox);
        crate::app::fit_soon(self.editor);
    }

    /// Whether the learner may run now; when a prediction waits for an answer, says so.
    pub fn may_run(&self) -> bool {
        let Mode::Chapter(i) = self.mode.get_untracked() else {
            return true;
        };
        let has_prediction = self.with_lesson(i, |l| l.prediction.is_some());
        let pending = self
            .progress
            .with_untracked(|p| p.of(&self.id(i)).prediction_pending());
        if has_prediction && pending {
            self.editor.show(PREDICT_FIRST, false);
            if let Some(el) = document()
                .query_selector("[data-testid=prediction]")
                .ok()
                .flatten()
            {
                el.scroll_into_view();
            }
            return false;
        }
        true
    }

    /// Records the learner's answer to the chapter's prediction (`None`: skipped) and
    /// takes down the notice asking for one, which would now contradict the panel.
    pub fn answer_prediction(&self, answer: Option<u32>) {
        self.update_chapter(|c| match answer {
            Some(k) => c.answer = Some(k),
            None => c.skipped = true,
        });
        let asking = self
            .editor
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(|n| n.text == PREDICT_FIRST));
        if asking {
            self.editor.notice.set(None);
        }
    }

    /// Updates the current chapter's progress and saves it.
    pub fn update_chapter(&self, f: impl FnOnce(&mut progress::ChapterProgress)) {
        if let Mode::Chapter(i) = self.mode.get_untracked() {
            let id = self.id(i);
            self.progress.update(|p| p.update(&id, f));
            self.save_progress();
        }
    }

    /// Runs the current chapter's scenario to the end, in slices, and checks its goals.
    pub fn check_goals(&self) {
        let mode = self.mode.get_untracked();
        if !matches!(mode, Mode::Chapter(_) | Mode::Challenge) {
            return;
        }
        if !self.may_run() {
            return;
        }
        self.runner.reset();
        let d = self.editor.diagram.get_untracked();
        let s = self.scenario.scenario.get_untracked();
        let course = *self;
        let checked = d.clone();
        let started = self.checker.try_update_value(|c| {
            c.start(&d, &s, self.check, move |m| {
                course.finished(mode, &checked, &m, false)
            })
        });
        if let Some(Err(problems)) = started {
            self.check.set(CheckState::Blocked(problems));
        }
    }

    /// A run of the scenario of `mode` (a chapter or a challenge) on `d` finished with
    /// `m`: the goals are checked; a chapter is done when all pass, and its prediction,
    /// once answered or skipped, gets what the simulation measured.
    fn finished(&self, mode: Mode, d: &Diagram, m: &Metrics, from_run: bool) {
        if self.mode.get_untracked() != mode {
            return;
        }
        let results = evaluate(d, m, &self.goals());
        if let Mode::Chapter(i) = mode {
            let shows = self.with_lesson(i, |l| {
                l.prediction.as_ref().map(|p| evaluate(d, m, &p.shows))
            });
            let all = results.iter().all(|r| r.pass);
            self.update_chapter(|c| {
                if all {
                    c.done = true;
                }
                if let (Some(shows), false, None) = (shows, c.prediction_pending(), &c.revealed) {
                    c.revealed = Some(shows.into_iter().map(|r| (r.goal, r.shown)).collect());
                }
            });
        }
        self.check.set(CheckState::Done {
            results,
            stale: false,
            from_run,
        });
        if !from_run {
            let duration = self.scenario.scenario.with_untracked(|s| s.duration_s) as f64;
            self.runner.show_checked(m.clone(), duration);
        }
        // Bring the results into view: the text above them can be long.
        if let Some(el) = document()
            .query_selector("[data-testid=goals]")
            .ok()
            .flatten()
        {
            el.scroll_into_view();
        }
    }

    /// Follows the editor and the animated run: an edit makes a check's results stale
    /// (and stops a check under way); a chapter run that reaches its end untouched
    /// counts as a check.
    fn watch(&self) {
        let course = *self;
        Effect::new(move |prev: Option<()>| {
            course.editor.diagram.track();
            if prev.is_none() {
                return;
            }
            course.checker.update_value(check::Checker::cancel);
            course.check.update(|c| match c {
                CheckState::Done { stale, .. } => *stale = true,
                CheckState::Running { .. } | CheckState::Blocked(_) => *c = CheckState::Idle,
                CheckState::Idle => {}
            });
        });
        Effect::new(move |_| {
            let Some(m) = course.runner.final_metrics.get() else {
                return;
            };
            let mode = course.mode.get_untracked();
            if !matches!(mode, Mode::Chapter(_) | Mode::Challenge) {
                return;
            }
            if course.runner.intervened.get_untracked() {
                course.editor.show(
                    "You killed or restored components by hand in this run, so it does not count toward the goals. Run it again without touching, or press Check goals.",
                    false,
                );
                return;
            }
            let d = course.editor.diagram.get_untracked();
            course.finished(mode, &d, &m, true);
        });
    }

    /// Puts the reference solution on the canvas (as an edit that can be undone),
    /// keeping the learner's diagram to go back to.
    pub fn show_solution(&self) {
        let Mode::Chapter(i) = self.mode.get_untracked() else {
            return;
        };
        let id = self.id(i);
        let already = self.progress.with_untracked(|p| p.of(&id).solution_shown);
        if !already {
            self.editor
                .diagram
                .with_untracked(|d| write_diagram(&own_key(&id), d));
        }
        self.runner.reset();
        let solution = self.with_lesson(i, |l| l.solution.clone());
        self.editor.edit(|d| *d = solution);
        self.update_chapter(|c| c.solution_shown = true);
        crate::app::fit_soon(self.editor);
    }

    /// Brings back the learner's own diagram after the solution was shown.
    pub fn back_to_own(&self) {
        let Mode::Chapter(i) = self.mode.get_untracked() else {
            return;
        };
        let id = self.id(i);
        if let Some(Ok(own)) = read_diagram(&own_key(&id)) {
            self.runner.reset();
            self.editor.edit(|d| *d = own);
            crate::app::fit_soon(self.editor);
        }
        if let Some(store) = storage() {
            let _ = store.remove_item(&own_key(&id));
        }
        self.update_chapter(|c| c.solution_shown = false);
    }
}
