//! Any bytes given to the file readers (diagram, scenario, goals, lesson, course
//! manifest) give a value or an error, never a panic or a hang; a diagram or scenario
//! that reads is also validated, as the app and the CLI do next, and a scenario is
//! described.
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
        // A diagram with a component of every kind, so random failures are drawn.
        let mut d = Diagram::default();
        for (i, k) in scalelab_engine::Kind::ALL.iter().enumerate() {
            d.add_node(*k, 200.0 * i as f64, 0.0);
        }
        let _ = s.validate(&d);
        // The description (and the timeline it draws) even of a scenario nobody
        // validated: the chapter panel describes its chapter's scenario.
        let _ = s.describe(&d);
    }
    let _ = GoalSet::from_json(&text);
    let _ = Lesson::from_json(&text);
    let _ = CourseManifest::from_json(&text);
});
