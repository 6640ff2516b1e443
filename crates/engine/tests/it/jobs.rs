//! Message queues and worker pools: against queueing theory (M/M/c time in system,
//! M/M/c/K blocking), absorbing an upload spike without slowing pages, and draining the
//! backlog at the workers' rate; durable and non-durable queues losing a queue.

use scalelab_engine::{
    evaluate, goals::Metric, run_to_end, Action, Diagram, Goal, Kind, Op, Profile, RequestKind,
    RequestMix, Scenario, ScheduledEvent, Traffic, Window,
};

use crate::common::{job_pipeline, num, set};
use crate::queueing::{mmc_theory, within};

#[test]
fn job_time_in_system_matches_mmc() {
    // c = 4 workers, 40 ms mean work (mu = 25/s each), utilisation 0.8.
    let (c, job_ms, rho) = (4u32, 40.0, 0.8);
    let mu = 1000.0 / job_ms;
    let lambda = rho * c as f64 * mu;
    let (d, s) = job_pipeline(lambda, c, job_ms, 1_000_000, 1800, 21);
    let m = run_to_end(&d, &s).unwrap();
    assert_eq!(m.jobs.lost + m.jobs.rejected, 0);
    assert_eq!(m.jobs.completed, m.jobs.created);
    let (mean_s, p99_s) = mmc_theory(lambda, mu, c);
    within(m.jobs.mean_ms, mean_s * 1000.0, 0.05, "mean job time (ms)");
    within(m.jobs.p99_ms, p99_s * 1000.0, 0.05, "p99 job time (ms)");
    // Jobs are kept apart from what users wait for: the hand-over is quick.
    assert!(m.totals.p95_ms < 5.0, "{}", m.totals.p95_ms);
}

/// P(an arrival finds the M/M/c/K system full), K = c + waiting room.
fn mmck_blocking(lambda: f64, mu: f64, c: u32, k: u32) -> f64 {
    let a = lambda / mu;
    let term = |n: u32| -> f64 {
        if n <= c {
            (1..=n).fold(1.0, |acc, i| acc * a / i as f64)
        } else {
            let at_c = (1..=c).fold(1.0, |acc, i| acc * a / i as f64);
            at_c * (a / c as f64).powi((n - c) as i32)
        }
    };
    let sum: f64 = (0..=k).map(term).sum();
    term(k) / sum
}

#[test]
fn a_bounded_queue_refuses_as_often_as_mmck_predicts() {
    // 2 workers, 3 places to wait, offered load 1.2 per worker: about a fifth refused.
    let (c, depth, job_ms) = (2u32, 3u32, 50.0);
    let mu = 1000.0 / job_ms;
    let lambda = 1.2 * c as f64 * mu;
    let (d, s) = job_pipeline(lambda, c, job_ms, depth, 2400, 22);
    let m = run_to_end(&d, &s).unwrap();
    let offered = (m.jobs.created + m.jobs.rejected) as f64;
    let refused = m.jobs.rejected as f64 / offered;
    let theory = mmck_blocking(lambda, mu, c, c + depth);
    assert!(theory > 0.15 && theory < 0.35, "{theory}");
    within(refused, theory, 0.05, "share of jobs refused");
    // A refused job fails the user's hand-over as "queue full".
    assert_eq!(m.totals.failed, m.jobs.rejected);
}

/// Page readers and uploaders through one web server (24 workers); uploads leave 100 ms
/// of work. With the queue the server stays below half busy during the spike;
/// without it, doing that work itself needs more than its 24 workers.
fn spike_diagram(with_queue: bool) -> Diagram {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 0.0, 0.0);
    set(&mut d, &w, "instances", num(6.0));
    set(&mut d, &w, "max_queue", num(10_000.0));
    d.connect(&u, &w).unwrap();
    if with_queue {
        let q = d.add_node(Kind::MessageQueue, 0.0, 0.0);
        let p = d.add_node(Kind::WorkerPool, 0.0, 0.0);
        set(&mut d, &p, "instances", num(5.0));
        set(&mut d, &p, "workers", num(2.0));
        d.connect(&w, &q).unwrap();
        d.connect(&q, &p).unwrap();
    }
    d
}

fn spike_scenario() -> Scenario {
    let mut s = Scenario {
        duration_s: 120,
        seed: 5,
        job_ms: 100.0,
        mix: RequestMix {
            page_read: 0.7,
            api_read: 0.0,
            write: 0.0,
            static_asset: 0.0,
            upload: 0.3,
            background_job: 0.0,
        },
        windows: vec![
            Window {
                name: "before".into(),
                from_s: 5.0,
                to_s: 30.0,
            },
            Window {
                name: "spike".into(),
                from_s: 30.0,
                to_s: 50.0,
            },
        ],
        ..Scenario::default()
    };
    s.traffic.insert(
        "users-1".into(),
        Traffic {
            // 60 uploads a second, 180 during the spike; 10 workers do 100 a second.
            profile: Profile::Spike {
                at_s: 30,
                len_s: 20,
                factor: 3.0,
            },
            rps: 200.0,
        },
    );
    s
}

