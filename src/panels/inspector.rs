//! The inspector: the selected component's parameters as form fields generated from
//! the engine's catalog, with units and bounds, choices by their labels; plus data
//! centers, wires, the selected node's live numbers during a run, and with nothing
//! selected the diagram's cost and the engine's checks.

use leptos::prelude::*;
use scalelab_engine::format::{count_of, fixed, percent};
use scalelab_engine::{Diagram, Kind, ParamSpec, ParamType, ParamValue, Region};

use crate::editor::Editor;
use crate::panels::metrics::node_chart_html;
use crate::run::{Runner, Status};
use crate::view_util::{
    field_label, format_money, format_ms, format_number, kind_color, parse_number, plain,
    plain_read,
};

#[component]
pub fn Inspector() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let body = move || {
        let sel = editor.selection.get();
        if let Some(id) = sel.single_node() {
            let id = id.to_string();
            return view! { <NodeInspector id=id/> }.into_any();
        }
        if sel.nodes.len() > 1 {
            let n = sel.nodes.len();
            return view! {
                <p data-testid="multi-selection">{format!("{n} components selected.")}</p>
                <p class="muted">"Drag one of them to move them together, or press Delete to remove them."</p>
                <button class="btn danger" data-testid="delete-selection" on:click=move |_| editor.delete_selection()>"Delete selected"</button>
            }
            .into_any();
        }
        if let Some(dc) = sel.dc {
            return view! { <DcInspector id=dc/> }.into_any();
        }
        if let Some((from, to)) = sel.edge {
            let d = editor.diagram.get_untracked();
            let name = |id: &str| d.node(id).map(|n| n.name.clone()).unwrap_or_default();
            return view! {
                <h3>"Connection"</h3>
                <p>{format!("{} sends requests to {}.", name(&from), name(&to))}</p>
                <button class="btn danger" data-testid="delete-edge" on:click=move |_| editor.delete_selection()>"Remove connection"</button>
            }
            .into_any();
        }
        view! {
            <p class="muted" data-testid="inspector-empty">"Select a component to see its settings. While a run is going, click a component to kill it, and click it again to bring it back."</p>
            <DiagramSummary/>
        }
        .into_any()
    };
    view! {
        <aside class="panel inspector" data-testid="inspector" aria-label="Inspector">
            <h2>"Inspector"</h2>
            {body}
        </aside>
    }
}

/// Most findings listed at once: a large diagram can have hundreds, and the first
/// ones are the ones to fix; the list updates as they are.
const SHOWN_FINDINGS: usize = 10;

/// The line that stands for the findings past [`SHOWN_FINDINGS`], if any.
fn more(total: usize) -> Option<impl IntoView> {
    (total > SHOWN_FINDINGS).then(|| {
        let text = format!(
            "…and {} more. Fix these first: the list follows your changes.",
            format_number((total - SHOWN_FINDINGS) as f64)
        );
        view! { <li class="muted" data-testid="more-findings">{text}</li> }
    })
}

/// Cost and findings of the whole diagram.
#[component]
fn DiagramSummary() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let cost = move || editor.diagram.with(Diagram::monthly_cost);
    let checks = editor.checks;
    view! {
        <div class="summary">
            <div class="stat" title="What the design costs as built. A run's cost (in the metrics) also counts instances added by autoscaling and CDN traffic."><span class="stat-label">"Monthly cost of the design"</span>
                <span class="stat-value" data-testid="diagram-cost">{move || format_money(cost())}</span></div>
            <h3>"Checks"</h3>
            <ul class="findings" data-testid="findings">
                {move || checks.with(|c| {
                    if c.listed.is_empty() {
                        view! { <li class="ok">"No problems found."</li> }.into_any()
                    } else {
                        let shown = c
                            .listed
                            .iter()
                            .take(SHOWN_FINDINGS)
                            .map(|f| {
                                let class = super::severity_class(f.severity);
                                view! { <li class=class>{f.message.clone()}</li> }
                            })
                            .collect_view();
                        view! { {shown} {more(c.listed.len())} }.into_any()
                    }
                })}
            </ul>
            <h3>"Resilience"</h3>
            <ul class="findings" data-testid="resilience">
                {move || checks.with(|c| {
                    if c.no_traffic {
                        view! { <li class="muted">"Nothing to check until Users send traffic."</li> }.into_any()
                    } else if c.resilience.is_empty() {
                        view! { <li class="ok">"No single point of failure found."</li> }.into_any()
                    } else {
                        let shown = c
                            .resilience
                            .iter()
                            .take(SHOWN_FINDINGS)
                            .map(|m| view! { <li class="warning">{m.clone()}</li> })
                            .collect_view();
                        view! { {shown} {more(c.resilience.len())} }.into_any()
                    }
                })}
            </ul>
        </div>
    }
}

