//! "Check goals": the chapter's scenario run to the end without animation, in slices
//! of about 40 ms between which the page stays responsive and a progress bar
//! moves. An edit or a change of chapter cancels a check under way: the job is owned
//! here, and a slice that finds it gone stops.

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use leptos::prelude::*;
use scalelab_engine::{Diagram, GoalResult, Metrics, Scenario, Simulation};
use wasm_bindgen::prelude::*;

/// Real time one slice may take: short enough that the page answers at once (with
/// the last chunk of events, a slice stays under the 50 ms of a long task on a fast
/// machine), long enough that the pauses between slices, each with a frame drawn, add
/// little to the check.
const SLICE_MS: f64 = 40.0;
/// Events between two looks at the clock.
const CHUNK: u64 = 20_000;

#[derive(Clone, Debug, PartialEq)]
pub enum CheckState {
    Idle,
    /// Share of the simulated run done, from 0 to 1.
    Running {
        progress: f64,
    },
    /// The goals' results. `stale` once the diagram changed after the check;
    /// `from_run` when they came from an animated run that reached its end.
    Done {
        results: Vec<GoalResult>,
        stale: bool,
        from_run: bool,
    },
    /// The diagram cannot run: the engine's reasons.
    Blocked(Vec<String>),
}

type OnDone = Box<dyn FnOnce(Metrics)>;

struct Job {
    sim: Simulation,
    done: Option<OnDone>,
}

/// Owns the check under way, if any.
#[derive(Default)]
pub struct Checker {
    job: Option<Rc<RefCell<Job>>>,
}

fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

impl Checker {
    /// Drops the check under way; its next slice finds nothing to do.
    pub fn cancel(&mut self) {
        self.job = None;
    }

    /// Starts checking `d` under `s`; `done` gets the full metrics at the end. `Err`
    /// holds why the diagram cannot run.
    pub fn start(
        &mut self,
        d: &Diagram,
        s: &Scenario,
        state: RwSignal<CheckState>,
        done: impl FnOnce(Metrics) + 'static,
    ) -> Result<(), Vec<String>> {
        let mut sim = Simulation::new(d, s)
            .map_err(|f| f.into_iter().map(|f| f.message).collect::<Vec<_>>())?;
        sim.set_trace_sampling(0);
        let job = Rc::new(RefCell::new(Job {
            sim,
            done: Some(Box::new(done)),
        }));
        let weak = Rc::downgrade(&job);
        self.job = Some(job);
        state.set(CheckState::Running { progress: 0.0 });
        next_slice(weak, state);
        Ok(())
    }
}

fn next_slice(job: Weak<RefCell<Job>>, state: RwSignal<CheckState>) {
    soon(move || slice(job, state));
}

/// The task the next message runs.
type Pending = Rc<RefCell<Option<Box<dyn FnOnce()>>>>;

thread_local! {
    /// A message channel posting to itself, and the task its next message runs.
    static SOON: (Option<web_sys::MessageChannel>, Pending) = {
        let task: Pending = Rc::default();
        let channel = web_sys::MessageChannel::new().ok();
        if let Some(c) = &channel {
            let pending = task.clone();
            let on_message = Closure::<dyn FnMut()>::new(move || {
                let next = pending.borrow_mut().take();
                if let Some(next) = next {
                    next();
                }
            });
            c.port1().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            // Lives as long as the page.
            on_message.forget();
        }
        (channel, task)
    };
}

/// Runs `f` in a task of its own as soon as the browser has handled what is waiting
/// (input, a frame to draw). A message to oneself is not held back like a timer,
/// which browsers delay by at least 4 ms once timers nest: 20 slices would lose 80 ms.
fn soon(f: impl FnOnce() + 'static) {
    let f: Box<dyn FnOnce()> = Box::new(f);
    // Only one check runs at a time: a task still waiting belongs to a cancelled
    // check, and is replaced.
    let unposted = SOON.with(|(channel, task)| match channel {
        Some(c) => {
            *task.borrow_mut() = Some(f);
            match c.port2().post_message(&JsValue::NULL) {
                Ok(()) => None,
                Err(_) => task.borrow_mut().take(),
            }
        }
        None => Some(f),
    });
    // Without a message channel, a timer.
    if let Some(f) = unposted {
        set_timeout(f, Duration::ZERO);
    }
}

fn slice(job: Weak<RefCell<Job>>, state: RwSignal<CheckState>) {
    let Some(job) = job.upgrade() else {
        return;
    };
    let start = now_ms();
    let finished = {
        let mut j = job.borrow_mut();
        while !j.sim.is_finished() && now_ms() - start < SLICE_MS {
            j.sim.advance(u64::MAX, CHUNK);
        }
        if !j.sim.is_finished() {
            let progress = j.sim.now_us() as f64 / j.sim.duration_us().max(1) as f64;
            state.set(CheckState::Running {
                progress: progress.min(1.0),
            });
            None
        } else {
            Some((j.sim.snapshot(), j.done.take()))
        }
    };
    match finished {
        None => next_slice(Rc::downgrade(&job), state),
        Some((metrics, done)) => {
            drop(job);
            if let Some(done) = done {
                done(metrics);
            }
        }
    }
}
