//! Lessons: one chapter of the course as a data file (its text, the components it
//! unlocks, a starter diagram or "continue" from the previous chapter, a scenario,
//! goals, hints, an optional prediction question and a reference solution), and the
//! course manifest that orders them. Loading a lesson reports every problem it finds,
//! each with the line and column in the file and a sentence for the author.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::components::Kind;
use crate::diagram::{self, Diagram};
use crate::finding::{Finding, Severity};
use crate::format::{self, parse_part, short, FormatError, Versioned};
use crate::goals::{evaluate, goal_problems, Goal, GoalResult};
use crate::jsonpos::{self, Seg};
use crate::scenario::{self, Action, Scenario};
use crate::sim::run_to_end;
use crate::validate::nearest;

/// The lesson format version this engine reads and writes.
pub const LESSON_VERSION: u32 = 1;
/// The course manifest version.
pub const COURSE_VERSION: u32 = 1;
/// The largest lesson file.
pub const MAX_LESSON_BYTES: usize = 512 * 1024;
/// Most chapters in a course.
pub const MAX_CHAPTERS: usize = 64;
/// Longest title, in characters.
pub const MAX_TITLE: usize = 80;

const LESSON_FORMAT: Versioned = Versioned {
    what: "lesson",
    current: LESSON_VERSION,
    migrate: format::no_migration,
};
const COURSE_FORMAT: Versioned = Versioned {
    what: "course",
    current: COURSE_VERSION,
    migrate: format::no_migration,
};

/// One chapter of the course.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lesson {
    /// A short stable name: "load-balancer" (lowercase letters, digits and dashes).
    pub id: String,
    pub title: String,
    /// One line for the chapter list.
    pub summary: String,
    /// Paragraphs; `**bold**` and `` `code` `` are the only markup.
    pub text: Vec<String>,
    /// Component kinds this chapter adds to the palette (the palette of a chapter holds
    /// everything unlocked up to it).
    pub unlocks: Vec<Kind>,
    /// This chapter adds the data-center box to the palette ("data_center" in
    /// `unlocks`).
    pub unlocks_data_centers: bool,
    pub starter: Starter,
    pub scenario: Scenario,
    pub goals: Vec<Goal>,
    /// Revealed one at a time.
    pub hints: Vec<String>,
    pub prediction: Option<Prediction>,
    /// A diagram that passes every goal.
    pub solution: Diagram,
    /// Why the solution works, shown with it.
    pub solution_note: String,
}

/// Where a chapter's diagram starts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Starter {
    Diagram(Diagram),
    /// The learner's diagram of the previous chapter (or its solution), with these
    /// additions (new users in other regions, say).
    Continue(Additions),
}

/// What a chapter adds to the diagram it continues: nodes, edges and data centers that
/// are not there yet (what the learner already has is kept as it is).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Additions {
    #[serde(default)]
    pub nodes: Vec<crate::diagram::Node>,
    #[serde(default)]
    pub edges: Vec<crate::diagram::Edge>,
    #[serde(default)]
    pub data_centers: Vec<crate::diagram::DataCenter>,
}

impl Additions {
    /// `previous` with the additions: data centers and nodes whose ids are not taken,
    /// and edges between nodes that exist, not there yet.
    pub fn apply_to(&self, previous: &Diagram) -> Diagram {
        let mut d = previous.clone();
        for dc in &self.data_centers {
            if d.data_center(&dc.id).is_none() {
                d.data_centers.push(dc.clone());
            }
        }
        for n in &self.nodes {
            if d.node(&n.id).is_none() {
                d.nodes.push(n.clone());
            }
        }
        for e in &self.edges {
            let present = d.edges.iter().any(|x| x == e);
            if !present && d.node(&e.from).is_some() && d.node(&e.to).is_some() {
                d.edges.push(e.clone());
            }
        }
        d
    }
}

/// A multiple-choice question asked before the first run; after the run the panel
/// shows what the simulation measured next to the learner's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prediction {
    pub question: String,
    pub choices: Vec<String>,
    /// Index of the right choice.
    pub answer: usize,
    /// Why the right choice is right, in one or two sentences.
    pub why: String,
    /// What to show after the run: each goal's label and measured value.
    pub shows: Vec<Goal>,
}

