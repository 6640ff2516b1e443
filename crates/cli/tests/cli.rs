//! The command-line tool, driven through its built binary on the example files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    root()
        .join("examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalelab-cli"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout_json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

fn file_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(example(name)).unwrap()).unwrap()
}

fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("scalelab-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn run_prints_metrics_without_the_series_unless_asked() {
    let o = cli(&[
        "run",
        &example("diagram.json"),
        "--scenario",
        &example("scenario.json"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = stdout_json(&o);
    let diagram = file_json("diagram.json");
    let scenario = file_json("scenario.json");
    let totals = &m["totals"];
    // Every request created ended (the run is over), and the traffic the scenario
    // asks for was sent: its users' rates times its duration, within Poisson noise.
    assert_eq!(totals["created"], totals["requests"]);
    let duration = scenario["duration_s"].as_f64().unwrap();
    // Each profile's requests over the run: its mean rate times the duration.
    let asked: f64 = scenario["traffic"]
        .as_object()
        .unwrap()
        .values()
        .map(|t| {
            let rps = t["rps"].as_f64().unwrap();
            let p = &t["profile"];
            match p["type"].as_str().unwrap() {
                "constant" => rps * duration,
                "ramp" => (p["from_rps"].as_f64().unwrap() + rps) / 2.0 * duration,
                "spike" => {
                    let extra = p["factor"].as_f64().unwrap() - 1.0;
                    rps * duration + rps * extra * p["len_s"].as_f64().unwrap()
                }
                other => panic!("the example's {other} profile is not counted here"),
            }
        })
        .sum();
    let sent = totals["requests"].as_f64().unwrap();
    assert!(
        (sent - asked).abs() < 5.0 * asked.sqrt(),
        "{sent} vs {asked}"
    );
    assert_eq!(m["series"].as_array().unwrap().len(), 0);
    assert_eq!(
        m["nodes"].as_array().unwrap().len(),
        diagram["nodes"].as_array().unwrap().len()
    );
    assert_eq!(m["windows"][0]["name"], scenario["windows"][0]["name"]);

    let o = cli(&[
        "run",
        &example("diagram.json"),
        "--scenario",
        &example("scenario.json"),
        "--series",
    ]);
    assert!(o.status.success());
    // One point per simulated second, the last requests' drain included.
    let points = stdout_json(&o)["series"].as_array().unwrap().len() as f64;
    assert!(
        (duration..=duration + 3.0).contains(&points),
        "{points} points for {duration} s"
    );
}

#[test]
fn seed_is_reproducible_and_changes_the_run() {
    let run = |seed: &str| {
        let o = cli(&["run", &example("diagram.json"), "--seed", seed]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(run("5"), run("5"));
    assert_ne!(run("5"), run("6"));
}

#[test]
fn check_passes_the_example_goals() {
    let o = cli(&[
        "check",
        &example("diagram.json"),
        "--scenario",
        &example("scenario.json"),
        "--goals",
        &example("goals.json"),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let results = stdout_json(&o);
    let results = results.as_array().unwrap();
    assert_eq!(
        results.len(),
        file_json("goals.json")["goals"].as_array().unwrap().len()
    );
    assert!(results.iter().all(|r| r["pass"] == true));
    assert!(stderr.contains("pass  p95 latency"), "{stderr}");
}

#[test]
fn check_exits_1_and_names_the_cause_when_a_goal_fails() {
    let goals = temp_file(
        "strict-goals.json",
        r#"{"version": 1, "goals": [
            {"type": "metric", "metric": "p95_ms", "op": "<=", "value": 1},
            {"type": "has", "kind": "cdn", "at_least": 2}
        ]}"#,
    );
    let o = cli(&["check", &example("diagram.json"), "--goals", &goals]);
    assert_eq!(o.status.code(), Some(1));
    let results = stdout_json(&o);
    assert_eq!(results[0]["pass"], false);
    assert!(results[0]["measured"].as_f64().unwrap() > 1.0);
    assert!(
        results[0]["reason"].as_str().unwrap().contains("network"),
        "{results}"
    );
    assert_eq!(
        results[1]["reason"],
        "The diagram has 1 × CDN; the goal asks for at least 2."
    );
}

#[test]
fn bad_files_name_the_file_line_and_column_and_exit_2() {
    let bad = temp_file("bad-diagram.json", "{\n  \"version\": 1,\n  \"nodes\": [\n    {\"id\": \"x\", \"kind\": \"spaceship\", \"name\": \"X\", \"x\": 0, \"y\": 0}\n  ]\n}\n");
    let o = cli(&["run", &bad]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad-diagram.json: line 4, column"), "{err}");
    assert!(err.contains("spaceship"), "{err}");

    let bad = temp_file(
        "bad-scenario.json",
        "{\"version\": 1,\n\"duration_s\": \"long\"}",
    );
    let o = cli(&["run", &example("diagram.json"), "--scenario", &bad]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad-scenario.json: line 2, column"), "{err}");

    let invalid = temp_file(
        "invalid.json",
        r#"{"version": 1, "nodes": [{"id": "w", "kind": "web_server", "name": "W", "x": 0, "y": 0}]}"#,
    );
    let o = cli(&["run", &invalid]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Add a Users component"));

    let o = cli(&["run", "/definitely/not/here.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/definitely/not/here.json: cannot read"));
}

#[test]
fn a_usage_error_shows_the_usage_of_its_command_and_an_unknown_command_all_of_them() {
    let err = |args: &[&str]| String::from_utf8_lossy(&cli(args).stderr).to_string();
    let run = err(&["run", &example("diagram.json"), "--sed", "3"]);
    assert!(
        run.contains("\n  scalelab-cli run DIAGRAM.json [--scenario"),
        "{run}"
    );
    assert!(run.contains("--digest only the run's fingerprint"), "{run}");
    assert!(!run.contains("scalelab-cli check "), "{run}");
    assert!(
        run.ends_with("\"scalelab-cli help\" lists every command.\n"),
        "{run}"
    );
    // A usage spread over two lines is shown whole.
    let link = err(&["link", &example("diagram.json"), "--text", "t"]);
    assert!(
        link.contains("--goals GOALS.json\n        --title TITLE"),
        "{link}"
    );
    assert!(!link.contains("scalelab-cli unlink"), "{link}");
    let unknown = err(&["fly"]);
    for command in ["run", "check", "check-lesson", "link", "unlink", "bench"] {
        assert!(
            unknown.contains(&format!("  scalelab-cli {command} ")),
            "{unknown}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(cli(&[]).status.code(), Some(2));
    assert_eq!(cli(&["fly"]).status.code(), Some(2));
    assert_eq!(
        cli(&["run", &example("diagram.json"), "--seed", "x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        cli(&["check", &example("diagram.json")]).status.code(),
        Some(2)
    );
    assert!(cli(&["help"]).status.success());
    // An option another command takes, given twice, or a stray argument: said, not
    // ignored.
    for (args, said) in [
        (
            vec!["run", &example("diagram.json"), "--goals", "g.json"],
            "--goals is not an option of run",
        ),
        (
            vec![
                "run",
                &example("diagram.json"),
                "--seed",
                "1",
                "--seed",
                "2",
            ],
            "--seed is given twice",
        ),
        (vec!["bench", "extra"], "unexpected argument extra"),
        // The option is what is wrong, not its value.
        (
            vec!["bench", "--seed", "x"],
            "--seed is not an option of bench",
        ),
        // Near misses are named.
        (
            vec!["run", &example("diagram.json"), "--sed", "3"],
            "unknown option --sed; did you mean --seed?",
        ),
        (
            vec!["bench", "--secnds", "3"],
            "unknown option --secnds; did you mean --seconds?",
        ),
        (
            vec!["rn", &example("diagram.json")],
            "unknown command \"rn\"; did you mean run?",
        ),
        // A seed out of range says the range (the format's: 0 to 2^64 - 1).
        (
            vec!["run", &example("diagram.json"), "--seed", "18446744073709551616"],
            "--seed needs a whole number from 0 to 18446744073709551615, not \"18446744073709551616\"",
        ),
        (
            vec!["run", &example("diagram.json"), "--seed", "-1"],
            "--seed needs a whole number from 0 to 18446744073709551615, not \"-1\"",
        ),
        (
            vec!["link", &example("diagram.json"), "--text", "t"],
            "--text is the text of a challenge",
        ),
    ] {
        let o = cli(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with(&format!("error: {said}")),
            "{args:?}: {err}"
        );
    }
}

/// A file name that is not UTF-8 (Linux allows any bytes but `/` and NUL) is a usage
/// error with the name shown, not a crash.
#[cfg(target_os = "linux")]
#[test]
fn an_argument_that_is_not_utf8_exits_2_with_a_sentence() {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname.json");
    let o = Command::new(env!("CARGO_BIN_EXE_scalelab-cli"))
        .arg("run")
        .arg(name)
        .output()
        .expect("the binary runs");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: argument 2 (\"bad\u{FFFD}name.json\") is not UTF-8 text"),
        "{err}"
    );
}

#[test]
fn warnings_are_printed_and_do_not_stop_the_run() {
    // A message queue with no worker pool reading it: the run goes on, and says so.
    let diagram = temp_file(
        "queue-without-workers.json",
        r#"{"version": 2,
  "nodes": [
    {"id": "users-1", "kind": "users", "name": "Users", "x": 0, "y": 0},
    {"id": "web-1", "kind": "web_server", "name": "Web", "x": 100, "y": 0},
    {"id": "mq-1", "kind": "message_queue", "name": "Jobs", "x": 200, "y": 0}
  ],
  "edges": [{"from": "users-1", "to": "web-1"}, {"from": "web-1", "to": "mq-1"}]}"#,
    );
    let o = cli(&["run", &diagram]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(": warning (mq-1): Jobs"), "{err}");
    // The metrics still go to standard output, whole.
    stdout_json(&o);
}

#[test]
fn a_long_list_of_problems_is_cut_and_counted() {
    let traffic: Vec<String> = (0..30)
        .map(|i| format!(r#""ghost-{i}": {{"rps": 1}}"#))
        .collect();
    let scenario = temp_file(
        "many-problems.json",
        &format!(r#"{{"version": 2, "traffic": {{{}}}}}"#, traffic.join(", ")),
    );
    let o = cli(&["run", &example("diagram.json"), "--scenario", &scenario]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let listed = err.lines().filter(|l| l.starts_with("  - ")).count();
    assert_eq!(listed, 20, "{err}");
    assert!(err.trim_end().ends_with("  … and 10 more"), "{err}");
}

#[test]
fn a_missing_file_is_said_in_words_without_the_system_error_number() {
    let o = cli(&["run", "/definitely/not/here.json"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.trim(),
        "error: /definitely/not/here.json: cannot read the file: there is no such file or folder"
    );
    let o = cli(&["bench-files", "/dev/null/x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.trim(),
        "error: /dev/null/x: cannot write it: a part of the path is a file, not a folder"
    );
}

#[test]
fn bench_reports_events_per_second() {
    let o = cli(&["bench", "--seconds", "1"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    let events: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("events: "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!(events > 100_000, "{text}");
    assert!(text.contains("events per second: "));
}

#[test]
fn a_version_1_diagram_still_runs_its_users_at_their_own_level() {
    // Before version 2, a Users node carried its traffic level; the run must keep it.
    let v1 = temp_file(
        "v1-diagram.json",
        r#"{"version": 1, "nodes": [
            {"id": "u", "kind": "users", "name": "U", "x": 0, "y": 0, "params": {"rps": 200}},
            {"id": "w", "kind": "web_server", "name": "W", "x": 0, "y": 0, "params": {"size": "xlarge"}}
        ], "edges": [{"from": "u", "to": "w"}]}"#,
    );
    let scenario = temp_file("short.json", r#"{"version": 2, "duration_s": 20}"#);
    let o = cli(&["run", &v1, "--scenario", &scenario]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let requests = stdout_json(&o)["totals"]["requests"].as_f64().unwrap();
    // 200 req/s for 20 s: 4,000 requests, Poisson spread ±65 (1 sigma).
    assert!((requests - 4000.0).abs() < 300.0, "{requests}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it_all() {
    let path = temp_file("huge.json", "");
    std::fs::write(&path, vec![b' '; 4 * 1024 * 1024 + 10]).unwrap();
    let o = cli(&["run", &path]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("larger than the limit"), "{err}");
}

#[test]
fn a_link_opens_as_the_same_diagram_scenario_and_challenge() {
    let o = cli(&[
        "link",
        &example("diagram.json"),
        "--scenario",
        &example("scenario.json"),
        "--goals",
        &example("goals.json"),
        "--title",
        "Survive the failure",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let link = String::from_utf8(o.stdout).unwrap().trim().to_string();
    assert!(link.starts_with("s="), "{link}");
    let o = cli(&["unlink", &format!("https://example.org/#{link}")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let opened = stdout_json(&o);
    // What the link holds is what the files say.
    let file = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(example(name)).unwrap()).unwrap()
    };
    let diagram = file("diagram.json");
    assert_eq!(
        opened["diagram"]["nodes"].as_array().unwrap().len(),
        diagram["nodes"].as_array().unwrap().len()
    );
    for (a, b) in opened["diagram"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(diagram["nodes"].as_array().unwrap())
    {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["name"], b["name"]);
    }
    assert_eq!(
        opened["scenario"]["duration_s"],
        file("scenario.json")["duration_s"]
    );
    assert_eq!(opened["challenge"]["title"], "Survive the failure");
    assert_eq!(
        opened["challenge"]["goals"]["goals"]
            .as_array()
            .unwrap()
            .len(),
        file("goals.json")["goals"].as_array().unwrap().len()
    );
}

#[test]
fn a_damaged_link_exits_2_with_a_sentence() {
    for bad in ["https://example.org/", "s=AQ", "s=AQ!!"] {
        let o = cli(&["unlink", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("link"), "{bad}: {err}");
        assert!(!err.contains("Error") && !err.contains("::"), "{err}");
    }
    let o = cli(&["link", &example("diagram.json"), "--title", "No goals"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn problems_say_what_they_stop() {
    // A database wired to a web server, and nobody sending: no run, and no link.
    let bad = temp_file(
        "unrunnable.json",
        r#"{"version": 2, "nodes": [
            {"id": "w", "kind": "web_server", "name": "W", "x": 0, "y": 0},
            {"id": "d", "kind": "database", "name": "D", "x": 0, "y": 0}
        ], "edges": [{"from": "d", "to": "w"}]}"#,
    );
    for (command, stops) in [("run", "the run"), ("link", "the link")] {
        let o = cli(&[command, &bad]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with(&format!("error: {bad}: these problems stop {stops}:\n")),
            "{err}"
        );
        assert!(err.contains("Add a Users component"), "{err}");
    }
    // Goals naming what the design lacks stop the check.
    let goals = temp_file(
        "goals-on-nothing.json",
        r#"{"version": 1, "goals": [{"type": "node_metric", "node": "nope", "metric": "served", "op": ">", "value": 0}]}"#,
    );
    let o = cli(&["check", &example("diagram.json"), "--goals", &goals]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with(&format!("error: {goals}: these problems stop the check:\n")),
        "{err}"
    );
}

#[test]
fn a_control_character_a_link_carries_is_not_printed_to_the_terminal() {
    // A link can hold any name; this one would clear the screen, and its Users send
    // nowhere, so the problems (which name it) are printed.
    let mut d = scalelab_engine::Diagram::new();
    d.add_node(scalelab_engine::Kind::Users, 0.0, 0.0);
    d.nodes[0].name = "\u{1b}[2JUsers".into();
    let link = scalelab_engine::link::to_link(&scalelab_engine::link::Shared {
        diagram: d,
        scenario: None,
        challenge: None,
    });
    let o = cli(&["unlink", &link]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("\u{FFFD}[2JUsers"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
}

#[test]
fn lessons_compile_and_a_broken_one_is_named_with_its_line() {
    let lessons = root().join("lessons").to_string_lossy().into_owned();
    let out = std::env::temp_dir().join(format!("scalelab-course-{}.bin", std::process::id()));
    let o = cli(&["compile-lessons", &lessons, &out.to_string_lossy()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&out).unwrap();
    let (_, compiled) = scalelab_engine::link::read_course(&bytes).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("lessons/course.json")).unwrap())
            .unwrap();
    assert_eq!(
        compiled.len(),
        manifest["chapters"].as_array().unwrap().len()
    );

    // A course whose one chapter names a component kind that does not exist.
    let first = std::fs::read_to_string(root().join("lessons/01-single-server.json")).unwrap();
    let broken = first.replacen("\"web_server\"", "\"web_sever\"", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("web_sever"))
        .unwrap()
        + 1;
    let (o, _) = compile_course_of("broken", &[("one.json", &broken)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("one.json") && err.contains(&format!("line {line}")),
        "{err}"
    );
    assert!(err.contains("web_server"), "suggests the right name: {err}");
}

#[test]
fn chapters_that_do_not_fit_together_are_reported_at_the_field() {
    let first = std::fs::read_to_string(root().join("lessons/01-single-server.json")).unwrap();
    let line = first.lines().position(|l| l.contains("\"id\":")).unwrap() + 1;
    let (o, written) = compile_course_of("twice", &[("a.json", &first), ("b.json", &first)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    // The second chapter's "id", at its value: `  "id": "` is 9 characters.
    assert!(
        err.contains(&format!(
            "b.json: line {line}, column 9: Chapter 1 already has the id \"single-server\"; give each chapter its own."
        )),
        "{err}"
    );
    assert!(!written);
}

/// Runs `compile-lessons` on a course of `chapters` (file name, text) in a folder of
/// its own, removed afterwards; returns the output and whether the course was written.
fn compile_course_of(tag: &str, chapters: &[(&str, &str)]) -> (Output, bool) {
    let dir = std::env::temp_dir().join(format!("scalelab-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in chapters {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let names: Vec<String> = chapters.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    std::fs::write(
        dir.join("course.json"),
        format!(
            "{{\"version\": 1, \"title\": \"{tag}\", \"chapters\": [{}]}}",
            names.join(", ")
        ),
    )
    .unwrap();
    let out = dir.join("out.bin");
    let o = cli(&[
        "compile-lessons",
        &dir.to_string_lossy(),
        &out.to_string_lossy(),
    ]);
    let written = out.exists();
    let _ = std::fs::remove_dir_all(&dir);
    (o, written)
}

#[test]
fn the_later_chapters_example_runs_every_new_component() {
    let d = file_json("later-chapters.json");
    let s = file_json("later-chapters-scenario.json");
    let o = cli(&[
        "run",
        &example("later-chapters.json"),
        "--scenario",
        &example("later-chapters-scenario.json"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m = stdout_json(&o);
    // Every node of the file is reported, with its kind.
    let kinds = |v: &serde_json::Value, key: &str| -> Vec<(String, String)> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["id"].as_str().unwrap().into(),
                    n["kind"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(kinds(&m, "nodes"), kinds(&d, "nodes"));
    // Uploads became jobs, and each job ended or is still in the system.
    let jobs = &m["jobs"];
    let created = jobs["created"].as_u64().unwrap();
    assert!(created > 0, "no job was created: {jobs}");
    let ended = ["completed", "lost", "rejected", "in_system"]
        .iter()
        .map(|k| jobs[*k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(ended, created, "{jobs}");
    // The scheduled resharding reached its target, moving some keys but not all of
    // them (consistent hashing).
    let target = s["events"][0]["action"]["reshard"]["shards"]
        .as_u64()
        .unwrap();
    let shards = m["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "sharded_database")
        .unwrap()["shards"]
        .clone();
    assert_eq!(shards["shards"].as_u64(), Some(target));
    let (moved, keys) = (
        shards["keys_moved"].as_u64().unwrap(),
        shards["keys"].as_u64().unwrap(),
    );
    assert!(moved > 0 && moved < keys / 2, "{shards}");
    // With Monitoring in the diagram, the business numbers are there.
    assert_eq!(m["monitored"], serde_json::Value::Bool(true));
    assert!(m["business"]["active_users"].as_u64().unwrap() > 0);
}

#[test]
fn a_link_with_a_base_is_the_whole_address_and_opens() {
    let base = "https://example.org/scale-lab/";
    let o = cli(&["link", &example("diagram.json"), "--base", base]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let address = String::from_utf8(o.stdout).unwrap().trim().to_string();
    let code = address
        .strip_prefix(&format!("{base}#"))
        .unwrap_or_else(|| panic!("{address}"));
    assert!(code.starts_with("s="), "{address}");
    let o = cli(&["unlink", &address]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        stdout_json(&o)["diagram"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        file_json("diagram.json")["nodes"].as_array().unwrap().len()
    );
    // An address that already has a fragment is refused as usage.
    let o = cli(&[
        "link",
        &example("diagram.json"),
        "--base",
        "https://x.org/#a",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--base"));
    // Only a web address: a script, a bare host, a space or nothing after the scheme
    // would give a link that does not open the app.
    for bad in [
        "javascript:alert(1)//",
        "example.org/scale-lab/",
        "https://x.org/scale lab/",
        "https://",
        "ftp://x.org/",
    ] {
        let o = cli(&["link", &example("diagram.json"), "--base", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("starting with http:// or https://"),
            "{bad}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = cli(&["link", &example("diagram.json"), "--base", "HTTP://x.org"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A reference design spread over data centers is there to survive the loss of any one
/// of them: the Resilience list a learner reads next to it is empty (no data center and
/// no single component whose loss cuts visitors off).
#[test]
fn reference_designs_over_several_data_centers_survive_the_loss_of_each() {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("lessons/course.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for file in manifest["chapters"].as_array().unwrap() {
        let text =
            std::fs::read_to_string(root().join("lessons").join(file.as_str().unwrap())).unwrap();
        let lesson: serde_json::Value = serde_json::from_str(&text).unwrap();
        let solution =
            scalelab_engine::Diagram::from_json(&lesson["solution"].to_string()).unwrap();
        if solution.data_centers.len() < 2 {
            continue;
        }
        let analysis = scalelab_engine::analyze(&solution);
        let resilience: Vec<&str> = analysis
            .data_center_failures
            .iter()
            .chain(&analysis.single_points_of_failure)
            .map(|f| f.message.as_str())
            .collect();
        assert!(resilience.is_empty(), "{file}: {resilience:?}");
        checked += 1;
    }
    assert!(checked >= 4, "the chapters from 9 on span two data centers");
}

/// Metrics that cannot be written (a full disk) are an error, not a silent success;
/// a reader that stops early (`| head`) is not. Linux's `/dev/full` fails every write
/// with "No space left on device".
#[cfg(target_os = "linux")]
#[test]
fn metrics_that_cannot_be_written_exit_with_2() {
    use std::process::Stdio;
    let link = String::from_utf8(cli(&["link", &example("diagram.json")]).stdout).unwrap();
    let (diagram, goals) = (example("diagram.json"), example("goals.json"));
    let scenario = example("scenario.json");
    // Every command that prints a result: the metrics, the fingerprint, the goals'
    // results, a link, what a link holds.
    for args in [
        vec!["run", &diagram],
        vec!["run", &diagram, "--digest"],
        vec![
            "check",
            &diagram,
            "--goals",
            &goals,
            "--scenario",
            &scenario,
        ],
        vec!["link", &diagram],
        vec!["unlink", link.trim()],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("Linux has /dev/full");
        let o = Command::new(env!("CARGO_BIN_EXE_scalelab-cli"))
            .args(&args)
            .stdout(Stdio::from(full))
            .stderr(Stdio::piped())
            .output()
            .expect("the binary runs");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("error: what this command prints could not be written: the disk is full"),
            "{args:?}: {err}"
        );
    }
    // With standard error full too there is nobody to tell, but no crash either.
    let full = || {
        Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
    };
    let o = Command::new(env!("CARGO_BIN_EXE_scalelab-cli"))
        .args(["run", "/definitely/not/here.json"])
        .stdout(full())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));

    // A pipe whose reader is gone: the run still succeeded.
    let mut child = Command::new(env!("CARGO_BIN_EXE_scalelab-cli"))
        .args(["run", &example("diagram.json"), "--series"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `cli` with `input` on standard input.
fn cli_with_input(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scalelab-cli"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The program may stop reading early (a link too long): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().expect("the binary ends")
}

#[test]
fn unlink_reads_a_link_from_standard_input_up_to_the_longest_link() {
    let o = cli(&[
        "link",
        &example("diagram.json"),
        "--base",
        "https://example.org/",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let link = String::from_utf8(o.stdout).unwrap();
    let direct = cli(&["unlink", link.trim()]);
    assert!(direct.status.success());
    // With the line break a pipe leaves at its end.
    let piped = cli_with_input(&["unlink", "-"], link.as_bytes());
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert_eq!(piped.stdout, direct.stdout);
    // Longer than any link: refused without reading on.
    let huge = vec![b'A'; 300_000];
    let o = cli_with_input(&["unlink", "-"], &huge);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("the link on standard input is longer than a link can be (200,000 characters after the #)"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = cli_with_input(&["unlink", "-"], b"s=\xff\xfe");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the link on standard input is not text"));
}
