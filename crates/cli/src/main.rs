//! `scalelab-cli`: runs a Scale Lab diagram and scenario headless and prints metrics as
//! JSON, checks goals (exit 1 when one fails), and benchmarks the engine. Bad input
//! files are reported with file, line and column, and exit with code 2.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use scalelab_engine::bench::bench_workload_for;
use scalelab_engine::finding::{grouped, Severity};
use scalelab_engine::format::MAX_INPUT_BYTES;
use scalelab_engine::lesson::{check_chapter, course_problems, ChapterReport, CourseManifest};
use scalelab_engine::link::{compile_course, from_link, to_link, Challenge, Shared};
use scalelab_engine::{
    evaluate, Diagram, FormatError, GoalResult, GoalSet, Lesson, LessonProblem, LevelRule,
    Scenario, Simulation, Starter,
};

const USAGE: &str = "\
usage:
  scalelab-cli run DIAGRAM.json [--scenario SCENARIO.json] [--seed N] [--series] [--digest]
      Run the diagram and print the metrics as JSON (the per-second series only with
      --series), or with --digest only the run's fingerprint (what the browser shows).
  scalelab-cli check DIAGRAM.json --goals GOALS.json [--scenario SCENARIO.json] [--seed N]
      Run and check the goals; print the results as JSON; exit 1 if a goal fails.
  scalelab-cli check-lesson LESSON.json
      Check a chapter for its author: the file loads without problems, its reference
      solution passes every goal and its starting diagram fails at least one. A chapter
      that continues from the previous one uses course.json in the same folder.
      Exit 0 when both hold, 1 otherwise.
  scalelab-cli link DIAGRAM.json [--scenario SCENARIO.json] [--goals GOALS.json
        --title TITLE [--text TEXT]] [--base URL]
      Print the share link of a diagram (what follows # in the app's address, or the
      whole address with --base), with its scenario, or as a challenge with goals, a
      title and a text.
  scalelab-cli unlink LINK
      Print what a share link holds as JSON: {\"diagram\", \"scenario\", \"challenge\"}.
      LINK is the whole address or what follows its #; - reads it from standard input
      (for a link longer than the system lets an argument be).
  scalelab-cli compile-lessons LESSONS_DIR OUT_FILE
      Read every chapter listed in LESSONS_DIR/course.json and write the compiled
      course the browser loads (every problem is reported with file and line).
  scalelab-cli bench-files DIR
      Write the browser benchmarks' diagrams and scenarios into DIR.
  scalelab-cli bench [--seconds N]
      Run the standard benchmark workload for N simulated seconds (default 20) and
      print events processed, wall time and events per second.

Problems and warnings go to standard error; a warning does not stop a run.
Exit codes: 0 success, 1 a goal failed, 2 bad input or usage (or output that could not
be written).";

/// A problem that ends the program with exit code 2.
#[derive(Debug)]
enum CliError {
    Usage(String),
    Read {
        path: String,
        message: String,
    },
    Format {
        path: String,
        error: FormatError,
    },
    Invalid {
        path: String,
        /// What they stop: "the run", "the link", "the check".
        stops: &'static str,
        findings: Vec<String>,
    },
    Lesson {
        path: String,
        problems: Vec<LessonProblem>,
    },
    /// A share link that does not open; the message says why.
    Link(String),
    /// A file the command writes could not be written.
    Write {
        path: String,
        message: String,
    },
    /// What the command prints could not be written (a full disk, say).
    Output(String),
}

/// Most problems listed under one file; the rest are counted.
const MAX_LISTED: usize = 20;

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Read { path, message } => {
                write!(f, "{path}: cannot read the file: {message}")
            }
            CliError::Format { path, error } => write!(f, "{path}: {error}"),
            CliError::Write { path, message } => {
                write!(f, "{path}: cannot write it: {message}")
            }
            CliError::Output(message) => {
                write!(
                    f,
                    "what this command prints could not be written: {message}"
                )
            }
            CliError::Link(message) => f.write_str(message),
            CliError::Lesson { path, problems } => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{path}: {p}")?;
                }
                Ok(())
            }
            CliError::Invalid {
                path,
                stops,
                findings,
            } => {
                write!(f, "{path}: these problems stop {stops}:")?;
                for x in findings.iter().take(MAX_LISTED) {
                    write!(f, "\n  - {x}")?;
                }
                if findings.len() > MAX_LISTED {
                    write!(
                        f,
                        "\n  … and {} more",
                        scalelab_engine::format::thousands((findings.len() - MAX_LISTED) as f64)
                    )?;
                }
                Ok(())
            }
        }
    }
}

