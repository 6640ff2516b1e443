//! Scale Lab's browser app: a thin Leptos view over `scalelab-engine`.
//!
//! Pure logic (geometry, undo history, chart scaling, formats) lives in plain modules
//! with native unit tests; the components only call it.

pub mod app;
pub mod bench;
pub mod canvas;
pub mod geometry;
pub mod history;
pub mod inspector;
pub mod metrics_panel;
pub mod palette;
pub mod run;
pub mod scenario_panel;
pub mod state;
pub mod storage;
pub mod view_util;
