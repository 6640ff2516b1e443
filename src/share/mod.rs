//! Sharing and files: the Share menu in the header makes a link to the design (with its
//! scenario, or as a challenge with goals), downloads the diagram, scenario or goals as JSON
//! (the formats of `docs/formats.md`, which `scalelab-cli` runs) or as a picture, and
//! imports a diagram, scenario or goals file. A diagram or scenario import is one
//! undoable edit; a goals file opens as a challenge on a copy of the design; a file that
//! does not read (or goals that do not fit the design) is reported and changes nothing.
//! The JSON is read and written by the files module (`crate::files`), loaded the first
//! time.

pub mod png;

use leptos::prelude::*;
use scalelab_engine::format::MAX_INPUT_BYTES;
use scalelab_engine::goals::goal_problems;
use scalelab_engine::goals::Metric;
use scalelab_engine::link::{to_link, Challenge, Record, Shared};
use scalelab_engine::{Diagram, Goal, LevelRule, Op, Role};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::course::{Course, Mode};
use crate::editor::{Editor, ScenarioState};
use crate::files;
use crate::view_util::{parse_number, plain};

/// Longest challenge title: 64 characters of at most 4 bytes each fit the 256 bytes a
/// link keeps for it.
const MAX_TITLE_CHARS: usize = 64;

/// A goal a teacher can put in a challenge, with the bound they type.
struct Template {
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    default: f64,
    make: fn(f64) -> Goal,
}

const TEMPLATES: &[Template] = &[
    Template {
        key: "p95",
        label: "p95 latency at most",
        unit: "ms",
        default: 200.0,
        make: |v| Goal::metric(Metric::P95Ms, Op::Le, v),
    },
    Template {
        key: "errors",
        label: "Error rate at most",
        unit: "%",
        default: 1.0,
        make: |v| Goal::metric(Metric::ErrorRate, Op::Le, v / 100.0),
    },
    Template {
        key: "throughput",
        label: "Throughput at least",
        unit: "req/s",
        default: 1000.0,
        make: |v| Goal::metric(Metric::ThroughputRps, Op::Ge, v),
    },
    Template {
        key: "cost",
        label: "Monthly cost at most",
        unit: "$",
        default: 1000.0,
        make: |v| Goal::metric(Metric::CostPerMonth, Op::Le, v),
    },
];

/// The address of the app with `fragment` after its `#`.
fn address_with(fragment: &str) -> String {
    let loc = window().location();
    let base = format!(
        "{}{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default()
    );
    format!("{base}#{fragment}")
}

/// Starts a download of `href` (a `data:` or object URL) as `name`.
fn download_url(href: &str, name: &str) {
    let Some(a) = document()
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    else {
        return;
    };
    a.set_href(href);
    a.set_download(name);
    a.click();
}

