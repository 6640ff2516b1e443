//! The root view: provides the shared state, lays out the page (header, chapter panel,
//! palette and canvas with run controls and metrics, inspector) and wires keyboard
//! shortcuts, autosave, resetting a stale run and repainting the dots.

use leptos::prelude::*;
use scalelab_engine::format::{fixed, percent};
use scalelab_engine::{Diagram, Lesson, RequestKind, Scenario};

use crate::bench::{self, EngineBench};
use crate::canvas::geometry::{Point, Viewport, GRID, NODE_H, NODE_W};
use crate::canvas::{diagram_bounds, Canvas};
use crate::course::load::load_course;
use crate::course::Course;
use crate::editor::{storage, Editor, ScenarioState};
use crate::panels::chapter::{ChapterPanel, CourseNav};
use crate::panels::inspector::Inspector;
use crate::panels::metrics::MetricsPanel;
use crate::panels::palette::Palette;
use crate::run::{Runner, Status};
use crate::share::ShareMenu;
use crate::view_util::{format_ms, format_number, parse_number, plain, request_color};

#[component]
pub fn App() -> impl IntoView {
    match bench::mode() {
        Some(name) if name == "engine" => view! { <EngineBench/> }.into_any(),
        Some(name) => view! { <BenchPlayground name=name/> }.into_any(),
        None => view! { <CoursePlayground/> }.into_any(),
    }
}

/// The playground with the course, once the lesson files are loaded. Without them (a
/// broken file, no network) the sandbox still works, with the reason shown.
#[component]
fn CoursePlayground() -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<Vec<Lesson>, String>>);
    leptos::task::spawn_local(async move {
        loaded.set(Some(load_course().await));
    });
    move || match loaded.get() {
        None => {
            view! { <p class="loading" data-testid="loading">"Loading the course…"</p> }.into_any()
        }
        Some(course) => view! { <Playground bench=None course=Some(course)/> }.into_any(),
    }
}

/// A benchmark diagram in the playground, once loaded: it runs at once, except for the
/// drag benchmark, which edits it.
#[component]
fn BenchPlayground(name: String) -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<(Diagram, Scenario), String>>);
    let run = name != "drag";
    leptos::task::spawn_local(async move {
        loaded.set(Some(bench::load_workload(&name).await));
    });
    move || match loaded.get() {
        None => view! { <p>"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p role="alert">{e}</p> }.into_any(),
        Some(Ok(workload)) => view! { <Playground bench=Some(workload) run=run/> }.into_any(),
    }
}

/// The sandbox playground. With `bench`, it loads that benchmark diagram instead of
/// the saved one, fits it to the view, records frame times and, with `run`, starts
/// running it at once.
#[component]
fn Playground(
    bench: Option<(Diagram, Scenario)>,
    #[prop(default = true)] run: bool,
    /// The course's chapters, or why they could not be loaded.
    #[prop(default = None)]
    course: Option<Result<Vec<Lesson>, String>>,
) -> impl IntoView {
    let bench_mode = bench.is_some();
    // The drag benchmark keeps the autosave, so that its cost is measured too.
    let autosave = !bench_mode || !run;
    let (diagram, scenario, load_error) = if let Some((d, s)) = bench {
        (d, s, None)
    } else {
        match storage::load() {
            Ok(Some((d, s))) => (d, s, None),
            Ok(None) => (Diagram::default(), Scenario::default(), None),
            Err(e) => (Diagram::default(), Scenario::default(), Some(e)),
        }
    };
    let editor = Editor::new(diagram.clone(), scenario.clone());
    let scenario_state = ScenarioState {
        scenario: editor.scenario,
    };
    let runner = Runner::new(editor.viewport, bench_mode);
    provide_context(editor);
    provide_context(scenario_state);
    provide_context(runner);
    if let Some(e) = load_error {
        editor.show(
            format!("Started with an empty sandbox: {e}. The unreadable copy was kept aside."),
            true,
        );
    }
    if let Some(note) = crate::files::take_upgrade_note().filter(|_| !bench_mode) {
        editor.show(note, true);
    }
    let scenario = scenario_state;
    // Without the course (a lesson file that did not load) the sandbox and share links
    // still work: the course is then empty.
    let course = course.map(|loaded| {
        let lessons = loaded.unwrap_or_else(|e| {
            editor.show(
                format!("The course could not be loaded: {e}. The sandbox works."),
                true,
            );
            Vec::new()
        });
        let c = Course::start(
            lessons,
            (diagram, scenario.scenario.get_untracked()),
            editor,
            scenario,
            runner,
        );
        provide_context(c);
        c
    });

    if autosave {
        storage::autosave(editor, scenario, move || match course {
            Some(c) => c.save_current(),
            None => storage::save_sandbox(editor, scenario),
        });
    }
    // A changed diagram or scenario makes the current run stale.
    Effect::new(move |prev: Option<()>| {
        editor.diagram.track();
        scenario.scenario.track();
        if prev.is_some() && runner.is_active() {
            runner.reset();
            editor.show("The design changed, so the run was reset.", false);
        }
    });

    // The dots canvas follows the view while no frame loop runs (paused, finished).
    Effect::new(move |_| {
        editor.viewport.track();
        runner.reduced_motion.track();
        runner.wake();
    });
    install_shortcuts(editor, runner);
    if bench_mode {
        request_animation_frame(move || fit_to_view(editor));
    }
    if bench_mode && run {
        let d = editor.diagram.get_untracked();
        let s = scenario.scenario.get_untracked();
        if let Err(problems) = runner.start(&d, &s) {
            editor.show(
                format!("The benchmark diagram does not run: {}", problems.join(" ")),
                true,
            );
        }
    }

    view! {
        <div class="app" data-testid="app">
            // For the keyboard: past the chapter text and the scenario's fields.
            <button class="skip-link" data-testid="skip-link" on:click=|_| focus_run()>"Skip to the diagram"</button>
            <header class="topbar" data-testid="header">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"Scale Lab"</span>
                </div>
                <span class="tagline">"From one server to millions of users"</span>
                <span class="spacer"></span>
                <CourseNav/>
                <ShareMenu/>
            </header>
            <main class="layout">
                <ChapterPanel/>
                <section class="workspace" aria-label="Diagram">
                    <RunControls/>
                    <div class="stage">
                        <Palette/>
                        <Canvas/>
                        <ZoomControls/>
                        <DotLegend/>
                        <NoticeBar/>
                    </div>
                    <MetricsPanel/>
                </section>
                <Inspector/>
            </main>
            <LiveSummary/>
        </div>
    }
}