/// A problem in a lesson or course file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LessonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl From<FormatError> for LessonProblem {
    fn from(e: FormatError) -> Self {
        let (line, column) = (e.line().unwrap_or(1), e.column().unwrap_or(1));
        let text = e.to_string();
        let message = match text.split_once(": ") {
            Some((place, rest)) if place.starts_with("line ") => rest.to_string(),
            _ => text,
        };
        LessonProblem {
            line,
            column,
            message,
        }
    }
}

/// The outer shape of a lesson file; the parts are read one by one so that a problem
/// in one does not hide the others.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Outer {
    version: u32,
    id: String,
    title: String,
    #[serde(default)]
    summary: String,
    text: Vec<String>,
    #[serde(default)]
    unlocks: Vec<String>,
    starter: Value,
    scenario: Value,
    goals: Vec<Value>,
    #[serde(default)]
    hints: Vec<String>,
    #[serde(default)]
    prediction: Option<Value>,
    solution: Value,
    #[serde(default)]
    solution_note: String,
}

/// Collects problems with their place in the file.
struct Problems<'t> {
    text: &'t str,
    list: Vec<LessonProblem>,
}

impl Problems<'_> {
    fn at(&mut self, path: &[Seg], message: impl Into<String>) {
        let (line, column) =
            jsonpos::locate(self.text, path).map_or((1, 1), |p| (p.line, p.column));
        self.list.push(LessonProblem {
            line,
            column,
            message: message.into(),
        });
    }

    fn format(&mut self, e: FormatError) {
        self.list.push(e.into());
    }

    /// The error findings of a diagram, each placed at its node.
    fn diagram(&mut self, part: &str, d: &Diagram, findings: Vec<Finding>, what: &str) {
        for f in findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
        {
            let index = f.node.as_deref().and_then(|id| d.node_index(id));
            let path: Vec<Seg> = match index {
                Some(i) => vec![Seg::Key(part), Seg::Key("nodes"), Seg::Index(i)],
                None => vec![Seg::Key(part)],
            };
            self.at(&path, format!("In {what}: {}", f.message));
        }
    }
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl Lesson {
    /// Reads a lesson file and checks it: every problem found, with its line and column.
    pub fn from_json(text: &str) -> Result<Lesson, Vec<LessonProblem>> {
        if text.len() > MAX_LESSON_BYTES {
            return Err(vec![LessonProblem {
                line: 1,
                column: 1,
                message: format!(
                    "the lesson file is {} bytes; the limit is {} bytes",
                    format::thousands(text.len() as f64),
                    format::thousands(MAX_LESSON_BYTES as f64)
                ),
            }]);
        }
        let outer: Outer =
            format::parse_versioned(text, &LESSON_FORMAT).map_err(|e| vec![e.into()])?;
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let mut p = Problems {
            text,
            list: Vec::new(),
        };

        if !is_id(&outer.id) {
            p.at(
                &[Seg::Key("id")],
                "The id must be 1 to 40 lowercase letters, digits or dashes, like \"load-balancer\".",
            );
        }
        let title_len = outer.title.trim().chars().count();
        if title_len == 0 || title_len > MAX_TITLE {
            p.at(
                &[Seg::Key("title")],
                format!("The title must have 1 to {MAX_TITLE} characters."),
            );
        }
        if outer.text.is_empty() || outer.text.iter().any(|t| t.trim().is_empty()) {
            p.at(
                &[Seg::Key("text")],
                "The text needs at least one paragraph, and no paragraph may be empty.",
            );
        }
        for (i, h) in outer.hints.iter().enumerate() {
            if h.trim().is_empty() {
                p.at(
                    &[Seg::Key("hints"), Seg::Index(i)],
                    "A hint may not be empty.",
                );
            }
        }
        let mut unlocks = Vec::new();
        let mut unlocks_data_centers = false;
        for (i, key) in outer.unlocks.iter().enumerate() {
            match Kind::from_key(key) {
                Some(k) => unlocks.push(k),
                None if key == DATA_CENTER => unlocks_data_centers = true,
                None => {
                    let keys = || Kind::ALL.iter().map(|k| k.key()).chain([DATA_CENTER]);
                    let hint = nearest(key, keys())
                        .map(|k| format!(" Did you mean \"{k}\"?"))
                        .unwrap_or_default();
                    let known: Vec<&str> = keys().collect();
                    p.at(
                        &[Seg::Key("unlocks"), Seg::Index(i)],
                        format!(
                            "\"{}\" is not a component; the components are {}.{hint}",
                            short(key),
                            known.join(", ")
                        ),
                    );
                }
            }
        }

        let starter = match &outer.starter {
            Value::String(s) if s == "continue" => Some(Starter::Continue(Additions::default())),
            Value::String(s) => {
                p.at(
                    &[Seg::Key("starter")],
                    format!(
                        "The starter must be a diagram, \"continue\" or {{\"continue_with\": ...}}, not \"{}\".",
                        short(s)
                    ),
                );
                None
            }
            Value::Object(o) if o.contains_key("continue_with") => {
                match parse_part::<Additions>(
                    text,
                    &[Seg::Key("starter"), Seg::Key("continue_with")],
                    None,
                ) {
                    Some(Ok(add)) if o.len() == 1 => Some(Starter::Continue(add)),
                    Some(Ok(_)) => {
                        p.at(
                            &[Seg::Key("starter")],
                            "A starter that continues has only \"continue_with\".",
                        );
                        None
                    }
                    Some(Err(e)) => {
                        p.format(e);
                        None
                    }
                    None => None,
                }
            }
            _ => part::<Diagram>(&mut p, "starter", &diagram::FORMAT).map(Starter::Diagram),
        };
        let scenario = part::<Scenario>(&mut p, "scenario", &scenario::FORMAT);
        let solution = part::<Diagram>(&mut p, "solution", &diagram::FORMAT);
        let mut goals = Vec::new();
        // The file index of each goal read (a goal that does not read is skipped).
        let mut goal_at = Vec::new();
        if outer.goals.is_empty() {
            p.at(&[Seg::Key("goals")], "A lesson needs at least one goal.");
        }
        for i in 0..outer.goals.len() {
            match parse_part::<Goal>(text, &[Seg::Key("goals"), Seg::Index(i)], None) {
                Some(Ok(g)) => {
                    goals.push(g);
                    goal_at.push(i);
                }
                Some(Err(e)) => p.format(e),
                None => {}
            }
        }
        let prediction = match outer.prediction {
            Some(_) => match parse_part::<Prediction>(text, &[Seg::Key("prediction")], None) {
                Some(Ok(pr)) => Some(pr),
                Some(Err(e)) => {
                    p.format(e);
                    None
                }
                None => None,
            },
            None => None,
        };

        if let Some(solution) = &solution {
            p.diagram("solution", solution, solution.validate(), "the solution");
        }
        if let Some(Starter::Diagram(d)) = &starter {
            p.diagram("starter", d, d.validate(), "the starter");
        }
        if let (Some(s), Some(solution)) = (&scenario, &solution) {
            let mut diagrams = vec![("the solution", solution)];
            if let Some(Starter::Diagram(d)) = &starter {
                diagrams.push(("the starter", d));
            }
            for (what, d) in diagrams {
                for f in s.validate(d) {
                    let path: Vec<Seg> = match &f.node {
                        Some(id) if s.traffic.contains_key(id) => {
                            vec![Seg::Key("scenario"), Seg::Key("traffic"), Seg::Key(id)]
                        }
                        _ => vec![Seg::Key("scenario")],
                    };
                    p.at(&path, format!("The scenario with {what}: {}", f.message));
                }
            }
            for (i, m) in goal_problems(&goals, solution, s) {
                p.at(&[Seg::Key("goals"), Seg::Index(goal_at[i])], m);
            }
            if let Some(pr) = &prediction {
                for (i, m) in goal_problems(&pr.shows, solution, s) {
                    p.at(
                        &[Seg::Key("prediction"), Seg::Key("shows"), Seg::Index(i)],
                        m,
                    );
                }
            }
        }
        if let Some(pr) = &prediction {
            if !(2..=6).contains(&pr.choices.len()) {
                p.at(
                    &[Seg::Key("prediction"), Seg::Key("choices")],
                    "A prediction needs 2 to 6 choices.",
                );
            } else if pr.answer >= pr.choices.len() {
                p.at(
                    &[Seg::Key("prediction"), Seg::Key("answer")],
                    format!(
                        "The answer is choice {}, but there are only {} choices (counting from 0).",
                        pr.answer,
                        pr.choices.len()
                    ),
                );
            }
            if pr.question.trim().is_empty() || pr.why.trim().is_empty() {
                p.at(
                    &[Seg::Key("prediction")],
                    "A prediction needs a question and a \"why\".",
                );
            }
            if pr.shows.is_empty() {
                p.at(
                    &[Seg::Key("prediction"), Seg::Key("shows")],
                    "A prediction must show at least one measured value after the run.",
                );
            }
        }

        if !p.list.is_empty() {
            return Err(p.list);
        }
        match (starter, scenario, solution) {
            (Some(starter), Some(scenario), Some(solution)) => Ok(Lesson {
                id: outer.id,
                title: outer.title,
                summary: outer.summary,
                text: outer.text,
                unlocks,
                unlocks_data_centers,
                starter,
                scenario,
                goals,
                hints: outer.hints,
                prediction,
                solution,
                solution_note: outer.solution_note,
            }),
            _ => Err(vec![LessonProblem {
                line: 1,
                column: 1,
                message: "the lesson could not be read".into(),
            }]),
        }
    }

    /// Runs the chapter's scenario on `diagram` and checks its goals.
    pub fn check(&self, diagram: &Diagram) -> Result<Vec<GoalResult>, Vec<Finding>> {
        let metrics = run_to_end(diagram, &self.scenario)?;
        Ok(evaluate(diagram, &metrics, &self.goals))
    }

    /// The components the chapter's scenario refers to (the Users nodes it gives
    /// traffic to, the components it fails): the learner may not delete or change
    /// them, or the chapter could not run.
    pub fn fixed_nodes(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.scenario.traffic.keys().map(String::as_str).collect();
        for e in &self.scenario.events {
            if let Action::KillNode(id)
            | Action::RestoreNode(id)
            | Action::Reshard { node: id, .. } = &e.action
            {
                if !ids.contains(&id.as_str()) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// The data centers the chapter's scenario fails: the learner may not delete them.
    pub fn fixed_data_centers(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for e in &self.scenario.events {
            if let Action::KillDc(id) | Action::RestoreDc(id) = &e.action {
                if !ids.contains(&id.as_str()) {
                    ids.push(id);
                }
            }
        }
        ids
    }
}

/// Reads one part of a lesson (a diagram or a scenario), recording its problem.
fn part<T: serde::de::DeserializeOwned + Serialize>(
    p: &mut Problems,
    key: &str,
    format: &Versioned,
) -> Option<T> {
    match parse_part::<T>(p.text, &[Seg::Key(key)], Some(format)) {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            p.format(e);
            None
        }
        None => None,
    }
}

/// The course manifest: the chapters in order (file names in the lessons folder).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseManifest {
    pub version: u32,
    pub title: String,
    pub chapters: Vec<String>,
}

impl CourseManifest {
    /// Reads `course.json`.
    pub fn from_json(text: &str) -> Result<CourseManifest, LessonProblem> {
        let m: CourseManifest = format::parse_versioned(text, &COURSE_FORMAT)?;
        let problem = |i: Option<usize>, message: String| {
            let path: Vec<Seg> = match i {
                Some(i) => vec![Seg::Key("chapters"), Seg::Index(i)],
                None => vec![Seg::Key("chapters")],
            };
            let (line, column) =
                jsonpos::locate(text, &path).map_or((1, 1), |p| (p.line, p.column));
            LessonProblem {
                line,
                column,
                message,
            }
        };
        if m.chapters.is_empty() || m.chapters.len() > MAX_CHAPTERS {
            return Err(problem(
                None,
                format!("A course has 1 to {MAX_CHAPTERS} chapters."),
            ));
        }
        for (i, name) in m.chapters.iter().enumerate() {
            let ok = name.ends_with(".json")
                && !name.contains(['/', '\\'])
                && !name.starts_with('.')
                && name.len() <= 80;
            if !ok {
                return Err(problem(
                    Some(i),
                    format!(
                        "\"{}\" must be the name of a .json file in the lessons folder.",
                        short(name)
                    ),
                ));
            }
            if m.chapters[..i].contains(name) {
                return Err(problem(Some(i), format!("\"{name}\" is listed twice.")));
            }
        }
        Ok(m)
    }
}

/// Checks that the chapters fit together: unique ids, and a first chapter that does
/// not continue from a previous one. Returns (chapter index, the top-level field at
/// fault, message); [`CourseProblem::place`] finds the field in the chapter's file.
pub fn course_problems(lessons: &[Lesson]) -> Vec<CourseProblem> {
    let mut out = Vec::new();
    for (i, l) in lessons.iter().enumerate() {
        if i == 0 && matches!(l.starter, Starter::Continue(_)) {
            out.push(CourseProblem {
                chapter: i,
                field: "starter",
                message: "The first chapter cannot continue from a previous one; give it a starter diagram."
                    .into(),
            });
        }
        if let Some(first) = lessons[..i].iter().position(|o| o.id == l.id) {
            out.push(CourseProblem {
                chapter: i,
                field: "id",
                message: format!(
                    "Chapter {} already has the id \"{}\"; give each chapter its own.",
                    first + 1,
                    l.id
                ),
            });
        }
    }
    out
}

/// A problem of a chapter in its course (see [`course_problems`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseProblem {
    /// The chapter's position in the course, from 0.
    pub chapter: usize,
    /// The top-level field of the chapter's file at fault.
    pub field: &'static str,
    pub message: String,
}

