//! The chapter panel: in a chapter, its text, the prediction question, the goals with
//! their live and checked status, "Check goals", hints, the reference solution and the
//! way on; in the sandbox, short instructions above the scenario editor. The header's
//! chapter list is here too.
//!
//! Written for size: the structure of a chapter is built once, and what changes is
//! reactive attributes and text (`hidden`, `class`, a string), never a closure that
//! rebuilds a view: each such closure carries its whole subtree's building code, and
//! the first version of this panel that used them added 60 KB to the bundle. Lists of
//! text (lesson paragraphs, hints, measured values) are escaped HTML strings.

use leptos::prelude::*;
use scalelab_engine::format::fixed;

use crate::course::check::CheckState;
use crate::course::text::items_html;
use crate::course::{Course, Mode};
use crate::editor::Editor;
use crate::panels::scenario::ScenarioPanel;
use crate::run::{Runner, Status};
use crate::view_util::escape;

#[component]
pub fn ChapterPanel() -> impl IntoView {
    let course = use_context::<Course>();
    let panel = NodeRef::<leptos::html::Aside>::new();
    let body = move || {
        let mode = course.map(|c| c.mode.get());
        // Another page starts at its top (the next chapter opened at the height the
        // learner had scrolled the last one to); on a narrow screen the page scrolls.
        if let Some(p) = panel.get_untracked() {
            p.set_scroll_top(0);
            if p.get_bounding_client_rect().top() < 0.0 {
                p.scroll_into_view();
            }
        }
        match mode {
            Some(Mode::Chapter(i)) => view! { <ChapterView i=i/> }.into_any(),
            Some(Mode::Shared) => view! { <SharedView/> }.into_any(),
            Some(Mode::Challenge) => view! { <ChallengeView/> }.into_any(),
            _ => view! { <SandboxView/> }.into_any(),
        }
    };
    view! {
        <aside class="panel chapter-panel" data-testid="chapter-panel" aria-label="Chapter" node_ref=panel>
            {body}
        </aside>
    }
}

#[component]
fn SandboxView() -> impl IntoView {
    let course = use_context::<Course>().filter(|c| !c.is_empty());
    let back = move |_| {
        if let Some(c) = course {
            let i = c.progress.with_untracked(|p| p.start_chapter(&c.ids()));
            c.open_chapter(i);
        }
    };
    view! {
        <h2>"Sandbox"</h2>
        <p>"Every component is unlocked. Drag components onto the canvas, wire them from each one's right-hand dot, then press Run to send traffic through them."</p>
        <p class="muted small">"While it runs, click a component to kill it and click it again to bring it back. Pause to change the design: the run starts over."</p>
        <button class="btn" data-testid="back-to-course" hidden=course.is_none() on:click=back>"← Back to the course"</button>
        <ScenarioPanel/>
    }
}

/// A design opened from a share link: its own document, kept only if the learner asks.
#[component]
fn SharedView() -> impl IntoView {
    let course = expect_context::<Course>();
    let confirming = RwSignal::new(false);
    view! {
        <h2>"Shared design"</h2>
        <p data-testid="shared-intro">"Someone shared this design with you. Run it, change it, break it: it is not saved unless you keep it."</p>
        <div class="row" hidden=move || confirming.get()>
            <button class="btn primary" data-testid="keep-shared" on:click=move |_| confirming.set(true)>"Keep it as my sandbox"</button>
            <button class="btn" data-testid="close-shared" on:click=move |_| course.close_shared()>"Close"</button>
        </div>
        <section class="card confirm" data-testid="keep-confirm" hidden=move || !confirming.get()>
            <p>"Your sandbox will be replaced by this design and the scenario below. Your chapters are not touched."</p>
            <div class="row">
                <button class="btn primary" data-testid="keep-yes" on:click=move |_| { confirming.set(false); course.keep_shared(); }>"Replace my sandbox"</button>
                <button class="btn" data-testid="keep-no" on:click=move |_| confirming.set(false)>"Cancel"</button>
            </div>
        </section>
        <ScenarioPanel/>
    }
}