/// Downloads `text` as a JSON file called `name`.
fn download_json(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
        download_url(&url, name);
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// The Users of `d`, where they are, and nothing else: the start of a challenge the
/// solver builds from scratch.
fn users_only(d: &Diagram) -> Diagram {
    let mut start = Diagram {
        nodes: d
            .nodes
            .iter()
            .filter(|n| n.kind.info().offers(Role::Source))
            .cloned()
            .collect(),
        edges: Vec::new(),
        data_centers: Vec::new(),
        ..d.clone()
    };
    for n in &mut start.nodes {
        n.dc = None;
    }
    start
}

#[component]
pub fn ShareMenu() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let scenario = expect_context::<ScenarioState>();
    let course = use_context::<Course>();
    let open = RwSignal::new(false);
    let with_scenario = RwSignal::new(true);
    let as_challenge = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    // Which goal templates are on, and their bounds.
    let picked = RwSignal::new(vec![false; TEMPLATES.len()]);
    let bounds = RwSignal::new(TEMPLATES.iter().map(|t| t.default).collect::<Vec<f64>>());
    let spof = RwSignal::new(false);
    let empty_start = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let mode = move || course.map(|c| c.mode.get());
    close_on_outside(open, ".share-menu");
    // In a chapter the challenge can reuse the chapter's goals.
    let chapter_goals = move || match mode() {
        Some(Mode::Chapter(_)) | Some(Mode::Challenge) => {
            course.map(|c| c.goals()).unwrap_or_default()
        }
        _ => Vec::new(),
    };

    // The goals of the page (a chapter's or a challenge's) and those picked below.
    let builder_goals = move || -> Vec<Goal> {
        let mut goals = chapter_goals();
        let on = picked.get();
        let values = bounds.get();
        for (i, t) in TEMPLATES.iter().enumerate() {
            if on[i] {
                goals.push((t.make)(values[i]));
            }
        }
        if spof.get() {
            goals.push(Goal::NoSinglePointOfFailure {
                kind: None,
                label: None,
            });
        }
        goals
    };
    let challenge = move || -> Result<Option<Challenge>, String> {
        if !as_challenge.get() {
            return Ok(None);
        }
        let goals = builder_goals();
        if goals.is_empty() {
            return Err("Pick at least one goal for the challenge.".into());
        }
        let t = title.get();
        Ok(Some(Challenge {
            title: if t.trim().is_empty() {
                "A challenge".into()
            } else {
                t.trim().chars().take(MAX_TITLE_CHARS).collect()
            },
            text: text.get().chars().take(2000).collect(),
            goals,
        }))
    };
    let link = Memo::new(move |_| -> Result<String, String> {
        let challenge = challenge()?;
        let diagram = if challenge.is_some() && empty_start.get() {
            editor.diagram.with(users_only)
        } else {
            editor.diagram.get()
        };
        let shared = Shared {
            diagram,
            scenario: (with_scenario.get() || challenge.is_some()).then(|| scenario.scenario.get()),
            challenge,
        };
        let problems = shared.problems();
        if let Some(p) = problems.first() {
            return Err(format!("Fix this before sharing: {p}"));
        }
        Ok(address_with(&to_link(&shared)))
    });
    let copy = move |_| {
        let Ok(url) = link.get_untracked() else {
            return;
        };
        let clipboard = window().navigator().clipboard();
        let promise = clipboard.write_text(&url);
        leptos::task::spawn_local(async move {
            let ok = JsFuture::from(promise).await.is_ok();
            copied.set(ok);
            if !ok {
                // Without clipboard access the learner copies from the field.
                if let Some(input) = document()
                    .query_selector("[data-testid=share-link]")
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                {
                    input.select();
                }
                editor.show(
                    "Copying is not allowed here: the link is selected, copy it with Ctrl+C.",
                    false,
                );
            }
        });
    };

    // The JSON is written by the files module, fetched the first time.
    let export = move |name: &'static str, record: Record| {
        leptos::task::spawn_local(async move {
            match files::write_file(&record).await {
                Ok(text) => download_json(name, &text),
                Err(e) => editor.show(format!("{name} could not be saved. {e}"), true),
            }
        });
    };
    let export_diagram = move |_| {
        export(
            "diagram.json",
            Record::Diagram(editor.diagram.get_untracked()),
        )
    };
    let export_scenario = move |_| {
        export(
            "scenario.json",
            Record::Scenario(scenario.scenario.get_untracked()),
        )
    };
    let export_goals = move |_| {
        let goals = untrack(builder_goals);
        if goals.is_empty() {
            editor.show(
                "There are no goals to save yet: open a chapter or a challenge, or pick goals under \"As a challenge\".",
                false,
            );
        } else {
            export("goals.json", Record::Goals(goals));
        }
    };
    let export_png = move |whole: bool| {
        let url = editor.diagram.with_untracked(|d| {
            if whole {
                png::diagram_png(d)
            } else {
                let (w, h) = crate::app::stage_size();
                png::view_png(d, editor.viewport.get_untracked(), w, h)
            }
        });
        match url {
            Some(url) => download_url(&url, "diagram.png"),
            None => editor.show(
                "There is nothing to draw yet: add a component first.",
                false,
            ),
        }
    };
    let import = move |ev: web_sys::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        if file.size() > MAX_INPUT_BYTES as f64 {
            editor.show(
                format!(
                    "{} is too large to be a Scale Lab file (the limit is {} MB).",
                    file.name(),
                    MAX_INPUT_BYTES >> 20
                ),
                true,
            );
            return;
        }
        let name = file.name();
        leptos::task::spawn_local(async move {
            let text = JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string());
            let Some(text) = text else {
                editor.show(format!("{name} could not be read."), true);
                return;
            };
            let in_chapter = matches!(mode(), Some(Mode::Chapter(_)) | Some(Mode::Challenge));
            match files::read_file(&text).await {
                Ok(Record::Diagram(d)) => {
                    // The scenario of the sandbox or a shared design lets go of what the
                    // new design lacks or cannot use (it would stop the run); a chapter's
                    // or a challenge's scenario stays theirs.
                    let same = editor.diagram.with_untracked(|x| *x == d);
                    let dropped = editor.edit_both(|x, s| {
                        let before = s.clone();
                        if !in_chapter {
                            s.forget_missing(&d);
                        }
                        *x = d;
                        *s != before
                    });
                    if same && !dropped {
                        editor.show(
                            format!("{name} is the design you have: nothing changed."),
                            false,
                        );
                        return;
                    }
                    crate::app::fit_soon(editor);
                    let dropped = if dropped {
                        " Traffic and failures the scenario set for parts this design does not have (or cannot use) were taken out."
                    } else {
                        ""
                    };
                    editor.show(
                        format!("{name} imported.{dropped} Undo brings back what was there."),
                        false,
                    );
                }
                Ok(Record::Scenario(_)) if in_chapter => {
                    editor.show("A chapter's scenario is part of the chapter: import scenarios in the sandbox.", true);
                }
                Ok(Record::Scenario(mut s)) => {
                    s.adopt_levels(&Default::default(), LevelRule::ScenarioFirst);
                    if scenario.scenario.with_untracked(|x| *x == s) {
                        editor.show(
                            format!("{name} is the scenario you have: nothing changed."),
                            false,
                        );
                        return;
                    }
                    editor.edit_scenario(|x| *x = s);
                    editor.show(
                        format!(
                            "{name} imported as the scenario. Undo brings back what was there."
                        ),
                        false,
                    );
                }
                Ok(Record::Goals(goals)) => {
                    let d = editor.diagram.get_untracked();
                    let s = scenario.scenario.get_untracked();
                    if let Some((i, p)) = goal_problems(&goals, &d, &s).into_iter().next() {
                        editor.show(format!("{name}: goal {} does not fit this design: {p} Nothing was changed.", i + 1), true);
                        return;
                    }
                    let Some(course) = course else { return };
                    let title = name
                        .trim_end_matches(".json")
                        .chars()
                        .take(MAX_TITLE_CHARS)
                        .collect::<String>();
                    course.open_shared(Shared {
                        diagram: d,
                        scenario: Some(s),
                        challenge: Some(Challenge {
                            title,
                            text: format!("The goals of {name}, on a copy of your design."),
                            goals,
                        }),
                    });
                    editor.show(format!("{name} opened as a challenge on a copy of your design; close it to go back."), false);
                }
                Ok(Record::Sandbox(..)) => editor.show(
                    format!(
                        "{name} is not a diagram, scenario or goals file. Nothing was changed."
                    ),
                    true,
                ),
                Err(e) => editor.show(format!("{name}: {e} Nothing was changed."), true),
            }
        });
    };

    // The panel is built each time it opens (closed, it would be a seventh of the page's
    // first build, and its link would be worked out on every edit); what it holds lives
    // in the signals above, so it reopens as it was left.
    let templates = move || {
        TEMPLATES
        .iter()
        .enumerate()
        .map(|(i, t)| {
            // Its own bound only: a field rewritten whenever any bound changed would lose
            // a refused value typed into it when another field is changed.
            let bound = Memo::new(move |_| bounds.with(|b| b[i]));
            view! {
                <label class="template">
                    <input type="checkbox" data-testid=format!("goal-template-{}", t.key)
                        prop:checked=move || picked.with(|p| p[i])
                        on:change=move |ev| picked.update(|p| p[i] = event_target_checked(&ev))/>
                    <span>{t.label}</span>
                    <input type="number" class="bound" min="0" title="A number, 0 or more" aria-label=t.label prop:value=move || plain(bound.get())
                        data-testid=format!("goal-bound-{}", t.key)
                        on:change=move |ev| {
                            if let Some(v) = parse_number(&event_target_value(&ev)) {
                                if v.is_finite() && v >= 0.0 {
                                    bounds.update(|b| b[i] = v);
                                }
                            }
                        }/>
                    <span class="muted small">{t.unit}</span>
                </label>
            }
        })
        .collect_view()
    };

    view! {
        <div class="share-menu">
            <button class="btn" data-testid="share-button" aria-expanded=move || open.get().to_string()
                on:click=move |_| { copied.set(false); open.update(|o| *o = !*o) }>"Share"</button>
            <Show when=move || open.get()>
            <div class="popover share" data-testid="share-panel" role="dialog" aria-label="Share and files">
                <h4>"Share a link"</h4>
                <label class="inline">
                    <input type="checkbox" data-testid="share-with-scenario" prop:checked=move || with_scenario.get()
                        on:change=move |ev| with_scenario.set(event_target_checked(&ev))/>
                    <span class="small">"Include the scenario (traffic and failures)"</span>
                </label>
                <label class="inline">
                    <input type="checkbox" data-testid="share-as-challenge" prop:checked=move || as_challenge.get()
                        on:change=move |ev| as_challenge.set(event_target_checked(&ev))/>
                    <span class="small">"As a challenge, with goals to reach"</span>
                </label>
                <div class="challenge-builder" hidden=move || !as_challenge.get()>
                    <input type="text" placeholder="Title" maxlength="64" data-testid="challenge-title"
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))/>
                    <textarea placeholder="What to do (optional)" maxlength="2000" data-testid="challenge-text"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    <p class="muted small" hidden=move || chapter_goals().is_empty()>"The chapter's goals are included."</p>
                    {templates()}
                    <label class="inline">
                        <input type="checkbox" data-testid="challenge-empty-start"
                            prop:checked=move || empty_start.get()
                            on:change=move |ev| empty_start.set(event_target_checked(&ev))/>
                        <span class="small">"The solver starts with only the Users and builds the rest"</span>
                    </label>
                    <label class="template">
                        <input type="checkbox" data-testid="goal-template-spof"
                            prop:checked=move || spof.get()
                            on:change=move |ev| spof.set(event_target_checked(&ev))/>
                        <span>"No single point of failure"</span>
                    </label>
                </div>
                <input type="text" readonly class="share-link" aria-label="Link to share" data-testid="share-link"
                    prop:value=move || link.get().unwrap_or_default()
                    hidden=move || link.with(Result::is_err)/>
                <p class="field-error" role="alert" data-testid="share-error" hidden=move || link.with(Result::is_ok)>
                    {move || link.get().err().unwrap_or_default()}
                </p>
                <div class="row">
                    <button class="btn primary" data-testid="share-copy" disabled=move || link.with(Result::is_err) on:click=copy>
                        {move || if copied.get() { "Copied ✓" } else { "Copy link" }}
                    </button>
                    <span class="muted small" data-testid="share-length">{move || link.get().map(|l| format!("{} characters", l.len())).unwrap_or_default()}</span>
                </div>
                <h4>"Files"</h4>
                <div class="row">
                    <button class="btn" data-testid="export-diagram" on:click=export_diagram>"Diagram (JSON)"</button>
                    <button class="btn" data-testid="export-scenario" on:click=export_scenario>"Scenario (JSON)"</button>
                    <button class="btn" data-testid="export-goals" on:click=export_goals>"Goals (JSON)"</button>
                    <button class="btn" data-testid="export-png" title="What the canvas shows, as you see it"
                        on:click=move |_| export_png(false)>"Picture of the view (PNG)"</button>
                    <button class="btn" data-testid="export-png-whole" on:click=move |_| export_png(true)>"Whole diagram (PNG)"</button>
                </div>
                <label class="btn import">
                    "Import a diagram, scenario or goals…"
                    <input type="file" accept=".json,application/json" data-testid="import-file" on:change=import/>
                </label>
            </div>
            </Show>
        </div>
    }
}