impl CourseProblem {
    /// The problem placed at its field's value in `text`, the chapter's file.
    pub fn place(&self, text: &str) -> LessonProblem {
        use crate::jsonpos::Seg;
        format::syntax_at(text, &[Seg::Key(self.field)], self.message.clone()).into()
    }
}

/// What checking a chapter found: the goals of its reference solution and of the
/// diagram it starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct ChapterReport {
    pub solution: Vec<GoalResult>,
    pub start: Vec<GoalResult>,
}

impl ChapterReport {
    /// The solution passes every goal and the starting diagram fails at least one.
    pub fn ok(&self) -> bool {
        self.solution.iter().all(|r| r.pass) && self.start.iter().any(|r| !r.pass)
    }
}

/// Runs chapter `index` on its solution and on the diagram it starts from. `Err` holds
/// what stops one of them from running, with which one it was.
pub fn check_chapter(
    lessons: &[Lesson],
    index: usize,
) -> Result<ChapterReport, (&'static str, Vec<Finding>)> {
    let lesson = &lessons[index];
    let start = starting_diagram(lessons, index).ok_or((
        "the starting diagram",
        vec![Finding::error(
            None,
            "The chapter continues from a previous one, but it is the first.",
        )],
    ))?;
    let solution = lesson
        .check(&lesson.solution)
        .map_err(|f| ("the solution", f))?;
    let start = lesson
        .check(&start)
        .map_err(|f| ("the starting diagram", f))?;
    Ok(ChapterReport { solution, start })
}

