//! The sandbox's scenario editor: traffic profile and level per Users node, request
//! mix, key popularity, scheduled and random failures, duration, client timeout and
//! seed.
//! Values out of range are explained and not applied.

use leptos::prelude::*;
use scalelab_engine::{
    Action, KeyPopularity, Kind, Profile, RandomFailures, Role, Scenario, ScheduledEvent, Traffic,
};

use scalelab_engine::scenario::{
    MAX_FAILURE_DOWN_S, MAX_FAILURE_EVERY_S, MIN_FAILURE_DOWN_S, MIN_FAILURE_EVERY_S,
};

use crate::editor::{Editor, ScenarioState};
use crate::view_util::{parse_number, plain, plain_read};

/// A number field bound to part of the scenario. `set` receives a value already
/// checked against [min, max] (and to be whole, for a `whole` field).
#[component]
fn NumberField(
    label: &'static str,
    testid: String,
    min: f64,
    max: f64,
    #[prop(default = 1.0)] step: f64,
    #[prop(optional)] whole: bool,
    get: Signal<f64>,
    set: Callback<f64>,
) -> impl IntoView {
    // The message, with the value kept: it goes once the value changes (an undo, say).
    let error = RwSignal::new(None::<(String, f64)>);
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input type="number" data-testid=testid min=plain(min) max=plain(max) step=plain(step)
                prop:value=move || plain(get.get())
                // Typing again ends the message about the value refused before.
                on:input=move |_| error.set(None)
                on:change=move |ev| {
                    match parse_number(&event_target_value(&ev)) {
                        Some(v) if v.is_finite() && v >= min && v <= max && !(whole && v.fract() != 0.0) => {
                            error.set(None);
                            set.run(v);
                            // What the scenario took ("30" for "30.0"): a value it already
                            // had changes nothing, so nothing else redraws the field.
                            event_target::<web_sys::HtmlInputElement>(&ev).set_value(&plain(get.get_untracked()));
                        }
                        _ => {
                            // The field shows the value the run keeps, and the message says so.
                            let value = get.get_untracked();
                            event_target::<web_sys::HtmlInputElement>(&ev).set_value(&plain(value));
                            let number = if whole { "a whole number" } else { "a number" };
                            error.set(Some((format!("{label} must be {number} from {} to {}; it stays {}.", plain_read(min), plain_read(max), plain_read(value)), value)));
                        }
                    }
                }/>
            {move || {
                // Once the value moves on (an undo, say), the message is dropped, not
                // only hidden: a redo must not bring it back.
                let (e, kept) = error.get()?;
                if kept != get.get() {
                    error.update_untracked(|m| *m = None);
                    return None;
                }
                Some(view! { <span class="field-error" role="alert">{e}</span> })
            }}
        </label>
    }
}

fn profile_key(p: &Profile) -> &'static str {
    match p {
        Profile::Constant => "constant",
        Profile::Ramp { .. } => "ramp",
        Profile::Daily => "daily",
        Profile::Spike { .. } => "spike",
    }
}

