//! Loading the course: `lessons/course.bin`, compiled from the lesson files at build
//! time (`scalelab-cli compile-lessons`, run by trunk's pre-build hook). The lesson files
//! are checked there, with every problem reported by file and line; the browser only
//! decodes the compact result, which keeps the JSON lesson reader out of the bundle.

use scalelab_engine::link::read_course;
use scalelab_engine::Lesson;

use crate::net::fetch_bytes;

/// Every chapter, in order, or a sentence saying what went wrong.
pub async fn load_course() -> Result<Vec<Lesson>, String> {
    let bytes = fetch_bytes("lessons/course.bin").await?;
    let (_title, lessons) = read_course(&bytes).map_err(|e| format!("lessons/course.bin: {e}"))?;
    Ok(lessons)
}