/// Moves the keyboard focus to the Run button, the first control of the diagram.
fn focus_run() {
    if let Ok(Some(run)) = document().query_selector("[data-testid=run]") {
        let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(run).focus();
    }
}

/// Keyboard: undo / redo, delete, arrow keys move the selection, Escape deselects.
fn install_shortcuts(editor: Editor, runner: Runner) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let target_is_field = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if target_is_field {
            return;
        }
        let modifier = ev.ctrl_key() || ev.meta_key();
        let key = ev.key();
        if modifier && (key == "z" || key == "Z") {
            ev.prevent_default();
            if ev.shift_key() {
                editor.redo();
            } else {
                editor.undo();
            }
            return;
        }
        if modifier && (key == "y" || key == "Y") {
            ev.prevent_default();
            editor.redo();
            return;
        }
        if modifier {
            return;
        }
        match key.as_str() {
            "Delete" | "Backspace" => {
                if runner.status.get_untracked() == Status::Running {
                    editor.show("Pause the run to delete components.", false);
                } else {
                    ev.prevent_default();
                    editor.delete_selection();
                }
            }
            "Escape" => editor.selection.set(Default::default()),
            "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" => {
                let sel = editor.selection.get_untracked();
                if sel.nodes.is_empty() || runner.status.get_untracked() == Status::Running {
                    return;
                }
                ev.prevent_default();
                let (dx, dy) = match key.as_str() {
                    "ArrowLeft" => (-GRID, 0.0),
                    "ArrowRight" => (GRID, 0.0),
                    "ArrowUp" => (0.0, -GRID),
                    _ => (0.0, GRID),
                };
                editor.edit(|d| {
                    d.move_nodes_by(sel.nodes.iter().map(String::as_str), dx, dy);
                    d.assign_data_centers(NODE_W, NODE_H);
                });
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

#[component]
fn RunControls() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let scenario = expect_context::<ScenarioState>();
    let runner = expect_context::<Runner>();
    let course = use_context::<Course>();
    let may_run = move || course.is_none_or(|c| c.may_run());
    let status = runner.status;
    let run_or_pause = move |_| match status.get_untracked() {
        Status::Idle if !may_run() => {}
        Status::Finished if !may_run() => {}
        Status::Idle => {
            let d = editor.diagram.get_untracked();
            let s = scenario.scenario.get_untracked();
            if let Err(problems) = runner.start(&d, &s) {
                editor.show(format!("Can't run yet: {}", problems.join(" ")), true);
            }
        }
        Status::Running => runner.pause(),
        Status::Paused => runner.resume(),
        Status::Finished => {
            runner.reset();
            let d = editor.diagram.get_untracked();
            let s = scenario.scenario.get_untracked();
            if let Err(problems) = runner.start(&d, &s) {
                editor.show(format!("Can't run yet: {}", problems.join(" ")), true);
            }
        }
    };
    let run_label = move || match status.get() {
        Status::Idle => "▶ Run",
        Status::Running => "❚❚ Pause",
        Status::Paused => "▶ Resume",
        Status::Finished => "↻ Run again",
    };
    let clock = move || {
        let shown = runner.shown_s.get();
        let total = runner.duration_s.get();
        if status.get() == Status::Idle {
            format!("{} s scenario", scenario.scenario.with(|s| s.duration_s))
        } else {
            format!("{} s / {} s", fixed(shown, 1), fixed(total, 0))
        }
    };
    let step = move |_| {
        if status.get_untracked() == Status::Idle {
            if !may_run() {
                return;
            }
            let d = editor.diagram.get_untracked();
            let s = scenario.scenario.get_untracked();
            if let Err(problems) = runner.start(&d, &s) {
                editor.show(format!("Can't run yet: {}", problems.join(" ")), true);
                return;
            }
            runner.pause();
        }
        runner.step();
    };
    view! {
        <div class="run-controls" data-testid="run-controls" role="toolbar" aria-label="Run controls">
            <button class="btn primary" data-testid="run" on:click=run_or_pause>{run_label}</button>
            <button class="btn" data-testid="step" on:click=step
                disabled=move || status.get() == Status::Finished title="Advance one simulated second">"Step 1 s"</button>
            <button class="btn" data-testid="reset" on:click=move |_| runner.reset()
                disabled=move || status.get() == Status::Idle>"Reset"</button>
            <label class="inline">
                <span class="muted small">"Speed"</span>
                <select data-testid="speed" aria-label="Simulation speed"
                    on:change=move |ev| {
                        if let Some(v) = parse_number(&event_target_value(&ev)) {
                            runner.speed.set(v.clamp(0.25, 16.0));
                        }
                    }
                    prop:value=move || plain(runner.speed.get())
                >
                    {[0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0].into_iter().map(|s| view! {
                        <option value=plain(s)>{format!("{}×", plain(s))}</option>
                    }).collect_view()}
                </select>
            </label>
            <span class="clock" data-testid="clock">{clock}</span>
            <span class="spacer"></span>
            <label class="inline" title="Hide moving dots; numbers and node states still update">
                <input type="checkbox" data-testid="reduced-motion"
                    prop:checked=move || runner.reduced_motion.get()
                    on:change=move |ev| runner.reduced_motion.set(event_target_checked(&ev))/>
                <span class="small">"Reduced motion"</span>
            </label>
            <button class="btn icon" data-testid="undo" title="Undo (Ctrl+Z)" aria-label="Undo"
                disabled=move || !editor.can_undo() on:click=move |_| editor.undo()>"↶"</button>
            <button class="btn icon" data-testid="redo" title="Redo (Shift+Ctrl+Z)" aria-label="Redo"
                disabled=move || !editor.can_redo() on:click=move |_| editor.redo()>"↷"</button>
        </div>
    }
}

/// The canvas area's size on screen.
pub(crate) fn stage_size() -> (f64, f64) {
    document()
        .query_selector("[data-testid=canvas-area]")
        .ok()
        .flatten()
        .map(|el| {
            let r = el.get_bounding_client_rect();
            (r.width(), r.height())
        })
        .unwrap_or((800.0, 600.0))
}

/// Fits the diagram to the view once the page has laid out the canvas.
pub fn fit_soon(editor: Editor) {
    request_animation_frame(move || fit_to_view(editor));
}

/// Pans and zooms so the whole diagram is in view.
fn fit_to_view(editor: Editor) {
    let (w, h) = stage_size();
    let v = editor
        .diagram
        .with_untracked(diagram_bounds)
        .map(|b| Viewport::fit(b, w, h, 48.0))
        .unwrap_or_default();
    editor.viewport.set(v);
}

#[component]
fn ZoomControls() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let zoom = move |factor: f64| {
        let (w, h) = stage_size();
        editor
            .viewport
            .update(|v| *v = v.zoom_at(Point::new(w / 2.0, h / 2.0), factor));
    };
    let fit = move |_| fit_to_view(editor);
    let select_mode = editor.select_mode;
    view! {
        <div class="zoom-controls" role="group" aria-label="Zoom">
            <button class="btn icon" class:active=move || select_mode.get() data-testid="select-mode"
                aria-pressed=move || if select_mode.get() { "true" } else { "false" }
                aria-label="Select an area" title="Select an area: drag across the canvas to select several components"
                on:click=move |_| select_mode.update(|on| *on = !*on)>"⬚"</button>
            <button class="btn icon" data-testid="zoom-in" aria-label="Zoom in" on:click=move |_| zoom(1.25)>"+"</button>
            <span class="zoom-level small" data-testid="zoom-level">{move || format!("{}%", fixed(editor.viewport.get().zoom * 100.0, 0))}</span>
            <button class="btn icon" data-testid="zoom-out" aria-label="Zoom out" on:click=move |_| zoom(0.8)>"−"</button>
            <button class="btn icon" data-testid="zoom-fit" aria-label="Fit to view" title="Fit to view" on:click=fit>"⤢"</button>
        </div>
    }
}

