//! Scale Lab's browser app: a thin Leptos view over `scalelab-engine`, grouped by area.
//!
//! - `editor`: the diagram being edited, selection, undo history, autosave and the
//!   pointer-gesture state machine;
//! - `canvas`: pure geometry and wire routing, and the SVG / HTML canvas views;
//! - `panels`: the palette, inspector, metrics, scenario and chapter panels;
//! - `run`: the running simulation and its animated dots;
//! - `course`: the chapters, their check and the learner's progress;
//! - `share`: links, challenges, file import and export, pictures;
//! - `files`: the bridge to the second WebAssembly module that reads and writes JSON.
//!
//! Pure logic (geometry, routing, gestures, undo history, chart scaling, formats) lives
//! in plain types with native unit tests; the components only call it.

pub mod app;
pub mod bench;
pub mod canvas;
pub mod course;
pub mod editor;
pub mod files;
pub mod net;
pub mod panels;
pub mod run;
pub mod share;
pub mod view_util;