#[test]
fn a_queue_absorbs_an_upload_spike_and_drains_at_the_workers_rate() {
    let s = spike_scenario();
    let m = run_to_end(&spike_diagram(true), &s).unwrap();
    let page_p95 = |w: &str| {
        m.window(w)
            .unwrap()
            .kind(RequestKind::PageRead)
            .unwrap()
            .p95_ms
    };
    let (before, during) = (page_p95("before"), page_p95("spike"));
    assert!(
        during <= before * 1.1,
        "pages slowed from {before} to {during} ms during the spike"
    );
    // The backlog grows at (180 - 100)/s for 20 s, then drains at (100 - 60)/s.
    let peak = m.jobs.backlog_max as f64;
    within(peak, 80.0 * 20.0, 0.15, "backlog at the end of the spike");
    let drain_s = m.jobs.backlog_drained_at_s - 50.0;
    within(drain_s, peak / 40.0, 0.2, "seconds to drain the backlog");
    assert_eq!(m.jobs.lost + m.jobs.rejected, 0);

    // Without a queue the same spike makes the web server do the work: pages slow down.
    let sync = run_to_end(&spike_diagram(false), &s).unwrap();
    let sync_during = sync
        .window("spike")
        .unwrap()
        .kind(RequestKind::PageRead)
        .unwrap()
        .p95_ms;
    assert!(sync_during > 3.0 * during, "{sync_during} vs {during}");
}

#[test]
fn a_queue_that_is_not_durable_loses_its_backlog_when_it_goes_down() {
    let run = |durable: bool| {
        let (mut d, mut s) = job_pipeline(200.0, 2, 50.0, 1_000_000, 30, 9);
        set(
            &mut d,
            "queue-1",
            "durable",
            scalelab_engine::ParamValue::Bool(durable),
        );
        s.events = vec![
            ScheduledEvent {
                at_s: 10.0,
                action: Action::KillNode("queue-1".into()),
            },
            ScheduledEvent {
                at_s: 12.0,
                action: Action::RestoreNode("queue-1".into()),
            },
        ];
        run_to_end(&d, &s).unwrap()
    };
    let durable = run(true);
    let fragile = run(false);
    assert_eq!(durable.jobs.lost, 0);
    // 200 jobs a second for 2 workers doing 40 a second: hundreds wait at 10 s.
    assert!(fragile.jobs.lost > 500, "{}", fragile.jobs.lost);
    // The marker gives the count with its separators.
    let said = format!(
        "queue-1 lost {} waiting jobs (it is not durable)",
        scalelab_engine::format::thousands(fragile.jobs.lost as f64)
    );
    assert!(
        fragile.markers.iter().any(|k| k.text == said),
        "{said} in {:?}",
        fragile.markers
    );
    for m in [&durable, &fragile] {
        assert_eq!(
            m.jobs.created,
            m.jobs.completed + m.jobs.lost + m.jobs.in_system
        );
    }
}

#[test]
fn a_backlog_that_cannot_drain_stops_the_run_a_minute_after_its_end() {
    // 20 jobs a second of 10 s each for one worker: after a 10 s run, about 200 jobs
    // need about 2,000 s. The run lets what is in flight finish for at most 60 s.
    let (d, s) = job_pipeline(20.0, 1, 10_000.0, 1_000_000, 10, 3);
    let goal = Goal::metric(Metric::BacklogDrainedAtS, Op::Le, 1e9);
    // While the run goes, waiting jobs are only not done yet.
    let mut sim = scalelab_engine::Simulation::new(&d, &s).unwrap();
    sim.advance(5_000_000, u64::MAX);
    let live = sim.snapshot();
    assert!(live.jobs.in_system > 50, "{:?}", live.jobs);
    assert!(evaluate(&d, &live, std::slice::from_ref(&goal))[0].pass);
    let m = run_to_end(&d, &s).unwrap();
    assert!(m.now_us <= 70_000_000, "stopped at {} µs", m.now_us);
    assert!(m.jobs.in_system > 150, "{:?}", m.jobs);
    assert_eq!(
        m.jobs.created,
        m.jobs.completed + m.jobs.lost + m.jobs.in_system
    );
    // A goal on when the backlog emptied fails: it never did.
    assert_eq!(m.jobs.waiting_at_stop, m.jobs.in_system);
    let r = &evaluate(&d, &m, &[goal])[0];
    assert!(!r.pass);
    assert_eq!(
        r.shown,
        "never: jobs were still waiting when the run stopped"
    );

    // A backlog that drains within the minute is followed to its end: 20 jobs a
    // second of 100 ms leave about 100 waiting at 10 s, done about 10 s later.
    let (d, s) = job_pipeline(20.0, 1, 100.0, 1_000_000, 10, 3);
    let m = run_to_end(&d, &s).unwrap();
    assert!(m.jobs.backlog_max > 50, "{:?}", m.jobs);
    assert!(
        m.now_us > 15_000_000 && m.now_us <= 70_000_000,
        "{}",
        m.now_us
    );
    assert_eq!((m.jobs.in_system, m.jobs.waiting_at_stop), (0, 0));
    assert_eq!(m.jobs.completed, m.jobs.created);
}

#[test]
fn requests_waiting_when_the_run_stops_still_time_out_at_their_deadlines() {
    // One worker and a minute of work per request: requests queue up behind it, and
    // the one in service when the run must stop would end after the stop. The others'
    // deadlines, all within the minute after the end, still count them as timeouts.
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 0.0, 0.0);
    set(&mut d, &w, "workers", num(1.0));
    set(&mut d, &w, "service_ms", num(60_000.0));
    d.connect(&u, &w).unwrap();
    let s = Scenario {
        duration_s: 10,
        seed: 4,
        client_timeout_ms: 60_000,
        default_traffic: Some(crate::common::steady(2.0)),
        ..Scenario::default()
    };
    let m = run_to_end(&d, &s).unwrap();
    let t = &m.totals;
    assert!(m.now_us <= 70_000_000, "stopped at {} µs", m.now_us);
    assert!(t.requests > 10, "{t:?}");
    assert_eq!(t.in_flight, 0, "every request ended: {t:?}");
    assert_eq!(t.requests, t.ok + t.failed, "{t:?}");
}
