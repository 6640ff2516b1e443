//! The panels around the canvas: the palette, the inspector, the metrics, the scenario
//! editor and the chapter panel.

pub mod chapter;
pub mod inspector;
pub mod metrics;
pub mod palette;
pub mod scenario;