/// A teacher's challenge opened from a link: its text and goals, checked like a
/// chapter's. Nothing is saved: share it back to hand it in.
#[component]
fn ChallengeView() -> impl IntoView {
    let course = expect_context::<Course>();
    let editor = expect_context::<Editor>();
    let (title, text, labels) = course.challenge.with_untracked(|c| {
        c.as_ref()
            .map(|c| {
                (
                    c.title.clone(),
                    items_html("p", &[c.text.as_str()]),
                    // Components by the names the challenge's diagram gives them.
                    editor.diagram.with_untracked(|d| {
                        c.goals.iter().map(|g| g.label_in(d)).collect::<Vec<_>>()
                    }),
                )
            })
            .unwrap_or_default()
    });
    view! {
        <div class="chapter-kicker">"Challenge"</div>
        <h3 class="chapter-title" data-testid="chapter-title">{title}</h3>
        <div class="lesson-text" data-testid="lesson-text" inner_html=text></div>
        <Goals labels=labels/>
        <p class="muted small">"Your work on a challenge is not saved here: use Share to send your answer back."</p>
        <button class="btn" data-testid="close-shared" on:click=move |_| course.close_shared()>"Close the challenge"</button>
    }
}

#[component]
fn ChapterView(i: usize) -> impl IntoView {
    let course = expect_context::<Course>();
    let editor = expect_context::<Editor>();
    let (title, text, has_prediction) = course.with_lesson(i, |l| {
        (
            l.title.clone(),
            items_html("p", &l.text),
            l.prediction.is_some(),
        )
    });
    view! {
        <div class="chapter-kicker">{format!("Chapter {} of {}", i + 1, course.len())}</div>
        <h3 class="chapter-title" data-testid="chapter-title">{title}</h3>
        <div class="lesson-text" data-testid="lesson-text" inner_html=text></div>
        {has_prediction.then(|| view! { <PredictionCard i=i/> })}
        <Goals labels=course.with_lesson(i, |l| editor.diagram.with_untracked(|d| l.goals.iter().map(|g| g.label_in(d)).collect()))/>
        <Finish i=i/>
        <Hints i=i/>
        <Solution i=i/>
        <ScenarioSummary i=i/>
    }
}