#[component]
fn NodeInspector(id: String) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let runner = expect_context::<Runner>();
    let Some(node) = editor.diagram.with_untracked(|d| d.node(&id).cloned()) else {
        return view! { <p class="muted">"This component no longer exists."</p> }.into_any();
    };
    let kind: Kind = node.kind;
    let name_id = id.clone();
    let rename = move |ev: web_sys::Event| {
        let name = event_target_value(&ev);
        editor.try_edit(|d| d.rename_node(&name_id, &name));
    };
    let findings = {
        let id = id.clone();
        move || {
            editor.checks.with(|c| {
                c.findings
                    .iter()
                    .filter(|f| f.node.as_deref() == Some(id.as_str()))
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
            })
        }
    };
    let cost = {
        let id = id.clone();
        move || {
            editor.diagram.with(|d| {
                d.node(&id)
                    .map(|n| scalelab_engine::monthly_cost(n.kind, &n.params))
                    .unwrap_or(0.0)
            })
        }
    };
    let fixed = Memo::new({
        let id = id.clone();
        move |_| editor.is_fixed(&id)
    });
    let fields = kind
        .params()
        .iter()
        .map(|spec| view! { <ParamField id=id.clone() spec=spec/> })
        .collect_view();
    view! {
        <div class="node-head">
            <span class="badge" style=format!("background:{}", kind_color(kind))>{kind.glyph()}</span>
            <div>
                <div class="kind-label">{kind.label()}</div>
                <div class="muted small" data-testid="node-id">{id.clone()}</div>
            </div>
        </div>
        <p class="muted small">{kind.description()}</p>
        <label class="field">
            <span class="field-label">"Name"</span>
            <input type="text" data-testid="param-name" prop:value=node.name.clone() on:change=rename maxlength="40"/>
        </label>
        <p class="note small" data-testid="node-fixed" hidden=move || !fixed.get()>
            {if kind == Kind::Users {
                "The scenario sends its traffic from here, so it stays and its settings are fixed."
            } else {
                "The scenario uses this component, so it stays."
            }}
        </p>
        // Users carry the scenario's traffic: changing them would change the exercise.
        <fieldset class="params" disabled=move || fixed.get() && kind == Kind::Users>{fields}</fieldset>
        <div class="stat" title="What this component costs as built. A run's cost (in the metrics) also counts instances added by autoscaling and CDN traffic."><span class="stat-label">"Monthly cost of this component"</span>
            <span class="stat-value" data-testid="node-cost">{move || format_money(cost())}</span></div>
        <ul class="findings">{move || findings().into_iter().map(|m| view! { <li class="error">{m}</li> }).collect_view()}</ul>
        <Connections id=id.clone()/>
        <LiveNode id=id.clone()/>
        <button class="btn danger" data-testid="delete-node" on:click=move |_| editor.delete_selection()
            disabled=move || runner.status.get() == Status::Running || fixed.get()>"Delete component"</button>
    }
    .into_any()
}

/// Where the selected node sends requests, with a way to wire it from the keyboard:
/// a choice of the components the engine allows as targets, and a remove button per
/// connection.
#[component]
fn Connections(id: String) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let runner = expect_context::<Runner>();
    let outgoing = {
        let id = id.clone();
        move || {
            editor.diagram.with(|d| {
                d.edges
                    .iter()
                    .filter(|e| e.from == id)
                    .filter_map(|e| d.node(&e.to).map(|n| (n.id.clone(), n.name.clone())))
                    .collect::<Vec<_>>()
            })
        }
    };
    let targets = {
        let id = id.clone();
        Memo::new(move |_| {
            editor.diagram.with(|d| {
                d.nodes
                    .iter()
                    .filter(|n| d.can_connect(&id, &n.id).is_ok())
                    .map(|n| (n.id.clone(), n.name.clone()))
                    .collect::<Vec<_>>()
            })
        })
    };
    // Wiring is refused while a run animates; after a pause it edits (and resets the run).
    let idle = move || runner.status.get() != Status::Running;
    let from = id.clone();
    let on_pick = move |ev: web_sys::Event| {
        let to = event_target_value(&ev);
        if !to.is_empty() {
            editor.connect(&from, &to);
        }
    };
    let rows = {
        let id = id.clone();
        move || {
            outgoing()
                .into_iter()
                .map(|(to, name)| {
                    let from = id.clone();
                    let target = to.clone();
                    view! {
                        <li>
                            <span>{format!("→ {name}")}</span>
                            <button class="btn icon" data-testid=format!("disconnect-{to}") aria-label=format!("Remove the connection to {name}")
                                disabled=move || !idle()
                                on:click=move |_| { editor.edit(|d| d.disconnect(&from, &target)); }>"×"</button>
                        </li>
                    }
                })
                .collect_view()
        }
    };
    view! {
        <div class="connections">
            <h3>"Sends requests to"</h3>
            <ul class="connection-list" data-testid="connections">{rows}</ul>
            <label class="field">
                <span class="field-label">"Connect to"</span>
                <select data-testid="connect-to" prop:value="" on:change=on_pick disabled=move || !idle()>
                    <option value="">{move || if targets.with(Vec::is_empty) { "— nothing it can call —" } else { "— choose a component —" }}</option>
                    {move || targets.get().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            </label>
        </div>
    }
}

