//! Any bytes given to the file readers (diagram, scenario, goals, lesson, course
//! manifest) give a value or an error, never a panic or a hang; a diagram or scenario
//! that reads is also validated, as the app and the CLI do next.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalelab_engine::lesson::CourseManifest;
use scalelab_engine::{Diagram, GoalSet, Lesson, Scenario};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(d) = Diagram::from_json(&text) {
        let _ = d.validate();
        let _ = scalelab_engine::analyze(&d);
    }
    let _ = Diagram::from_json_with_levels(&text);
    if let Ok(s) = Scenario::from_json(&text) {
        let _ = s.validate(&Diagram::default());
    }
    let _ = GoalSet::from_json(&text);
    let _ = Lesson::from_json(&text);
    let _ = CourseManifest::from_json(&text);
});
