//! Every chapter in `lessons/`, proven by data: the course manifest lists exactly the
//! lesson files there, each file loads without problems, the chapters fit together,
//! each reference solution passes every goal, and each starting diagram (the starter,
//! or the previous chapter's solution when the chapter continues from it) fails at
//! least one. Adding a lesson file adds its coverage here with no new test code.

use std::path::{Path, PathBuf};

use scalelab_engine::lesson::{check_chapter, course_problems, CourseManifest};
use scalelab_engine::{Lesson, ParamValue};

fn lessons_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The manifest and every chapter, failing with each problem's file and line.
fn course() -> (CourseManifest, Vec<Lesson>) {
    let dir = lessons_dir();
    let manifest = CourseManifest::from_json(&read(&dir.join("course.json")))
        .unwrap_or_else(|p| panic!("lessons/course.json: {p}"));
    let mut lessons = Vec::new();
    let mut problems = Vec::new();
    for name in &manifest.chapters {
        match Lesson::from_json(&read(&dir.join(name))) {
            Ok(l) => lessons.push(l),
            Err(ps) => problems.extend(ps.into_iter().map(|p| format!("lessons/{name}: {p}"))),
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    (manifest, lessons)
}

#[test]
fn the_manifest_lists_exactly_the_lesson_files() {
    let (manifest, _) = course();
    let mut on_disk: Vec<String> = std::fs::read_dir(lessons_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && n != "course.json")
        .collect();
    on_disk.sort();
    let mut listed = manifest.chapters.clone();
    listed.sort();
    assert_eq!(
        listed, on_disk,
        "lessons/course.json must list every lesson file once"
    );
}

#[test]
fn every_chapter_loads_and_the_chapters_fit_together() {
    let (manifest, lessons) = course();
    let problems: Vec<String> = course_problems(&lessons)
        .into_iter()
        .map(|p| format!("lessons/{}: {}", manifest.chapters[p.chapter], p.message))
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_solution_passes_and_every_start_fails() {
    let (manifest, lessons) = course();
    let mut failures = Vec::new();
    for (i, name) in manifest.chapters.iter().enumerate() {
        match check_chapter(&lessons, i) {
            Err((which, findings)) => failures.push(format!(
                "lessons/{name}: {which} cannot run: {}",
                findings
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Ok(report) => {
                for r in report.solution.iter().filter(|r| !r.pass) {
                    failures.push(format!(
                        "lessons/{name}: the solution fails \"{}\" (measured {:?}): {}",
                        r.goal, r.measured, r.reason
                    ));
                }
                if report.start.iter().all(|r| r.pass) {
                    failures.push(format!(
                        "lessons/{name}: the starting diagram already passes every goal"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_capstone_checks_at_least_a_million_requests_and_at_least_six_chapters_predict() {
    let (_, lessons) = course();
    let last = lessons.last().expect("a course has chapters");
    let m = scalelab_engine::run_to_end(&last.solution, &last.scenario)
        .unwrap_or_else(|f| panic!("the capstone's solution does not run: {f:?}"));
    assert!(
        m.totals.requests >= 1_000_000,
        "{}: {} requests",
        last.id,
        m.totals.requests
    );
    let predicting = lessons.iter().filter(|l| l.prediction.is_some()).count();
    assert!(predicting >= 6, "{predicting} chapters ask a prediction");
}

#[test]
fn the_compiled_course_holds_every_chapter_as_written() {
    let (manifest, lessons) = course();
    let bytes = scalelab_engine::link::compile_course(&manifest.title, &lessons);
    let (title, back) = scalelab_engine::link::read_course(&bytes).expect("it reads back");
    assert_eq!(title, manifest.title);
    assert_eq!(back, lessons);
}

#[test]
fn what_a_prediction_shows_names_no_unit_its_value_brings() {
    // The page writes each measure as "label: value unit" ("p95 latency at the peak:
    // 567 ms"); a unit in the label said it twice.
    let (_, lessons) = course();
    for l in &lessons {
        for goal in l.prediction.iter().flat_map(|p| &p.shows) {
            let label = goal.label();
            for unit in ["(ms)", "(%)", "(s)"] {
                assert!(!label.ends_with(unit), "{}: \"{label}\"", l.id);
            }
        }
    }
}

/// Asserts that `variant` of the chapter's solution fails the goal whose label holds
/// `words` (the solution passes them all: `every_solution_passes_and_every_start_fails`);
/// returns that goal's reason.
fn catches(lesson: &Lesson, variant: &scalelab_engine::Diagram, words: &str) -> String {
    let failed: Vec<(String, String)> = lesson
        .check(variant)
        .unwrap_or_else(|f| panic!("{}: the design does not run: {f:?}", lesson.id))
        .into_iter()
        .filter(|r| !r.pass)
        .map(|r| (r.goal, r.reason))
        .collect();
    failed
        .iter()
        .find(|(g, _)| g.contains(words))
        .unwrap_or_else(|| panic!("{}: {failed:?}", lesson.id))
        .1
        .clone()
}

#[test]
fn the_goals_catch_a_design_that_skips_what_the_chapter_teaches() {
    let (_, lessons) = course();
    let chapter = |id: &str| {
        lessons
            .iter()
            .find(|l| l.id == id)
            .unwrap_or_else(|| panic!("no chapter {id}"))
    };

    // Chapter 4: the balancer added, but DNS still sends users straight to the web
    // servers as well.
    let lb = chapter("load-balancer");
    let mut d = lb.solution.clone();
    for web in ["web-1", "web-2", "web-3", "web-4"] {
        d.connect("dns-1", web).expect("DNS may call a web server");
    }
    catches(lb, &d, "through the load balancer");

    // Chapter 7: the CDN in place, but only one web server keeps uploads in the
    // object storage (the others keep them on their own disks).
    let cdn = chapter("cdn");
    let mut d = cdn.solution.clone();
    for web in ["web-2", "web-3", "web-4", "web-5"] {
        assert!(
            d.disconnect(web, "storage-1"),
            "{web} → storage-1 is a wire"
        );
    }
    catches(cdn, &d, "uploads in object storage");

    // Chapter 12: ten shards from the start, so the scenario's resharding to ten
    // moves nothing, and modulo would never be found out.
    let sharding = chapter("sharding");
    let mut d = sharding.solution.clone();
    d.set_param("shards-1", "shards", ParamValue::Num(10.0))
        .expect("ten shards is a valid setting");
    d.set_param("shards-1", "strategy", ParamValue::Text("modulo".into()))
        .expect("modulo is a strategy");
    let reason = catches(sharding, &d, "changes the number of shards");
    assert!(reason.contains("has 10 shards"), "{reason}");
}