/// The selected node's numbers while a run is going, with a kill / restore button.
/// The numbers update in place, so the button keeps keyboard focus while they change.
#[component]
fn LiveNode(id: String) -> impl IntoView {
    let runner = expect_context::<Runner>();
    let node = {
        let id = id.clone();
        Memo::new(move |_| {
            runner.metrics.with(|m| {
                m.as_ref()
                    .and_then(|m| m.nodes.iter().find(|n| n.id == id).cloned())
            })
        })
    };
    // A number of the node, formatted, or nothing before the run has one.
    let text = move |f: fn(&scalelab_engine::NodeMetrics) -> Option<String>| {
        move || node.with(|n| n.as_ref().and_then(f))
    };
    let up = move || node.with(|n| n.as_ref().is_some_and(|n| n.up));
    let chart_id = id.clone();
    let chart = Memo::new(move |_| {
        node.track();
        let points = runner.node_points(&chart_id);
        let markers = runner
            .metrics
            .with_untracked(|m| {
                m.as_ref().map(|m| {
                    m.markers
                        .iter()
                        .map(|mk| mk.at_us as f64 / 1e6)
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default();
        (!points.is_empty())
            .then(|| node_chart_html(&points, runner.duration_s.get_untracked(), markers))
    });
    let row = move |label: &'static str,
                    testid: &'static str,
                    f: fn(&scalelab_engine::NodeMetrics) -> Option<String>| {
        view! {
            <Show when=move || text(f)().is_some()>
                <div class="stat"><span class="stat-label">{label}</span>
                    <span class="stat-value" data-testid=testid>{text(f)}</span></div>
            </Show>
        }
    };
    view! {
        <Show when=move || node.with(Option::is_some)>
            <div class="live" data-testid="node-live">
                <h3>"Live"</h3>
                <div class="stat"><span class="stat-label">"State"</span>
                    <span class=move || if up() { "stat-value ok" } else { "stat-value bad" } data-testid="node-state">
                        {move || if up() { "up" } else { "down" }}</span></div>
                {row("Utilisation", "node-utilisation", |n| Some(format!("{}%", fixed(n.utilisation * 100.0, 0))))}
                {row("Queue", "node-queue", |n| Some(n.queue_len.to_string()))}
                {row("Served / failed", "node-served", |n| Some(format!("{} / {}", format_number(n.served as f64), format_number(n.failed as f64))))}
                {row("Hit rate", "node-hit-rate", |n| n.hit_rate.map(percent))}
                {row("Reads / writes per s", "node-qps", |n| (n.read_qps + n.write_qps > 0.0).then(|| format!("{} / {}", format_number(n.read_qps), format_number(n.write_qps))))}
                {row("Replication lag", "node-lag", |n| n.replication_lag_ms.map(format_ms))}
                <figure class="chart" data-testid="node-chart" hidden=move || chart.with(Option::is_none)
                    inner_html=move || chart.get().unwrap_or_default()></figure>
                <button class="btn" data-testid="toggle-node" hidden=move || runner.status.get() == Status::Finished on:click={
                    let id = id.clone();
                    move |_| runner.toggle_node(&id)
                }>
                    {move || if up() { "Kill this component" } else { "Restore this component" }}
                </button>
            </div>
        </Show>
    }
}

/// One parameter as a form field; a value out of bounds is shown with the reason and
/// not applied.
#[component]
fn ParamField(id: String, spec: &'static ParamSpec) -> impl IntoView {
    let editor = expect_context::<Editor>();
    // The message about a refused value: it goes when the learner types again, and
    // after an undo or redo (which builds the inspector anew).
    let error = RwSignal::new(None::<String>);
    let current = {
        let id = id.clone();
        move || editor.diagram.with(|d| d.param(&id, spec.key))
    };
    let apply = {
        let (id, current) = (id.clone(), current.clone());
        // The engine checks the value; a refused one leaves the diagram as it was, and
        // the field puts back the value kept (see `number_input`), as the message says.
        move |value: ParamValue| match editor.edit(|d| d.set_param(&id, spec.key, value)) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(match current() {
                Some(ParamValue::Num(n)) => format!("{e} It stays {}.", plain_read(n)),
                _ => e.to_string(),
            })),
        }
    };
    let testid = format!("param-{}", spec.key);
    let label = field_label(spec);
    let input = match spec.ty {
        ParamType::Int { min, max, .. } => {
            let apply = apply.clone();
            number_input(testid, min as f64, max as f64, 1.0, current, apply).into_any()
        }
        ParamType::Float { min, max, .. } => {
            let step = if max - min <= 2.0 {
                0.01
            } else if max - min <= 50.0 {
                0.1
            } else {
                1.0
            };
            number_input(testid, min, max, step, current, apply.clone()).into_any()
        }
        ParamType::Choice { options, .. } => {
            let apply = apply.clone();
            let value = move || match current() {
                Some(ParamValue::Text(t)) => t,
                _ => String::new(),
            };
            view! {
                <select data-testid=testid prop:value=value
                    on:change=move |ev| apply(ParamValue::Text(event_target_value(&ev)))>
                    {options.iter().map(|o| view! { <option value=o.key>{o.label}</option> }).collect_view()}
                </select>
            }
            .into_any()
        }
        ParamType::Bool { .. } => {
            let apply = apply.clone();
            let checked = move || matches!(current(), Some(ParamValue::Bool(true)));
            view! {
                <input type="checkbox" data-testid=testid prop:checked=checked
                    on:change=move |ev| apply(ParamValue::Bool(event_target_checked(&ev)))/>
            }
            .into_any()
        }
    };
    view! {
        <label class="field" title=spec.help on:input=move |_| error.set(None)>
            <span class="field-label">{label}</span>
            {input}
            {move || error.get().map(|e| view! { <span class="field-error" role="alert" data-testid="param-error">{e}</span> })}
            <span class="field-help muted small">{spec.help}</span>
        </label>
    }
}

fn number_input(
    testid: String,
    min: f64,
    max: f64,
    step: f64,
    current: impl Fn() -> Option<ParamValue> + Clone + Send + Sync + 'static,
    apply: impl Fn(ParamValue) + Clone + 'static,
) -> impl IntoView {
    let value = move || match current() {
        Some(ParamValue::Num(n)) => plain(n),
        _ => String::new(),
    };
    // The arrows step from `min`: one off the step's multiples (0.5 with a step of 1)
    // would lead them from 5 to 5.5, so the field's floor is the first multiple at or
    // above it (the arrows stay in range; a typed 0.5 is still taken).
    let floor = (min / step - 1e-9).ceil() * step;
    view! {
        <input type="number" data-testid=testid min=plain(floor) max=plain(max) step=plain(step) prop:value=value.clone()
            on:change=move |ev| {
                let text = event_target_value(&ev);
                apply(ParamValue::Num(parse_number(&text).unwrap_or(f64::NAN)));
                // A refused value does not change the diagram, so nothing redraws the
                // field: it is given back the value kept here.
                event_target::<web_sys::HtmlInputElement>(&ev).set_value(&value());
            }/>
    }
}

#[component]
fn DcInspector(id: String) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let Some(dc) = editor
        .diagram
        .with_untracked(|d| d.data_centers.iter().find(|c| c.id == id).cloned())
    else {
        return view! { <p class="muted">"This data center no longer exists."</p> }.into_any();
    };
    let region_id = id.clone();
    let set_region = move |ev: web_sys::Event| {
        if let Some(region) = Region::from_key(&event_target_value(&ev)) {
            editor.try_edit(|d| d.set_data_center_region(&region_id, region));
        }
    };
    let name_id = id.clone();
    let rename = move |ev: web_sys::Event| {
        let name = event_target_value(&ev);
        editor.try_edit(|d| d.rename_data_center(&name_id, &name));
    };
    let count = {
        let id = id.clone();
        move || {
            editor.diagram.with(|d| {
                d.nodes
                    .iter()
                    .filter(|n| n.dc.as_deref() == Some(id.as_str()))
                    .count()
            })
        }
    };
    view! {
        <h3>"Data center"</h3>
        <p class="muted small">"Everything inside the box runs in this data center, except Users, DNS and CDNs, which are everywhere: an outage takes it all down, and requests pay the network latency between regions."</p>
        <label class="field"><span class="field-label">"Name"</span>
            <input type="text" data-testid="dc-name" prop:value=dc.name.clone() on:change=rename maxlength="40"/></label>
        <label class="field"><span class="field-label">"Region"</span>
            <select data-testid="dc-region" prop:value=dc.region.key() on:change=set_region>
                {Region::ALL.iter().map(|r| view! { <option value=r.key()>{r.label()}</option> }).collect_view()}
            </select></label>
        <p data-testid="dc-count">{move || format!("{} inside.", count_of(count() as u64, "component", "components"))}</p>
        <button class="btn danger" data-testid="delete-dc" on:click=move |_| editor.delete_selection()>"Delete data center"</button>
    }
    .into_any()
}