/// Closes a popover when the pointer goes down outside `selector` or Escape is pressed.
pub fn close_on_outside(open: RwSignal<bool>, selector: &'static str) {
    let down = window_event_listener(leptos::ev::pointerdown, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let inside = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest(selector).ok().flatten())
            .is_some();
        if !inside {
            open.set(false);
        }
    });
    let key = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
        }
    });
    on_cleanup(move || {
        down.remove();
        key.remove();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_from_scratch_keeps_only_the_users_where_they_are() {
        let (mut d, _) = scalelab_engine::bench::lesson_workload(100.0);
        // A Users card drawn inside a data-center box belongs to it; the box is not
        // sent, so neither is the reference.
        let dc = d
            .data_centers
            .first()
            .expect("the workload has data centers")
            .id
            .clone();
        let i = d
            .nodes
            .iter()
            .position(|n| n.kind == scalelab_engine::Kind::Users)
            .unwrap();
        d.nodes[i].dc = Some(dc);
        let start = users_only(&d);
        assert!(
            start.validate_form().is_empty(),
            "{:?}",
            start.validate_form()
        );
        assert!(start.edges.is_empty() && start.data_centers.is_empty());
        let users: Vec<_> = d
            .nodes
            .iter()
            .filter(|n| n.kind == scalelab_engine::Kind::Users)
            .collect();
        assert!(!users.is_empty() && users.len() < d.nodes.len());
        assert_eq!(start.nodes.len(), users.len());
        for (a, b) in start.nodes.iter().zip(users) {
            assert_eq!(
                (&a.id, &a.name, a.x, a.y, &a.params),
                (&b.id, &b.name, b.x, b.y, &b.params)
            );
            assert_eq!(a.dc, None);
        }
    }
}