/// The latest notice (a refused wire, a reset run), dismissable.
#[component]
fn NoticeBar() -> impl IntoView {
    let editor = expect_context::<Editor>();
    // Information fades after a few seconds; errors stay until dismissed.
    Effect::new(move |_| {
        if let Some(n) = editor.notice.get().filter(|n| !n.error) {
            set_timeout(
                move || {
                    if editor
                        .notice
                        .with_untracked(|cur| cur.as_ref().map(|c| c.serial))
                        == Some(n.serial)
                    {
                        editor.notice.set(None);
                    }
                },
                std::time::Duration::from_secs(6),
            );
        }
    });
    move || {
        editor.notice.get().map(|n| {
            view! {
                <div class=if n.error { "notice error" } else { "notice" } role="status" data-testid="notice">
                    <span data-testid="notice-text">{n.text}</span>
                    <button class="btn icon" aria-label="Dismiss" on:click=move |_| editor.notice.set(None)>"×"</button>
                </div>
            }
        })
    }
}

/// A text summary of the run for screen readers: every few seconds while it runs, and
/// at once when it starts, stops or changes while stopped.
#[component]
fn LiveSummary() -> impl IntoView {
    let runner = expect_context::<Runner>();
    let editor = expect_context::<Editor>();
    let last = StoredValue::new(String::new());
    let last_at = StoredValue::new(f64::NEG_INFINITY);
    let last_status = StoredValue::new(None::<Status>);
    let text = Memo::new(move |_| {
        let status = runner.status.get();
        let shown = runner.shown_s.get();
        let summary = runner.metrics.with(|m| {
            m.as_ref().map(|m| {
                // By the names the canvas shows.
                let down: Vec<String> = editor.diagram.with_untracked(|d| {
                    m.nodes
                        .iter()
                        .filter(|n| !n.up)
                        .map(|n| {
                            d.node(&n.id)
                                .map_or_else(|| n.id.clone(), |x| x.name.clone())
                        })
                        .collect()
                });
                let at = fixed(shown, 0);
                let mut s = format!(
                    "At {at} second{}: {} requests per second, p95 latency {}, {} errors.",
                    if at == "1" { "" } else { "s" },
                    format_number(m.totals.throughput_rps),
                    format_ms(m.totals.p95_ms),
                    percent(m.totals.error_rate)
                );
                if !down.is_empty() {
                    s.push_str(&format!(" Down: {}.", down.join(", ")));
                }
                s
            })
        });
        let fresh = match (status, summary) {
            (Status::Idle, _) => "Simulation not running.".to_string(),
            (Status::Finished, Some(s)) => format!("Run finished. {s}"),
            (Status::Paused, Some(s)) => format!("Paused. {s}"),
            (_, Some(s)) => s,
            (_, None) => String::new(),
        };
        // Speak at once when the run starts, pauses, ends, or changes while stopped (a
        // step, a kill); while it runs, at most every 3 seconds of real time.
        let now = window().performance().map_or(0.0, |p| p.now());
        let changed_state = last_status.get_value() != Some(status) || status != Status::Running;
        if changed_state || now - last_at.get_value() > 3000.0 {
            last_at.set_value(now);
            last_status.set_value(Some(status));
            last.set_value(fresh);
        }
        last.get_value()
    });
    view! { <div class="sr-only" aria-live="polite" data-testid="live-summary">{move || text.get()}</div> }
}

/// What the dot colours mean, shown while a run exists.
#[component]
fn DotLegend() -> impl IntoView {
    let runner = expect_context::<Runner>();
    let shown = move || runner.status.get() != Status::Idle && !runner.reduced_motion.get();
    view! {
        <Show when=shown>
            <ul class="legend" data-testid="dot-legend" aria-label="Request colours">
                {RequestKind::ALL
                    .iter()
                    .map(|k| view! {
                        <li><span class="dot" style=format!("background:{}", request_color(*k))></span>{k.label()}</li>
                    })
                    .collect_view()}
                <li><span class="dot failed"></span>"Failed"</li>
            </ul>
        </Show>
    }
}