#[component]
pub fn ScenarioPanel() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let state = expect_context::<ScenarioState>();
    let sc = state.scenario;
    let update = move |f: Box<dyn FnOnce(&mut Scenario)>| editor.edit_scenario(f);

    // A memo, so the rows are rebuilt (and focus lost) only when the Users nodes
    // themselves change, not on every edit of the diagram.
    let users_memo = Memo::new(move |_| {
        editor.diagram.with(|d| {
            d.nodes
                .iter()
                .filter(|n| n.kind.info().offers(Role::Source))
                .map(|n| (n.id.clone(), n.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let users = move || users_memo.get();
    let traffic_rows = move || {
        users()
            .into_iter()
            .map(|(id, name)| view! { <TrafficRow id=id name=name/> })
            .collect_view()
    };

    let mix_field = move |label: &'static str,
                          key: &'static str,
                          pick: fn(&mut Scenario) -> &mut f64| {
        let get = Signal::derive(move || sc.with(|s| *pick(&mut s.clone())));
        let set = Callback::new(move |v: f64| update(Box::new(move |s| *pick(s) = v)));
        view! { <NumberField label=label testid=format!("mix-{key}") min=0.0 max=100.0 step=0.01 get=get set=set/> }
    };

    let findings = move || {
        editor
            .diagram
            .with(|d| sc.with(|s| s.validate(d)))
            .into_iter()
            .map(|f| {
                let class = super::severity_class(f.severity);
                view! { <li class=class>{f.message}</li> }
            })
            .collect_view()
    };

    view! {
        <section class="scenario" data-testid="scenario-panel" aria-label="Scenario">
            <h2>"Scenario"</h2>
            <div class="row">
                <NumberField label="Duration (s)" testid="scenario-duration".into() min=1.0 max=3600.0 whole=true
                    get=Signal::derive(move || sc.with(|s| s.duration_s as f64))
                    set=Callback::new(move |v: f64| editor.edit_scenario(|s| s.duration_s = v as u32))/>
                <NumberField label="Random seed" testid="scenario-seed".into() min=0.0 max=1e15 whole=true
                    get=Signal::derive(move || sc.with(|s| s.seed as f64))
                    set=Callback::new(move |v: f64| editor.edit_scenario(|s| s.seed = v as u64))/>
            </div>
            <NumberField label="Client timeout (ms)" testid="scenario-timeout".into() min=1.0 max=60000.0 whole=true
                get=Signal::derive(move || sc.with(|s| s.client_timeout_ms as f64))
                set=Callback::new(move |v: f64| editor.edit_scenario(|s| s.client_timeout_ms = v as u32))/>
            <fieldset>
                <legend>"Traffic from each group of users"</legend>
                {move || if users().is_empty() {
                    view! { <p class="muted small">"Add a Users component to send traffic."</p> }.into_any()
                } else {
                    traffic_rows().into_any()
                }}
            </fieldset>
            <fieldset>
                <legend>"Request mix (relative shares)"</legend>
                <div class="row">
                    {mix_field("Page reads", "page_read", |s| &mut s.mix.page_read)}
                    {mix_field("API reads", "api_read", |s| &mut s.mix.api_read)}
                    {mix_field("Writes", "write", |s| &mut s.mix.write)}
                    {mix_field("Static assets", "static_asset", |s| &mut s.mix.static_asset)}
                    {mix_field("Uploads", "upload", |s| &mut s.mix.upload)}
                </div>
            </fieldset>
            <KeysField/>
            <EventsField/>
            <RandomFailuresField/>
            <ul class="findings">{findings}</ul>
        </section>
    }
}

#[component]
fn TrafficRow(id: String, name: String) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let sc = expect_context::<ScenarioState>().scenario;
    let traffic = {
        let id = id.clone();
        move || sc.with(|s| s.traffic_for(&id))
    };
    let set_traffic = {
        let id = id.clone();
        move |t: Traffic| {
            editor.edit_scenario(|s| {
                s.traffic.insert(id.clone(), t);
            })
        }
    };
    let on_profile = {
        let traffic = traffic.clone();
        let set_traffic = set_traffic.clone();
        move |ev: web_sys::Event| {
            let mut t = traffic();
            t.profile = match event_target_value(&ev).as_str() {
                "ramp" => Profile::Ramp {
                    from_rps: (t.rps / 10.0).round(),
                },
                "daily" => Profile::Daily,
                "spike" => {
                    let at = sc.with_untracked(|s| s.duration_s / 2);
                    Profile::Spike {
                        at_s: at,
                        len_s: 10,
                        factor: 5.0,
                    }
                }
                _ => Profile::Constant,
            };
            set_traffic(t);
        }
    };
    let rps = {
        let traffic = traffic.clone();
        Signal::derive(move || traffic().rps)
    };
    // The scenario holds the level (the one place it is stored) and its shape.
    let set_rps = {
        let id = id.clone();
        Callback::new(move |v: f64| editor.edit_scenario(|s| s.set_rps(&id, v)))
    };
    let (rps_min, rps_max) = (0.0, 1_000_000.0);
    let extra = {
        let traffic = traffic.clone();
        let set_traffic = set_traffic.clone();
        let id = id.clone();
        move || {
            let t = traffic();
            let set_traffic = set_traffic.clone();
            let traffic2 = traffic.clone();
            match t.profile {
                Profile::Ramp { .. } => {
                    let get = Signal::derive({
                        let traffic = traffic2.clone();
                        move || match traffic().profile {
                            Profile::Ramp { from_rps } => from_rps,
                            _ => 0.0,
                        }
                    });
                    let set = Callback::new(move |v: f64| {
                        let mut t = traffic2();
                        t.profile = Profile::Ramp { from_rps: v };
                        set_traffic(t);
                    });
                    view! { <NumberField label="Starting at (req/s)" testid=format!("traffic-from-{id}") min=0.0 max=1e6 get=get set=set/> }.into_any()
                }
                Profile::Spike { .. } => {
                    let part = |label: &'static str, key: &'static str, idx: usize| {
                        let traffic = traffic2.clone();
                        let traffic_set = traffic2.clone();
                        let set_traffic = set_traffic.clone();
                        let get = Signal::derive(move || match traffic().profile {
                            Profile::Spike {
                                at_s,
                                len_s,
                                factor,
                            } => [at_s as f64, len_s as f64, factor][idx],
                            _ => 0.0,
                        });
                        let set = Callback::new(move |v: f64| {
                            let mut t = traffic_set();
                            if let Profile::Spike {
                                at_s,
                                len_s,
                                factor,
                            } = &mut t.profile
                            {
                                match idx {
                                    0 => *at_s = v as u32,
                                    1 => *len_s = v as u32,
                                    _ => *factor = v,
                                }
                            }
                            set_traffic(t);
                        });
                        let max = if idx == 2 { 100.0 } else { 3600.0 };
                        // A spike lasts at least a second (the engine refuses 0).
                        let min = if idx == 0 { 0.0 } else { 1.0 };
                        view! { <NumberField label=label testid=format!("traffic-{key}-{}", id) min=min max=max whole={idx < 2} get=get set=set/> }
                    };
                    view! {
                        <div class="row">
                            {part("Spike at (s)", "at", 0)}
                            {part("For (s)", "len", 1)}
                        </div>
                        {part("Times normal", "factor", 2)}
                    }
                    .into_any()
                }
                _ => ().into_any(),
            }
        }
    };
    let key = move || profile_key(&traffic().profile);
    view! {
        <div class="traffic-row" data-testid=format!("traffic-{id}")>
            <div class="field-label">{name}</div>
            <div class="row">
                <label class="field">
                    <span class="field-label">"Profile"</span>
                    <select data-testid=format!("traffic-profile-{id}") prop:value=key on:change=on_profile>
                        <option value="constant">"Constant"</option>
                        <option value="ramp">"Ramp"</option>
                        <option value="daily">"Daily curve"</option>
                        <option value="spike">"Spike"</option>
                    </select>
                </label>
                <NumberField label="Requests/s" testid=format!("traffic-rps-{id}") min=rps_min max=rps_max get=rps set=set_rps/>
            </div>
            {extra}
        </div>
    }
}

#[component]
fn KeysField() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let sc = expect_context::<ScenarioState>().scenario;
    let kind = move || match sc.with(|s| s.keys.clone()) {
        KeyPopularity::Uniform { .. } => "uniform",
        KeyPopularity::Zipf { .. } => "zipf",
    };
    let on_kind = move |ev: web_sys::Event| {
        let keys = sc.with_untracked(|s| s.keys.keys());
        let v = event_target_value(&ev);
        editor.edit_scenario(|s| {
            s.keys = if v == "uniform" {
                KeyPopularity::Uniform { keys }
            } else {
                KeyPopularity::Zipf { keys, s: 1.0 }
            }
        });
    };
    let keys = Signal::derive(move || sc.with(|s| s.keys.keys() as f64));
    let set_keys = Callback::new(move |v: f64| {
        editor.edit_scenario(|s| match &mut s.keys {
            KeyPopularity::Uniform { keys } | KeyPopularity::Zipf { keys, .. } => *keys = v as u32,
        })
    });
    let skew = Signal::derive(move || match sc.with(|s| s.keys.clone()) {
        KeyPopularity::Zipf { s, .. } => s,
        KeyPopularity::Uniform { .. } => 0.0,
    });
    let set_skew = Callback::new(move |v: f64| {
        editor.edit_scenario(|s| {
            if let KeyPopularity::Zipf { s: skew, .. } = &mut s.keys {
                *skew = v;
            }
        })
    });
    view! {
        <fieldset>
            <legend>"Key popularity"</legend>
            <div class="row">
                <label class="field">
                    <span class="field-label">"Distribution"</span>
                    <select data-testid="keys-kind" prop:value=kind on:change=on_kind>
                        <option value="zipf">"A few hot keys"</option>
                        <option value="uniform">"Every key alike"</option>
                    </select>
                </label>
                <NumberField label="Keys" testid="keys-count".into() min=1.0 max=1_000_000.0 whole=true get=keys set=set_keys/>
            </div>
            <Show when=move || kind() == "zipf">
                <NumberField label="Hot-key skew" testid="keys-skew".into() min=0.05 max=5.0 step=0.05 get=skew set=set_skew/>
            </Show>
        </fieldset>
    }
}

/// The kinds of scheduled action, with their form keys.
const ACTIONS: [(&str, &str); 5] = [
    ("kill_node", "Kill component"),
    ("restore_node", "Restore component"),
    ("kill_dc", "Kill data center"),
    ("restore_dc", "Restore data center"),
    ("reshard", "Reshard (sharded database)"),
];

fn action_parts(a: &Action) -> (&'static str, &str) {
    match a {
        Action::KillNode(t) => ("kill_node", t),
        Action::RestoreNode(t) => ("restore_node", t),
        Action::KillDc(t) => ("kill_dc", t),
        Action::RestoreDc(t) => ("restore_dc", t),
        Action::Reshard { node, .. } => ("reshard", node),
    }
}

/// What a form kind of action acts on: 0 a component, 1 a data center, 2 a sharded
/// database.
fn family(kind: &str) -> u8 {
    if kind.ends_with("_dc") {
        1
    } else if kind == "reshard" {
        2
    } else {
        0
    }
}

/// The action of form kind `kind` on `target`; a resharding keeps the shard count of
/// the action it replaces (this form has no field for it yet: files set it).
/// `shardable`: the target is a sharded database.
fn make_action(kind: &str, target: String, old: &Action, shardable: bool) -> Action {
    // A component is no target for a data center's action, nor the other way round,
    // and only a sharded database can be resharded (and killed, as a component).
    let (new, was) = (family(kind), family(action_parts(old).0));
    let target = if new == was || (new, was) == (0, 2) || ((new, was) == (2, 0) && shardable) {
        target
    } else {
        String::new()
    };
    match kind {
        "reshard" => Action::Reshard {
            node: target,
            shards: match old {
                Action::Reshard { shards, .. } => *shards,
                _ => 2,
            },
        },
        "restore_node" => Action::RestoreNode(target),
        "kill_dc" => Action::KillDc(target),
        "restore_dc" => Action::RestoreDc(target),
        _ => Action::KillNode(target),
    }
}

#[component]
fn EventsField() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let sc = expect_context::<ScenarioState>().scenario;
    let add = move |_| {
        // A component no event names yet, if any: failing one twice does nothing more.
        let target = editor.diagram.with_untracked(|d| {
            sc.with_untracked(|s| {
                let named = |id: &str| {
                    s.events.iter().any(|e| {
                        matches!(&e.action, Action::KillNode(t) | Action::RestoreNode(t) if t == id)
                    })
                };
                let mut failing = d
                    .nodes
                    .iter()
                    .filter(|n| !n.kind.info().offers(Role::Source));
                failing
                    .clone()
                    .find(|n| !named(&n.id))
                    .or_else(|| failing.next())
                    .map(|n| n.id.clone())
            })
        });
        match target {
            Some(t) => editor.edit_scenario(|s| {
                let at = (s.duration_s as f64 / 2.0).floor();
                s.events.push(ScheduledEvent {
                    at_s: at,
                    action: Action::KillNode(t),
                });
            }),
            None => editor.show("Add a component to fail first.", true),
        }
    };
    // Memos, so the rows are rebuilt only when the events or the possible targets
    // change.
    let events = Memo::new(move |_| sc.with(|s| s.events.clone()));
    let targets = Memo::new(move |_| {
        editor.diagram.with(|d| {
            let named = |n: &scalelab_engine::Node| (n.id.clone(), n.name.clone());
            [
                d.nodes.iter().map(named).collect::<Vec<_>>(),
                d.data_centers
                    .iter()
                    .map(|c| (c.id.clone(), c.name.clone()))
                    .collect(),
                d.nodes
                    .iter()
                    .filter(|n| n.kind.reshards())
                    .map(named)
                    .collect(),
            ]
        })
    });
    let rows = move || {
        let events = events.get();
        let lists = targets.get();
        events
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let (kind, target) = action_parts(&e.action);
                let (kind, target) = (kind.to_string(), target.to_string());
                let targets = lists[family(&kind) as usize].clone();
                let shardable = lists[2].iter().any(|(id, _)| *id == target);
                let kind_for_target = kind.clone();
                let target_for_kind = target.clone();
                let at = plain(e.at_s);
                view! {
                    <div class="event-row" data-testid=format!("event-{i}")>
                        <input type="number" min="0" max="3600" step="1" aria-label="At second"
                            prop:value=at.clone()
                            // Past the run's end (the message is below the list).
                            aria-invalid=move || sc.with(|s| s.events.get(i).is_some_and(|e| s.after_end(e))).to_string()
                            on:change=move |ev| {
                                let field = event_target::<web_sys::HtmlInputElement>(&ev);
                                match parse_number(&field.value()) {
                                    Some(v) if (0.0..=3600.0).contains(&v) => {
                                        editor.edit_scenario(|s| s.events[i].at_s = v);
                                        // As the scenario holds it ("49" for "49.0", which
                                        // changes nothing, so redraws nothing).
                                        field.set_value(&plain(v));
                                    }
                                    _ => {
                                        // The field shows the time kept, and the message says so.
                                        field.set_value(&at);
                                        editor.show(format!("A scheduled failure must happen between 0 and 3,600 s; it stays at {} s.", plain_read(e.at_s)), true);
                                    }
                                }
                            }/>
                        <div>
                            <select aria-label="Action" prop:value=kind.clone() on:change=move |ev| {
                                let k = event_target_value(&ev);
                                let t = target_for_kind.clone();
                                editor.edit_scenario(|s| s.events[i].action = make_action(&k, t, &s.events[i].action, shardable));
                            }>
                                {ACTIONS.iter().map(|(k, l)| view! { <option value=*k>{*l}</option> }).collect_view()}
                            </select>
                            <select aria-label="Target" prop:value=target.clone() on:change=move |ev| {
                                let t = event_target_value(&ev);
                                let k = kind_for_target.clone();
                                editor.edit_scenario(|s| s.events[i].action = make_action(&k, t, &s.events[i].action, false));
                            }>
                                <option value="">"— choose —"</option>
                                {targets.into_iter().map(|(id, name)| view! { <option value=id.clone()>{name}</option> }).collect_view()}
                            </select>
                        </div>
                        <button class="btn icon" aria-label="Remove this failure" on:click=move |_| editor.edit_scenario(|s| { s.events.remove(i); })>"×"</button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset>
            <legend>"Scheduled failures"</legend>
            {rows}
            <button class="btn" data-testid="add-event" on:click=add>"+ Add a failure"</button>
        </fieldset>
    }
}

/// Mean time between random failures and their length when the learner first ticks a
/// kind: with a 60 s run, about one failure per component and run.
const DEFAULT_FAILURES: (f64, f64) = (60.0, 10.0);

/// Random failures: a tick per kind of component in the diagram, and how often and how
/// long they fail. No kind ticked: no random failures (the numbers are kept for when
/// one is ticked again).
#[component]
fn RandomFailuresField() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let sc = expect_context::<ScenarioState>().scenario;
    let numbers = RwSignal::new(sc.with_untracked(|s| {
        s.random_failures
            .as_ref()
            .map_or(DEFAULT_FAILURES, |rf| (rf.every_s, rf.down_s))
    }));
    let set_kind = move |kind: Kind, on: bool| {
        let (every_s, down_s) = numbers.get_untracked();
        editor.edit_scenario(|s| {
            let mut rf = s.random_failures.take().unwrap_or(RandomFailures {
                kinds: Vec::new(),
                every_s,
                down_s,
            });
            // In catalog order, whatever order they were ticked in.
            rf.kinds = Kind::ALL
                .iter()
                .copied()
                .filter(|k| if *k == kind { on } else { rf.kinds.contains(k) })
                .collect();
            s.random_failures = (!rf.kinds.is_empty()).then_some(rf);
        })
    };
    // The scenario's numbers when it has random failures (it may have been replaced by
    // an opened file), else the ones kept for the next tick.
    let current = move || {
        sc.with(|s| s.random_failures.as_ref().map(|rf| (rf.every_s, rf.down_s)))
            .unwrap_or_else(|| numbers.get())
    };
    let set_number = move |f: fn(&mut (f64, f64), f64)| {
        Callback::new(move |v: f64| {
            let mut n = current();
            f(&mut n, v);
            numbers.set(n);
            // Nothing ticked: the numbers wait for a tick, and the scenario does not
            // change (so the edit is no undo step).
            editor.edit_scenario(|s| {
                if let Some(rf) = &mut s.random_failures {
                    (rf.every_s, rf.down_s) = n;
                }
            })
        })
    };
    // The kinds the design has, as bits: one scan an edit, and the boxes change only
    // when the set does.
    let present = Memo::new(move |_| {
        editor
            .diagram
            .with(|d| d.nodes.iter().fold(0u32, |m, n| m | 1 << n.kind as u32))
    });
    // Every kind but Users (which never fail), built once, and shown while the design
    // has one (or it is ticked, say by an opened file).
    let boxes = Kind::ALL
        .iter()
        .filter(|k| **k != Kind::Users)
        .map(|&k| {
            let on = move || {
                sc.with(|s| {
                    s.random_failures
                        .as_ref()
                        .is_some_and(|rf| rf.kinds.contains(&k))
                })
            };
            let shown = move || on() || present.get() & 1 << k as u32 != 0;
            view! {
                <label class="check" hidden=move || !shown()>
                    <input type="checkbox" data-testid=format!("random-{}", k.key()) prop:checked=on
                        on:change=move |ev| set_kind(k, event_target_checked(&ev))/>
                    {k.label()}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset data-testid="random-failures">
            <legend>"Random failures"</legend>
            <p class="muted small">"Every component of a ticked kind fails at random times drawn from the seed, and comes back after a while."</p>
            <div class="checks">{boxes}</div>
            <div class="row">
                <NumberField label="On average every (s)" testid="random-every".into() min=MIN_FAILURE_EVERY_S max=MAX_FAILURE_EVERY_S
                    get=Signal::derive(move || current().0)
                    set=set_number(|n, v| n.0 = v)/>
                <NumberField label="Down for (s)" testid="random-down".into() min=MIN_FAILURE_DOWN_S max=MAX_FAILURE_DOWN_S step=0.1
                    get=Signal::derive(move || current().1)
                    set=set_number(|n, v| n.1 = v)/>
            </div>
        </fieldset>
    }
}
