//! The chapter panel: what the learner is asked to do (for now the sandbox's short
//! instructions) above the scenario editor.

use leptos::prelude::*;

use crate::panels::scenario::ScenarioPanel;

#[component]
pub fn ChapterPanel() -> impl IntoView {
    view! {
        <aside class="panel chapter-panel" data-testid="chapter-panel" aria-label="Chapter">
            <h2>"Sandbox"</h2>
            <p>"Every component is unlocked. Drag components onto the canvas, wire them from each one's right-hand dot, then press Run to send traffic through them."</p>
            <p class="muted small">"While it runs, click a component to kill it and click it again to bring it back. Pause to change the design: the run starts over."</p>
            <ScenarioPanel/>
        </aside>
    }
}