#[derive(Default)]
struct Args {
    command: String,
    file: Option<String>,
    scenario: Option<String>,
    goals: Option<String>,
    title: Option<String>,
    text: Option<String>,
    base: Option<String>,
    second: Option<String>,
    seed: Option<u64>,
    seconds: Option<u32>,
    series: bool,
    digest: bool,
    /// The options given, to check them against the command's.
    given: Vec<&'static str>,
}

/// Each command's options and how many plain arguments (files, a link) it takes.
const COMMANDS: &[(&str, &[&str], usize)] = &[
    ("run", &["--scenario", "--seed", "--series", "--digest"], 1),
    ("check", &["--goals", "--scenario", "--seed"], 1),
    ("check-lesson", &[], 1),
    (
        "link",
        &["--scenario", "--goals", "--title", "--text", "--base"],
        1,
    ),
    ("unlink", &[], 1),
    ("compile-lessons", &[], 2),
    ("bench-files", &[], 1),
    ("bench", &["--seconds"], 0),
];

fn parse_args(raw: &[String]) -> Result<Args, CliError> {
    let mut a = Args::default();
    let mut it = raw.iter();
    a.command = it
        .next()
        .cloned()
        .ok_or_else(|| CliError::Usage("missing command".into()))?;
    // The command's entry; an unknown command is said after the arguments are read.
    let own = COMMANDS.iter().find(|c| c.0 == a.command);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<String, CliError> {
            it.next()
                .cloned()
                .ok_or_else(|| CliError::Usage(format!("{name} needs a value")))
        };
        // Any command's option: said at once when this command does not take it, before
        // its value is read (`bench --seed x` is about the option, not the "x").
        if let Some(o) = COMMANDS.iter().flat_map(|c| c.1).find(|o| **o == arg) {
            if let Some((command, ..)) = own.filter(|c| !c.1.contains(o)) {
                return Err(CliError::Usage(format!(
                    "{o} is not an option of {command}"
                )));
            }
            if a.given.contains(o) {
                return Err(CliError::Usage(format!("{o} is given twice")));
            }
            a.given.push(o);
        }
        match arg.as_str() {
            "--scenario" => a.scenario = Some(value("--scenario")?),
            "--goals" => a.goals = Some(value("--goals")?),
            "--title" => a.title = Some(value("--title")?),
            "--text" => a.text = Some(value("--text")?),
            "--base" => {
                let v = value("--base")?;
                let v = v.trim_end_matches('#').to_string();
                let web = ["http://", "https://"].iter().any(|p| {
                    v.get(..p.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(p))
                        && v.len() > p.len()
                });
                if !web
                    || v.contains('#')
                    || v.chars().any(|c| c.is_whitespace() || c.is_control())
                    || v.chars().count() > 500
                {
                    return Err(CliError::Usage(format!(
                        "--base needs the web address the app is served at: starting with http:// or https://, without spaces or a #, at most 500 characters (for example https://example.org/scale-lab/), not \"{v}\""
                    )));
                }
                a.base = Some(v);
            }
            "--seed" => {
                let v = value("--seed")?;
                a.seed = Some(v.parse().map_err(|_| {
                    CliError::Usage(format!(
                        "--seed needs a whole number from 0 to {}, not \"{v}\"",
                        u64::MAX
                    ))
                })?);
            }
            "--seconds" => {
                let v = value("--seconds")?;
                a.seconds = Some(
                    v.parse()
                        .ok()
                        .filter(|n| (1..=3600).contains(n))
                        .ok_or_else(|| {
                            CliError::Usage(format!(
                                "--seconds needs a whole number from 1 to 3600, not \"{v}\""
                            ))
                        })?,
                );
            }
            "--series" => a.series = true,
            "--digest" => a.digest = true,
            s if s.starts_with('-') && !(s == "-" && a.command == "unlink") => {
                // The command's own options, or every command's for an unknown command.
                let known = COMMANDS
                    .iter()
                    .filter(|c| own.is_none_or(|o| o.0 == c.0))
                    .flat_map(|c| c.1.iter().copied());
                let hint = did_you_mean(s, known);
                return Err(CliError::Usage(format!("unknown option {s}{hint}")));
            }
            s => {
                let takes = own.map_or(1, |c| c.2);
                if a.file.is_none() && takes >= 1 {
                    a.file = Some(s.to_string());
                } else if a.second.is_none() && takes >= 2 {
                    a.second = Some(s.to_string());
                } else {
                    return Err(CliError::Usage(format!("unexpected argument {s}")));
                }
            }
        }
    }
    if a.text.is_some() && a.title.is_none() {
        return Err(CliError::Usage(
            "--text is the text of a challenge, which needs --goals and --title too".into(),
        ));
    }
    Ok(a)
}