/// The question asked before the first run, then the learner's answer, and after a
/// run what the simulation measured and why.
#[component]
fn PredictionCard(i: usize) -> impl IntoView {
    let course = expect_context::<Course>();
    let (id, p) = course.with_lesson(i, |l| {
        (
            l.id.clone(),
            l.prediction.clone().unwrap_or_else(|| unreachable!()),
        )
    });
    let chosen = RwSignal::new(None::<u32>);
    let state = Memo::new(move |_| course.progress.with(|pr| pr.of(&id)));
    let pending = move || state.with(|c| c.prediction_pending());
    let revealed = move || state.with(|c| c.revealed.is_some());
    let right = p.answer as u32;
    let choices = p.choices.clone();
    let said = move || {
        state.with(|c| {
            c.answer
                .and_then(|k| choices.get(k as usize).cloned())
                .unwrap_or_default()
        })
    };
    let verdict = move || state.with(|c| c.answer == Some(right));
    let measured = move || {
        state.with(|c| {
            c.revealed.as_ref().map_or_else(String::new, |shown| {
                shown
                    .iter()
                    .map(|(label, value)| {
                        format!(
                            "<li>{}: <strong>{}</strong></li>",
                            escape(label),
                            escape(value)
                        )
                    })
                    .collect()
            })
        })
    };
    let answer = format!(
        "Answer: {}. ",
        p.choices.get(p.answer).cloned().unwrap_or_default()
    );
    let options = p
        .choices
        .iter()
        .enumerate()
        .map(|(k, choice)| {
            let k = k as u32;
            view! {
                <label class="choice">
                    <input type="radio" name="prediction" data-testid=format!("prediction-choice-{k}")
                        on:change=move |_| chosen.set(Some(k))/>
                    <span>{choice.clone()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="card prediction" data-testid="prediction" aria-label="Prediction">
            <h4>"Predict, then run"</h4>
            <p>{p.question.clone()}</p>
            <div hidden=move || !pending()>
                <div class="choices" role="radiogroup" aria-label="Your prediction">{options}</div>
                <div class="row">
                    <button class="btn primary" data-testid="prediction-submit" disabled=move || chosen.get().is_none()
                        on:click=move |_| {
                            if let Some(k) = chosen.get_untracked() {
                                course.answer_prediction(Some(k));
                            }
                        }>"Lock in my answer"</button>
                    <button class="btn link" data-testid="prediction-skip"
                        on:click=move |_| course.answer_prediction(None)>"Skip"</button>
                </div>
            </div>
            <p data-testid="prediction-said" hidden=move || pending() || state.with(|c| c.answer.is_none())>
                "You said: " <strong>{said}</strong>
            </p>
            <p data-testid="prediction-verdict" hidden=move || !revealed() || state.with(|c| c.answer.is_none())
                class=move || if verdict() { "verdict ok" } else { "verdict bad" }>
                {move || if verdict() { "✓ That is what happened." } else { "✗ Not quite." }}
            </p>
            <p class="muted small" data-testid="prediction-waiting" hidden=move || pending() || revealed()>
                "Now press Run (or Check goals) and see what happens."
            </p>
            <div hidden=move || !revealed()>
                <p class="small">"The simulation measured:"</p>
                <ul class="measured-list" data-testid="prediction-measured" inner_html=measured></ul>
                <p data-testid="prediction-answer"><strong>{answer}</strong>{p.why.clone()}</p>
            </div>
        </section>
    }
}

/// One goal's row: its look and what to show, from the check or the live run.
#[derive(PartialEq)]
struct GoalRow {
    class: &'static str,
    icon: &'static str,
    shown: String,
    reason: String,
}

fn goal_row(check: &CheckState, live: &[scalelab_engine::GoalResult], k: usize) -> GoalRow {
    let row = |class, icon, r: Option<&scalelab_engine::GoalResult>, with_reason: bool| GoalRow {
        class,
        icon,
        shown: r.map(|r| r.shown.clone()).unwrap_or_default(),
        reason: r
            .filter(|_| with_reason)
            .map(|r| r.reason.clone())
            .unwrap_or_default(),
    };
    match check {
        CheckState::Done { results, stale, .. } => {
            let r = results.get(k);
            let pass = r.is_some_and(|r| r.pass);
            let icon = if pass { "✓" } else { "✗" };
            match (stale, pass) {
                (true, _) => row("goal stale", icon, r, true),
                (false, true) => row("goal pass", icon, r, false),
                (false, false) => row("goal fail", icon, r, true),
            }
        }
        _ => match live.get(k) {
            Some(r) if r.pass => row("goal live pass", "●", Some(r), false),
            Some(r) => row("goal live fail", "●", Some(r), false),
            None => row("goal pending", "○", None, false),
        },
    }
}

/// The goals with their live and checked status, and "Check goals".
#[component]
fn Goals(labels: Vec<String>) -> impl IntoView {
    let course = expect_context::<Course>();
    let runner = expect_context::<Runner>();
    let row = move |k: usize| {
        Memo::new(move |_| {
            course
                .check
                .with(|c| course.live.with(|l| goal_row(c, l, k)))
        })
    };
    let rows = labels
        .into_iter()
        .enumerate()
        .map(|(k, label)| {
            let r = row(k);
            view! {
                <li class=move || r.with(|r| r.class) data-testid=format!("goal-{k}")>
                    <span class="goal-icon" aria-hidden="true">{move || r.with(|r| r.icon)}</span>
                    <div class="goal-body">
                        <span class="goal-label">{label}</span>
                        <span class="goal-measured" data-testid=format!("goal-measured-{k}")>{move || r.with(|r| r.shown.clone())}</span>
                        <p class="goal-reason" data-testid=format!("goal-reason-{k}") hidden=move || r.with(|r| r.reason.is_empty())>
                            {move || r.with(|r| r.reason.clone())}
                        </p>
                    </div>
                </li>
            }
        })
        .collect_view();
    let status = move || match course.check.get() {
        CheckState::Idle => {
            if runner.status.get() == Status::Idle {
                "Press Run to watch the traffic, or Check goals to run the whole scenario at once."
                    .to_string()
            } else {
                "Live: how the goals stand so far in this run.".to_string()
            }
        }
        CheckState::Running { progress } => format!(
            "Checking… {}% of the scenario simulated.",
            fixed(progress * 100.0, 0)
        ),
        CheckState::Done {
            results,
            stale,
            from_run,
        } => {
            let passed = results.iter().filter(|r| r.pass).count();
            let how = if from_run {
                "The run finished"
            } else {
                "Checked"
            };
            if stale {
                format!(
                    "{how} before your last change ({passed} of {} goals passed): check again.",
                    results.len()
                )
            } else if passed == results.len() {
                format!("{how}: every goal passes.")
            } else {
                format!("{how}: {passed} of {} goals pass.", results.len())
            }
        }
        CheckState::Blocked(problems) => {
            format!("The diagram cannot run yet: {}", problems.join(" "))
        }
    };
    let running = move || matches!(course.check.get(), CheckState::Running { .. });
    let progress = move || match course.check.get() {
        CheckState::Running { progress } => fixed(progress, 3),
        _ => "0".to_string(),
    };
    view! {
        <section class="goals" aria-label="Goals">
            <h4>"Goals"</h4>
            <ul class="goal-list" data-testid="goals">{rows}</ul>
            <p class="muted small" data-testid="check-status" aria-live="polite">{status}</p>
            <progress class="check-progress" data-testid="check-progress" max="1" value=progress hidden=move || !running()></progress>
            <button class="btn primary wide" data-testid="check-goals" disabled=running
                on:click=move |_| course.check_goals()>
                {move || if running() { "Checking…" } else { "Check goals" }}
            </button>
        </section>
    }
}

/// The way on, once every goal has passed.
#[component]
fn Finish(i: usize) -> impl IntoView {
    let course = expect_context::<Course>();
    let last = i + 1 >= course.len();
    let label = if last {
        "You have finished the course. Open the sandbox →".to_string()
    } else {
        format!(
            "Next chapter: {} →",
            course.with_lesson(i + 1, |l| l.title.clone())
        )
    };
    let go = move |_| {
        if last {
            course.open_sandbox();
        } else {
            course.open_chapter(i + 1);
        }
    };
    view! {
        <section class="card done" data-testid="chapter-done" hidden=move || !course.is_done(i)>
            <p><strong>"Chapter complete."</strong>" Every goal passed."</p>
            <button class="btn primary wide" data-testid="next-chapter" on:click=go>{label}</button>
        </section>
    }
}

#[component]
fn Hints(i: usize) -> impl IntoView {
    let course = expect_context::<Course>();
    let (id, hints) = course.with_lesson(i, |l| (l.id.clone(), l.hints.clone()));
    let total = hints.len();
    let shown = Memo::new(move |_| {
        course
            .progress
            .with(|p| p.of(&id).hints as usize)
            .min(total)
    });
    view! {
        <section class="hints" aria-label="Hints" hidden=total == 0>
            <ol class="hint-list" data-testid="hints" inner_html=move || items_html("li", &hints[..shown.get()])></ol>
            <button class="btn" data-testid="show-hint" hidden=move || { shown.get() >= total }
                on:click=move |_| course.update_chapter(|c| c.hints += 1)>
                {move || format!("Show a hint ({} of {total})", (shown.get() + 1).min(total))}
            </button>
        </section>
    }
}

/// The reference solution, offered after a failed check, with the learner's own
/// diagram kept to go back to.
#[component]
fn Solution(i: usize) -> impl IntoView {
    let course = expect_context::<Course>();
    let (id, note) = course.with_lesson(i, |l| (l.id.clone(), l.solution_note.clone()));
    let confirming = RwSignal::new(false);
    let shown = Memo::new(move |_| course.progress.with(|p| p.of(&id).solution_shown));
    let failed = move || {
        course.check.with(
            |c| matches!(c, CheckState::Done { results, .. } if results.iter().any(|r| !r.pass)),
        )
    };
    view! {
        <button class="btn link" data-testid="show-solution" hidden=move || shown.get() || confirming.get() || !failed()
            on:click=move |_| confirming.set(true)>"Stuck? Show the solution"</button>
        <section class="card confirm" data-testid="solution-confirm" hidden=move || !confirming.get()>
            <p>"Replace the canvas with the reference solution? Your own diagram is kept: you can go back to it."</p>
            <div class="row">
                <button class="btn primary" data-testid="solution-yes" on:click=move |_| {
                    confirming.set(false);
                    course.show_solution();
                }>"Show solution"</button>
                <button class="btn" data-testid="solution-no" on:click=move |_| confirming.set(false)>"Cancel"</button>
            </div>
        </section>
        <section class="card solution" data-testid="solution-note" hidden=move || !shown.get()>
            <p><strong>"This is the reference solution."</strong>" "{note}</p>
            <button class="btn" data-testid="back-to-own" on:click=move |_| course.back_to_own()>"Back to my diagram"</button>
        </section>
    }
}

/// The chapter's scenario in sentences (it is fixed in a chapter).
#[component]
fn ScenarioSummary(i: usize) -> impl IntoView {
    let course = expect_context::<Course>();
    let editor = expect_context::<Editor>();
    let scenario = course.with_lesson(i, |l| l.scenario.clone());
    let lines = move || {
        editor
            .diagram
            .with(|d| items_html("li", &scenario.describe(d)))
    };
    view! {
        <details class="scenario-summary" data-testid="scenario-summary">
            <summary>"The scenario"</summary>
            <ul inner_html=lines></ul>
        </details>
    }
}

/// The header's way around the course: every chapter with a tick when done (the ones
/// not reached yet are locked), and the sandbox.
#[component]
pub fn CourseNav() -> impl IntoView {
    let course = use_context::<Course>().filter(|c| !c.is_empty());
    let Some(course) = course else {
        return view! { <span class="muted small">"Sandbox"</span> }.into_any();
    };
    let open = RwSignal::new(false);
    crate::share::close_on_outside(open, ".course-nav");
    let done_count = move || (0..course.len()).filter(|&i| course.is_done(i)).count();
    // Built when the list opens: closed, it would be a quarter of the page's first build.
    let items = move || {
        (0..course.len())
        .map(|i| {
            let title = course.with_lesson(i, |l| l.title.clone());
            let mark = move || {
                if course.is_done(i) {
                    "✓"
                } else if course.is_open(i) {
                    ""
                } else {
                    "🔒"
                }
            };
            view! {
                <li>
                    <button class="chapter-item" class:current=move || course.mode.get() == Mode::Chapter(i)
                        data-testid=format!("chapter-item-{i}") disabled=move || !course.is_open(i)
                        on:click=move |_| { open.set(false); course.open_chapter(i); }>
                        <span class="chapter-num">{i + 1}</span>
                        <span class="chapter-name">{title}</span>
                        <span class="chapter-mark" aria-label=move || match mark() { "✓" => "done", "" => "", _ => "locked" }>{mark}</span>
                    </button>
                </li>
            }
        })
        .collect_view()
    };
    let in_sandbox = move || course.mode.get() == Mode::Sandbox;
    view! {
        <div class="course-nav">
            <button class="btn" data-testid="chapters-button" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || format!("Chapters · {} of {} done", done_count(), course.len())}
            </button>
            <button class="btn" class:active=in_sandbox data-testid="sandbox-button"
                aria-pressed=move || in_sandbox().to_string()
                on:click=move |_| if !in_sandbox() { course.open_sandbox() }>"Sandbox"</button>
            <Show when=move || open.get()>
                <nav class="chapter-list" data-testid="chapter-list" aria-label="Chapters">
                    <ol>{items()}</ol>
                </nav>
            </Show>
        </div>
    }
    .into_any()
}