/// The name of the data-center box in a lesson's `unlocks`.
pub const DATA_CENTER: &str = "data_center";

/// What a learner may place in a chapter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Palette {
    /// In catalog order.
    pub kinds: Vec<Kind>,
    pub data_centers: bool,
}

/// What a learner may place in chapter `index`: everything unlocked up to it.
pub fn palette(lessons: &[Lesson], index: usize) -> Palette {
    let upto = &lessons[..(index + 1).min(lessons.len())];
    Palette {
        kinds: Kind::ALL
            .iter()
            .copied()
            .filter(|k| upto.iter().any(|l| l.unlocks.contains(k)))
            .collect(),
        data_centers: upto.iter().any(|l| l.unlocks_data_centers),
    }
}

/// The diagram a chapter starts from: its starter, or (when it continues) `previous`
/// (the learner's diagram of the chapter before) with the chapter's additions.
pub fn start_from(lesson: &Lesson, previous: &Diagram) -> Diagram {
    match &lesson.starter {
        Starter::Diagram(d) => d.clone(),
        Starter::Continue(add) => add.apply_to(previous),
    }
}

/// The diagram a chapter starts from when the learner did the previous chapter as its
/// reference solution.
pub fn starting_diagram(lessons: &[Lesson], index: usize) -> Option<Diagram> {
    let lesson = lessons.get(index)?;
    match &lesson.starter {
        Starter::Diagram(d) => Some(d.clone()),
        Starter::Continue(add) => index
            .checked_sub(1)
            .map(|p| add.apply_to(&lessons[p].solution)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(extra: &str) -> String {
        format!(
            r#"{{
  "version": 1,
  "id": "one-server",
  "title": "One server",
  "summary": "Everything on one machine.",
  "text": ["One server runs everything."],
  "unlocks": ["users", "web_server"],
  "starter": {{"version": 2, "nodes": [
    {{"id": "users-1", "kind": "users", "name": "Users", "x": 0, "y": 0}},
    {{"id": "web-1", "kind": "web_server", "name": "Web", "x": 200, "y": 0}}
  ], "edges": [{{"from": "users-1", "to": "web-1"}}]}},
  "scenario": {{"version": 2, "duration_s": 10, "traffic": {{"users-1": {{"rps": 100}}}}}},
  "goals": [{{"type": "metric", "metric": "p95_ms", "op": "<=", "value": 200}}],
  "hints": ["Look at the server."],
  "solution": {{"version": 2, "nodes": [
    {{"id": "users-1", "kind": "users", "name": "Users", "x": 0, "y": 0}},
    {{"id": "web-1", "kind": "web_server", "name": "Web", "x": 200, "y": 0, "params": {{"size": "large"}}}}
  ], "edges": [{{"from": "users-1", "to": "web-1"}}]}}{extra}
}}"#
        )
    }

    #[test]
    fn a_good_lesson_loads_and_its_solution_runs() {
        let l = Lesson::from_json(&lesson("")).unwrap();
        assert_eq!(l.id, "one-server");
        assert_eq!(l.unlocks, vec![Kind::Users, Kind::WebServer]);
        assert!(matches!(l.starter, Starter::Diagram(_)));
        assert_eq!(l.fixed_nodes(), vec!["users-1"]);
        let results = l.check(&l.solution).unwrap();
        assert_eq!(results.len(), 1);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = lesson("").replace("\"web_server\"]", "\"web_servr\"]").replace(
            "\"goals\": [{\"type\": \"metric\", \"metric\": \"p95_ms\", \"op\": \"<=\", \"value\": 200}]",
            "\"goals\": [{\"type\": \"metric\", \"metric\": \"p95_ms\", \"op\": \"<=\", \"value\": 200},\n {\"type\": \"node_metric\", \"node\": \"db-9\", \"metric\": \"utilisation\", \"op\": \"<\", \"value\": 0.8},\n {\"type\": \"metric\", \"metric\": \"p97_ms\", \"op\": \"<=\", \"value\": 1}]",
        );
        let problems = Lesson::from_json(&text).unwrap_err();
        let find = |needle: &str| {
            problems
                .iter()
                .find(|p| p.message.contains(needle))
                .unwrap_or_else(|| panic!("{needle}: {problems:#?}"))
        };
        let unknown = find("\"web_servr\" is not a component");
        assert_eq!(unknown.line, 7);
        assert!(unknown.message.contains("Did you mean \"web_server\"?"));
        let missing = find("there is no component \"db-9\"");
        assert_eq!(missing.line, 14);
        let metric = find("\"goals[2].metric\" cannot be \"p97_ms\"");
        assert_eq!(metric.line, 15);
        assert!(problems.len() >= 3);
    }

    #[test]
    fn broken_parts_do_not_hide_each_other() {
        let text = lesson("")
            .replace("\"duration_s\": 10", "\"duration_s\": -10")
            .replace("\"size\": \"large\"", "\"size\": \"huge\"");
        let problems = Lesson::from_json(&text).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("scenario.duration_s")),
            "{problems:#?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("In the solution") && p.message.contains("Size")),
            "{problems:#?}"
        );
    }

    #[test]
    fn syntax_errors_and_bad_predictions_have_positions() {
        let e = Lesson::from_json("{\"version\": 1,\n \"id\": }").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 2);
        let bad = lesson(
            r#",
  "prediction": {"question": "What happens?", "choices": ["A", "B"], "answer": 2, "why": "Because.",
    "shows": [{"type": "metric", "metric": "p95_ms", "op": "<=", "value": 200, "window": "peak"}]}"#,
        );
        let problems = Lesson::from_json(&bad).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("only 2 choices")),
            "{problems:#?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("no window named \"peak\"")),
            "{problems:#?}"
        );
        assert!(problems.iter().all(|p| p.line >= 18), "{problems:#?}");
    }

    #[test]
    fn continuing_adds_what_is_missing_and_keeps_the_learners_version() {
        let with_starter = |starter: &str| {
            let base = lesson("");
            let (from, to) = (
                base.find("\"starter\":").unwrap(),
                base.find("\"scenario\":").unwrap(),
            );
            format!(
                "{}\"starter\": {starter},\n  {}",
                &base[..from],
                &base[to..]
            )
        };
        let l = Lesson::from_json(&with_starter(
            r#"{"continue_with": {"nodes": [{"id": "users-2", "kind": "users", "name": "More", "x": 0, "y": 99}]}}"#,
        ))
        .unwrap();
        assert!(matches!(&l.starter, Starter::Continue(a) if a.nodes.len() == 1));
        let problems =
            Lesson::from_json(&with_starter(r#"{"continue_with": {}, "extra": 1}"#)).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("only \"continue_with\"")),
            "{problems:#?}"
        );
        let problems =
            Lesson::from_json(&with_starter(r#"{"continue_with": {"nodez": []}}"#)).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("\"nodez\" is not allowed")),
            "{problems:#?}"
        );
        let add = Additions {
            nodes: vec![
                crate::diagram::Node {
                    id: "users-1".into(),
                    kind: Kind::Users,
                    name: "Renamed".into(),
                    x: 9.0,
                    y: 9.0,
                    dc: None,
                    params: Default::default(),
                },
                crate::diagram::Node {
                    id: "users-2".into(),
                    kind: Kind::Users,
                    name: "More".into(),
                    x: 0.0,
                    y: 99.0,
                    dc: None,
                    params: Default::default(),
                },
            ],
            edges: vec![
                crate::diagram::Edge {
                    from: "users-2".into(),
                    to: "web-1".into(),
                },
                crate::diagram::Edge {
                    from: "users-2".into(),
                    to: "ghost".into(),
                },
            ],
            data_centers: Vec::new(),
        };
        let l = Lesson::from_json(&lesson("")).unwrap();
        let d = add.apply_to(&l.solution);
        assert_eq!(
            d.node("users-1").unwrap().name,
            "Users",
            "the learner's node is kept"
        );
        assert_eq!(d.node("users-2").unwrap().name, "More");
        assert_eq!(d.edges.len(), 2, "{:?}", d.edges);
    }

    #[test]
    fn the_course_manifest_lists_json_files_once() {
        let ok = CourseManifest::from_json(
            r#"{"version": 1, "title": "Course", "chapters": ["01-a.json", "02-b.json"]}"#,
        )
        .unwrap();
        assert_eq!(ok.chapters.len(), 2);
        for bad in [
            r#"{"version": 1, "title": "C", "chapters": ["../x.json"]}"#,
            r#"{"version": 1, "title": "C", "chapters": ["a.json", "a.json"]}"#,
            r#"{"version": 1, "title": "C", "chapters": []}"#,
        ] {
            assert!(CourseManifest::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn palettes_grow_and_continue_starts_from_the_previous_solution() {
        let first = Lesson::from_json(&lesson("")).unwrap();
        let mut second = first.clone();
        second.id = "two".into();
        second.unlocks = vec![Kind::LoadBalancer];
        second.starter = Starter::Continue(Additions::default());
        let mut third = Lesson::from_json(&lesson("").replace(
            r#""unlocks": ["users", "web_server"]"#,
            r#""unlocks": ["data_center"]"#,
        ))
        .unwrap();
        third.id = "three".into();
        let course = vec![first.clone(), second, third];
        assert_eq!(
            palette(&course, 0).kinds,
            vec![Kind::Users, Kind::WebServer]
        );
        assert!(!palette(&course, 1).data_centers);
        assert_eq!(
            palette(&course, 1).kinds,
            vec![Kind::Users, Kind::LoadBalancer, Kind::WebServer]
        );
        let all = palette(&course, 2);
        assert!(all.data_centers);
        assert_eq!(all.kinds, palette(&course, 1).kinds);
        assert_eq!(starting_diagram(&course, 1).as_ref(), Some(&first.solution));
        assert!(course_problems(&course).is_empty());
        let course = &course[..2];
        let wrong = vec![course[1].clone(), course[1].clone()];
        let found = course_problems(&wrong);
        assert_eq!(found.len(), 2);
        // Each placed at its field in the chapter's file.
        let text =
            "{\n  \"version\": 1,\n  \"id\": \"x\",\n  \"starter\": {\"continue_with\": {}}\n}";
        let placed: Vec<String> = found.iter().map(|p| p.place(text).to_string()).collect();
        assert_eq!(
            placed,
            [
                "line 4, column 14: The first chapter cannot continue from a previous one; give it a starter diagram.",
                format!("line 3, column 9: Chapter 1 already has the id \"{}\"; give each chapter its own.", wrong[1].id).as_str(),
            ]
        );
    }
}
