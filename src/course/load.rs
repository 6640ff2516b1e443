//! Loading the course: `lessons/course.json` lists the chapter files, which are
//! fetched together and read with the engine's lesson reader (the same one the native
//! tests and `scalelab-cli check-lesson` use), so a broken file is named with its line.

use scalelab_engine::lesson::{course_problems, CourseManifest, Lesson};

use crate::net::fetch_text;

/// Every chapter, in order, or a sentence naming the file and the problem.
pub async fn load_course() -> Result<Vec<Lesson>, String> {
    let manifest = fetch_text("lessons/course.json").await?;
    let manifest =
        CourseManifest::from_json(&manifest).map_err(|p| format!("lessons/course.json, {p}"))?;
    let pending: Vec<_> = manifest
        .chapters
        .iter()
        .map(|file| (file, fetch_text(&format!("lessons/{file}"))))
        .collect();
    let mut lessons = Vec::new();
    for (file, text) in pending {
        let lesson = Lesson::from_json(&text.await?).map_err(|problems| {
            let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
            format!("lessons/{file}, {}", all.join("; "))
        })?;
        lessons.push(lesson);
    }
    if let Some((i, problem)) = course_problems(&lessons).into_iter().next() {
        return Err(format!("lessons/{}: {problem}", manifest.chapters[i]));
    }
    Ok(lessons)
}