/// An input or output error in plain words, without the system's error number.
fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "there is no such file or folder".into(),
        K::PermissionDenied => "permission denied".into(),
        K::IsADirectory => "it is a folder, not a file".into(),
        K::NotADirectory => "a part of the path is a file, not a folder".into(),
        K::AlreadyExists => "a file of that name is in the way".into(),
        K::StorageFull => "the disk is full".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

/// Writes a line to standard error; when even that fails there is nobody to tell. A
/// control character in it (from a name a link carried, say) is shown as `�`, so that
/// nothing printed can clear the terminal or move its cursor.
macro_rules! note {
    ($($arg:tt)*) => {{
        let text: String = format!($($arg)*)
            .chars()
            .map(|c| match c.is_control() && c != '\n' && c != '\t' {
                true => '\u{FFFD}',
                false => c,
            })
            .collect();
        let _ = writeln!(std::io::stderr(), "{text}");
    }};
}

/// All of `source` if it holds at most `limit` bytes, `None` if more (reading stops one
/// byte past the limit, so an endless stream never fills memory).
fn read_at_most(source: impl Read, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    source.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// Reads a file of at most [`MAX_INPUT_BYTES`], checking the size while reading so a
/// huge file or an endless stream never fills memory.
fn read(path: &str) -> Result<String, CliError> {
    let fail = |message: String| CliError::Read {
        path: path.to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(io_words(&e)))?;
    let bytes = read_at_most(file, MAX_INPUT_BYTES)
        .map_err(|e| fail(io_words(&e)))?
        .ok_or_else(|| {
            fail(format!(
                "the file is larger than the limit of {} bytes",
                scalelab_engine::format::thousands(MAX_INPUT_BYTES as f64)
            ))
        })?;
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "the file is not UTF-8 text (byte {} is not valid)",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// A link given on standard input (`unlink -`), for links longer than the system lets
/// an argument be: read up to the longest link and an address before it (the link
/// reader ignores the line break a pipe leaves).
fn link_from_stdin() -> Result<String, CliError> {
    use scalelab_engine::link::MAX_LINK_CHARS;
    let bytes = read_at_most(std::io::stdin().lock(), MAX_LINK_CHARS + 1000)
        .map_err(|e| {
            CliError::Link(format!(
                "cannot read the link from standard input: {}",
                io_words(&e)
            ))
        })?
        .ok_or_else(|| {
            CliError::Link(format!(
                "the link on standard input is longer than a link can be ({} characters after the #)",
                scalelab_engine::format::thousands(MAX_LINK_CHARS as f64)
            ))
        })?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::Link("the link on standard input is not text".into()))
}

fn load(a: &Args) -> Result<(String, Diagram, Scenario), CliError> {
    let path = a
        .file
        .clone()
        .ok_or_else(|| CliError::Usage(format!("{} needs a DIAGRAM.json", a.command)))?;
    let (diagram, legacy_levels) =
        Diagram::from_json_with_levels(&read(&path)?).map_err(|error| CliError::Format {
            path: path.clone(),
            error,
        })?;
    let mut scenario = match &a.scenario {
        Some(p) => Scenario::from_json(&read(p)?).map_err(|error| CliError::Format {
            path: p.clone(),
            error,
        })?,
        None => Scenario::default(),
    };
    // A version-1 diagram carried its Users nodes' traffic levels; this tool used them
    // for the nodes its scenario did not list.
    scenario.adopt_levels(&legacy_levels, LevelRule::ScenarioFirst);
    if let Some(seed) = a.seed {
        scenario.seed = seed;
    }
    Ok((path, diagram, scenario))
}

fn simulate(
    path: &str,
    a: &Args,
    d: &Diagram,
    s: &Scenario,
) -> Result<scalelab_engine::Metrics, CliError> {
    let name = |id: &str| d.nodes.iter().find(|n| n.id == id).map(|n| n.name.clone());
    // As the page lists them: what is said of several components is said once.
    let mut sim = Simulation::new(d, s).map_err(|f| CliError::Invalid {
        stops: "the run",
        path: a
            .scenario
            .as_ref()
            .map(|p| format!("{path} with {p}"))
            .unwrap_or_else(|| path.to_string()),
        findings: grouped(&f, name).iter().map(|x| x.to_string()).collect(),
    })?;
    // What does not stop the run is still worth knowing (a queue nobody reads, say).
    let mut warnings = d.validate();
    warnings.extend(s.validate(d));
    warnings.retain(|f| f.severity == Severity::Warning);
    for w in grouped(&warnings, name) {
        note!("{path}: {w}");
    }
    sim.set_trace_sampling(0);
    sim.run_to_end();
    Ok(sim.into_metrics())
}

fn read_lesson(path: &str) -> Result<Lesson, CliError> {
    Lesson::from_json(&read(path)?).map_err(|problems| CliError::Lesson {
        path: path.to_string(),
        problems,
    })
}

/// The lesson at `path`, with the chapters before it when it continues from them (read
/// through course.json in its folder). Returns the chapters and its index.
fn load_chapter(path: &str) -> Result<(Vec<Lesson>, usize), CliError> {
    let lesson = read_lesson(path)?;
    if !matches!(lesson.starter, Starter::Continue(_)) {
        return Ok((vec![lesson], 0));
    }
    let dir = std::path::Path::new(path)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let manifest_path = dir.join("course.json").to_string_lossy().into_owned();
    let manifest =
        CourseManifest::from_json(&read(&manifest_path)?).map_err(|p| CliError::Lesson {
            path: manifest_path.clone(),
            problems: vec![p],
        })?;
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let index = manifest
        .chapters
        .iter()
        .position(|c| *c == name)
        .ok_or_else(|| CliError::Read {
            path: manifest_path.clone(),
            message: format!(
                "{name} continues from the previous chapter, but course.json does not list it"
            ),
        })?;
    let mut lessons = Vec::new();
    for chapter in &manifest.chapters[..index] {
        lessons.push(read_lesson(&dir.join(chapter).to_string_lossy())?);
    }
    lessons.push(lesson);
    if let Some(p) = course_problems(&lessons)
        .into_iter()
        .find(|p| p.chapter == index)
    {
        return Err(CliError::Lesson {
            path: path.to_string(),
            problems: vec![p.place(&read(path)?)],
        });
    }
    Ok((lessons, index))
}

fn print_results(title: &str, results: &[GoalResult]) {
    note!("{title}:");
    for r in results {
        let mark = if r.pass { "pass" } else { "FAIL" };
        let measured = if r.shown.is_empty() {
            String::new()
        } else {
            format!(" (measured {})", r.shown)
        };
        let reason = if r.reason.is_empty() {
            String::new()
        } else {
            format!(": {}", r.reason)
        };
        note!("  {mark}  {}{measured}{reason}", r.goal);
    }
}

fn print_report(lesson: &Lesson, report: &ChapterReport) -> Result<(), CliError> {
    note!("{}", lesson.title);
    print_results(
        "reference solution (must pass every goal)",
        &report.solution,
    );
    print_results(
        "starting diagram (must fail at least one goal)",
        &report.start,
    );
    let json = serde_json::json!({
        "lesson": lesson.id,
        "ok": report.ok(),
        "solution": report.solution,
        "start": report.start,
    });
    out(&serde_json::to_string_pretty(&json).unwrap_or_default())
}

/// Prints to stdout. A closed pipe (`| head`: the reader had enough) is not an error;
/// any other failure (a full disk) is.
fn out(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Output(io_words(&e))),
        _ => Ok(()),
    }
}

