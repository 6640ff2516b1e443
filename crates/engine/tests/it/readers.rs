//! Every reader of untrusted input (diagram, scenario, goals, lesson, course manifest,
//! share link, compiled course) answers arbitrary or damaged input with a value or an
//! error in the learner's words, never a panic. `fuzz/` runs the same readers for
//! longer (docs/fuzzing.md); this is the cheap version that runs on every test.

use proptest::prelude::*;
use scalelab_engine::lesson::CourseManifest;
use scalelab_engine::link::{compile_course, from_link, pack, read_course, to_link};
use scalelab_engine::link::{unpack, Shared, LINK_VERSION};
use scalelab_engine::{Diagram, GoalSet, Lesson, Scenario};

const EXAMPLE_DIAGRAM: &str = include_str!("../../../../examples/diagram.json");
const EXAMPLE_SCENARIO: &str = include_str!("../../../../examples/scenario.json");
const EXAMPLE_GOALS: &str = include_str!("../../../../examples/goals.json");
const LESSON: &str = include_str!("../../../../lessons/05-database-replication.json");

/// Words of the implementation that must never reach a learner.
const INTERNAL_WORDS: [&str; 8] = [
    "serde",
    "untagged",
    "VersionProbe",
    "ParamValue",
    "expected u32",
    "expected u64",
    "sequence",
    "panicked",
];

fn check_message(reader: &str, message: &str) {
    assert!(!message.trim().is_empty(), "{reader} gave an empty error");
    for w in INTERNAL_WORDS {
        assert!(
            !message.contains(w),
            "{reader} shows an internal term {w:?} to the learner: {message}"
        );
    }
}

/// Hands `text` to every text reader; each must return, and its errors must read well.
fn read_all_text(text: &str) {
    match Diagram::from_json(text) {
        Ok(d) => {
            for finding in d.validate() {
                check_message("diagram validation", &finding.to_string());
            }
            let _ = scalelab_engine::analyze(&d);
            if let Ok(s) = Scenario::from_json(EXAMPLE_SCENARIO) {
                for finding in s.validate(&d) {
                    check_message("scenario validation", &finding.to_string());
                }
            }
        }
        Err(e) => check_message("diagram reader", &e.to_string()),
    }
    if let Err(e) = Scenario::from_json(text) {
        check_message("scenario reader", &e.to_string());
    }
    if let Err(e) = GoalSet::from_json(text) {
        check_message("goal reader", &e.to_string());
    }
    if let Err(problems) = Lesson::from_json(text) {
        assert!(!problems.is_empty(), "a refused lesson names no problem");
        for p in problems {
            check_message("lesson reader", &p.to_string());
        }
    }
    if let Err(e) = CourseManifest::from_json(text) {
        check_message("course manifest reader", &e.to_string());
    }
}

/// Hands `bytes` to the binary readers, as a course, as link text and as link bodies.
fn read_all_bytes(bytes: &[u8]) {
    if let Err(e) = read_course(bytes) {
        check_message("course reader", &e.to_string());
    }
    let as_text = String::from_utf8_lossy(bytes);
    if let Err(e) = from_link(&as_text) {
        check_message("link reader", &e.to_string());
    }
    let payload = pack(bytes);
    if let Err(e) = from_link(&format!("s={}", payload)) {
        check_message("link reader", &e.to_string());
    }
}

/// `base` with up to eight bytes overwritten, removed or inserted at chosen places.
fn mutated(base: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut out = base.to_vec();
    for &(at, op, byte) in edits {
        if out.is_empty() {
            out.push(byte);
            continue;
        }
        let i = at % out.len();
        match op % 3 {
            0 => out[i] = byte,
            1 => {
                out.remove(i);
            }
            _ => out.insert(i, byte),
        }
    }
    out
}

fn link_body() -> Vec<u8> {
    let diagram = Diagram::from_json(EXAMPLE_DIAGRAM).expect("example diagram reads");
    let mut scenario = Scenario::from_json(EXAMPLE_SCENARIO).expect("example scenario reads");
    // Random failures: the link is written in the newest format, every part in it.
    scenario.random_failures = Some(scalelab_engine::RandomFailures {
        kinds: vec![scalelab_engine::Kind::WebServer],
        every_s: 100.0,
        down_s: 5.0,
    });
    let link = to_link(&Shared {
        diagram,
        scenario: Some(scenario),
        challenge: None,
    });
    let (version, body) = unpack(link.strip_prefix("s=").unwrap(), usize::MAX, usize::MAX).unwrap();
    assert_eq!(version, LINK_VERSION);
    body
}

fn course_bytes() -> Vec<u8> {
    let lesson = Lesson::from_json(LESSON).expect("lesson 5 reads");
    compile_course("Test course", &[lesson])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_all_text(&String::from_utf8_lossy(&bytes));
        read_all_bytes(&bytes);
    }

    #[test]
    fn damaged_files_never_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
    ) {
        let base = [EXAMPLE_DIAGRAM, EXAMPLE_SCENARIO, EXAMPLE_GOALS, LESSON][which];
        read_all_text(&String::from_utf8_lossy(&mutated(base.as_bytes(), &edits)));
    }

    #[test]
    fn damaged_links_and_courses_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
    ) {
        // Damage inside the compressed body reaches the inner readers, which a damaged
        // base64 text mostly would not.
        let body = mutated(&link_body(), &edits);
        let payload = pack(&body);
        if let Err(e) = from_link(&format!("s={}", payload)) {
            check_message("link reader", &e.to_string());
        }
        read_all_bytes(&mutated(&course_bytes(), &edits));
    }
}

#[test]
fn the_undamaged_inputs_read() {
    // The bases the properties damage are themselves valid, so damage is what is tested.
    read_all_text(EXAMPLE_DIAGRAM);
    assert!(Diagram::from_json(EXAMPLE_DIAGRAM).is_ok());
    assert!(Lesson::from_json(LESSON).is_ok());
    let body = link_body();
    let payload = pack(&body);
    assert!(from_link(&format!("s={}", payload)).is_ok());
    assert_eq!(read_course(&course_bytes()).unwrap().1.len(), 1);
}
