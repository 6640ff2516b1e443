//! The panels around the canvas: the palette, the inspector, the metrics, the scenario
//! editor and the chapter panel.

pub mod chapter;
pub mod inspector;
pub mod metrics;
pub mod palette;
pub mod scenario;

use scalelab_engine::Severity;

/// The style class of a finding's list item: red for what stops a run, orange for a
/// warning.
pub(crate) fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