fn run(raw: &[String]) -> Result<ExitCode, CliError> {
    let a = parse_args(raw)?;
    match a.command.as_str() {
        "run" => {
            let (path, d, s) = load(&a)?;
            let m = simulate(&path, &a, &d, &s)?;
            if a.digest {
                out(&m.digest())?;
            } else {
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                let written = m
                    .write_json_pretty(a.series, &mut stdout)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(stdout))
                    .and_then(|()| stdout.flush());
                match written {
                    // A closed pipe (the reader had enough) is not the run's failure.
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                        return Err(CliError::Output(io_words(&e)));
                    }
                    _ => {}
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        "check" => {
            let goals_path = a
                .goals
                .clone()
                .ok_or_else(|| CliError::Usage("check needs --goals GOALS.json".into()))?;
            let goals =
                GoalSet::from_json(&read(&goals_path)?).map_err(|error| CliError::Format {
                    path: goals_path.clone(),
                    error,
                })?;
            let (path, d, s) = load(&a)?;
            let problems = goals.problems(&d, &s);
            if !problems.is_empty() {
                return Err(CliError::Invalid {
                    stops: "the check",
                    path: goals_path,
                    findings: problems.into_iter().map(|(_, m)| m).collect(),
                });
            }
            let m = simulate(&path, &a, &d, &s)?;
            let results = evaluate(&d, &m, &goals.goals);
            out(&serde_json::to_string_pretty(&results).unwrap_or_default())?;
            print_results("goals", &results);
            Ok(if results.iter().all(|r| r.pass) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        "link" => {
            let (path, d, s) = load(&a)?;
            let goals = match &a.goals {
                Some(p) => Some(
                    GoalSet::from_json(&read(p)?)
                        .map_err(|error| CliError::Format {
                            path: p.clone(),
                            error,
                        })?
                        .goals,
                ),
                None => None,
            };
            let challenge = match (goals, &a.title) {
                (Some(goals), Some(title)) => Some(Challenge {
                    title: title.clone(),
                    text: a.text.clone().unwrap_or_default(),
                    goals,
                }),
                (None, None) => None,
                _ => {
                    return Err(CliError::Usage(
                        "a challenge needs both --goals and --title".into(),
                    ))
                }
            };
            let shared = Shared {
                diagram: d,
                scenario: (a.scenario.is_some() || challenge.is_some()).then_some(s),
                challenge,
            };
            let mut problems = shared.problems();
            if problems.is_empty() {
                problems.extend(shared.link_problem());
            }
            if !problems.is_empty() {
                return Err(CliError::Invalid {
                    stops: "the link",
                    path,
                    findings: problems,
                });
            }
            let link = match &a.base {
                Some(base) => format!("{base}#{}", to_link(&shared)),
                None => to_link(&shared),
            };
            out(&link)?;
            note!("{} characters", link.len());
            Ok(ExitCode::SUCCESS)
        }
        "unlink" => {
            let text = a
                .file
                .clone()
                .ok_or_else(|| CliError::Usage("unlink needs a LINK".into()))?;
            let text = match text.as_str() {
                "-" => link_from_stdin()?,
                _ => text,
            };
            let shared = from_link(&text).map_err(|e| CliError::Link(e.to_string()))?;
            let mut doc = serde_json::Map::new();
            let value = |x: serde_json::Result<serde_json::Value>| x.unwrap_or_default();
            doc.insert(
                "diagram".into(),
                value(serde_json::to_value(&shared.diagram)),
            );
            if let Some(s) = &shared.scenario {
                doc.insert("scenario".into(), value(serde_json::to_value(s)));
            }
            if let Some(c) = &shared.challenge {
                let goals = GoalSet {
                    version: scalelab_engine::goals::GOALS_VERSION,
                    goals: c.goals.clone(),
                };
                doc.insert(
                    "challenge".into(),
                    serde_json::json!({
                        "title": c.title,
                        "text": c.text,
                        "goals": value(serde_json::to_value(&goals)),
                    }),
                );
            }
            out(&serde_json::to_string_pretty(&doc).unwrap_or_default())?;
            Ok(ExitCode::SUCCESS)
        }
        "compile-lessons" => {
            let (dir, target) = match (&a.file, &a.second) {
                (Some(d), Some(t)) => (d.clone(), t.clone()),
                _ => {
                    return Err(CliError::Usage(
                        "compile-lessons needs LESSONS_DIR and OUT_FILE".into(),
                    ))
                }
            };
            let base = std::path::Path::new(&dir);
            let manifest_path = base.join("course.json").to_string_lossy().into_owned();
            let manifest = CourseManifest::from_json(&read(&manifest_path)?).map_err(|p| {
                CliError::Lesson {
                    path: manifest_path.clone(),
                    problems: vec![p],
                }
            })?;
            let mut lessons = Vec::new();
            for chapter in &manifest.chapters {
                lessons.push(read_lesson(&base.join(chapter).to_string_lossy())?);
            }
            if let Some(p) = course_problems(&lessons).into_iter().next() {
                let path = base
                    .join(&manifest.chapters[p.chapter])
                    .to_string_lossy()
                    .into_owned();
                return Err(CliError::Lesson {
                    problems: vec![p.place(&read(&path)?)],
                    path,
                });
            }
            let bytes = compile_course(&manifest.title, &lessons);
            if let Some(parent) = std::path::Path::new(&target).parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            std::fs::write(&target, &bytes).map_err(|e| CliError::Write {
                path: target.clone(),
                message: io_words(&e),
            })?;
            note!(
                "{} chapters, {} bytes, written to {target}",
                lessons.len(),
                bytes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        "bench-files" => {
            let dir = a
                .file
                .clone()
                .ok_or_else(|| CliError::Usage("bench-files needs a DIR".into()))?;
            let fail = |e: std::io::Error| CliError::Write {
                path: dir.clone(),
                message: io_words(&e),
            };
            std::fs::create_dir_all(&dir).map_err(fail)?;
            for (name, d, s) in scalelab_engine::bench::browser_workloads() {
                // The page reads records, not JSON (it carries no JSON reader).
                let record =
                    scalelab_engine::link::to_record(&scalelab_engine::link::Record::Sandbox(d, s));
                std::fs::write(
                    std::path::Path::new(&dir).join(format!("{name}.record")),
                    record,
                )
                .map_err(fail)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        "check-lesson" => {
            let path = a
                .file
                .clone()
                .ok_or_else(|| CliError::Usage("check-lesson needs a LESSON.json".into()))?;
            let (lessons, index) = load_chapter(&path)?;
            let report =
                check_chapter(&lessons, index).map_err(|(which, findings)| CliError::Invalid {
                    stops: "the run",
                    path: format!("{path} ({which})"),
                    findings: findings.iter().map(|f| f.to_string()).collect(),
                })?;
            print_report(&lessons[index], &report)?;
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        "bench" => {
            let seconds = a.seconds.unwrap_or(20);
            let (d, s) = bench_workload_for(seconds);
            let mut sim = Simulation::new(&d, &s).map_err(|f| CliError::Invalid {
                stops: "the run",
                path: "benchmark workload".into(),
                findings: f.iter().map(|x| x.to_string()).collect(),
            })?;
            sim.set_trace_sampling(0);
            let start = Instant::now();
            sim.run_to_end();
            let wall = start.elapsed().as_secs_f64();
            let events = sim.events_processed();
            let m = sim.snapshot();
            out(&format!(
                "simulated seconds: {seconds}\nrequests: {}\nevents: {events}\nwall seconds: {wall:.3}\nevents per second: {:.0}",
                m.totals.requests,
                events as f64 / wall.max(1e-9)
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => {
            out(USAGE)?;
            Ok(ExitCode::SUCCESS)
        }
        other => {
            let hint = did_you_mean(other, COMMANDS.iter().map(|c| c.0));
            Err(CliError::Usage(format!(
                "unknown command \"{other}\"{hint}"
            )))
        }
    }
}

/// The arguments as text; one that is not (a file name with bytes that are not UTF-8)
/// is a usage error, not a panic.
fn arguments() -> Result<Vec<String>, CliError> {
    std::env::args_os()
        .skip(1)
        .enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| {
                CliError::Usage(format!(
                    "argument {} (\"{}\") is not UTF-8 text; rename the file or give the text in UTF-8",
                    i + 1,
                    a.to_string_lossy()
                ))
            })
        })
        .collect()
}

/// "; did you mean --seed?" when a known name is close to what was typed, else nothing.
fn did_you_mean<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    scalelab_engine::nearest(typed, known).map_or(String::new(), |n| format!("; did you mean {n}?"))
}

/// The usage of `command` when it is one, else of every command.
fn usage_of(command: Option<&str>) -> String {
    // Every command's line has something after its name ("check " is not "check-lesson").
    let head = command.map(|c| format!("  scalelab-cli {c} "));
    // The command's line and the indented lines under it.
    let section: Vec<&str> = match &head {
        Some(h) => USAGE
            .lines()
            .skip_while(|l| !l.starts_with(h.as_str()))
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with("      "))
            .map(|(_, l)| l)
            .collect(),
        None => Vec::new(),
    };
    match section.is_empty() {
        true => USAGE.to_string(),
        false => format!(
            "usage:\n{}\n\n\"scalelab-cli help\" lists every command.",
            section.join("\n")
        ),
    }
}

fn main() -> ExitCode {
    let raw = arguments();
    let command = raw.as_ref().ok().and_then(|r| r.first().cloned());
    match raw.and_then(|raw| run(&raw)) {
        Ok(code) => code,
        Err(e @ CliError::Usage(_)) => {
            note!("error: {e}\n\n{}", usage_of(command.as_deref()));
            ExitCode::from(2)
        }
        Err(e) => {
            note!("error: {e}");
            ExitCode::from(2)
        }
    }
}
