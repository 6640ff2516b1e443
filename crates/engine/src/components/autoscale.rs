//! Autoscaling, for components that run identical instances (web servers, worker
//! pools): their shared settings, and an `Autoscaler` that, every check interval, asks
//! its component how many instances it wants, starts new ones (which take work only
//! after their warm-up) or stops surplus ones at once, always within min..max, and
//! counts instance-seconds so the monthly price follows what actually ran.

use crate::catalog::{flag, int, ParamSpec, Reader};
use crate::components::NodeCx;
use crate::finding::Finding;

/// The autoscaling parameters every component with instances shares.
pub(crate) const ENABLED: ParamSpec = flag(
    "autoscale",
    "Autoscaling",
    "Add instances when busy and remove them when quiet, within the minimum and maximum.",
    false,
);
pub(crate) const MIN: ParamSpec = int(
    "min_instances",
    "Minimum instances",
    "instances",
    "Autoscaling never goes below this.",
    1,
    100,
    1,
);
pub(crate) const MAX: ParamSpec = int(
    "max_instances",
    "Maximum instances",
    "instances",
    "Autoscaling never goes above this (it also caps the bill).",
    1,
    100,
    10,
);
pub(crate) const INTERVAL: ParamSpec = int(
    "check_interval_s",
    "Scaling check interval",
    "s",
    "How often autoscaling looks at the load and decides.",
    1,
    300,
    10,
);
pub(crate) const WARMUP: ParamSpec = int(
    "warmup_s",
    "Warm-up time",
    "s",
    "How long a new instance takes to boot before it takes work (it is paid from the start).",
    0,
    600,
    30,
);

/// Autoscaling settings of one node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Settings {
    pub enabled: bool,
    pub min: u32,
    pub max: u32,
    pub interval_us: u64,
    pub warmup_us: u64,
    /// The maximum as set, which validation refuses when below the minimum (the run
    /// would use the minimum).
    pub max_asked: u32,
}

impl Settings {
    pub(crate) fn read(p: &Reader) -> Settings {
        let min = p.int("min_instances").max(1);
        let max = p.int("max_instances");
        Settings {
            enabled: p.flag("autoscale"),
            min,
            max: max.max(min),
            interval_us: p.int("check_interval_s").max(1) as u64 * 1_000_000,
            warmup_us: p.int("warmup_s") as u64 * 1_000_000,
            max_asked: max,
        }
    }

    /// The findings about a node's autoscaling: a range that is empty, or a starting
    /// number of instances outside it.
    pub(crate) fn validate(&self, cx: &NodeCx, instances: u32, out: &mut Vec<Finding>) {
        if !self.enabled {
            return;
        }
        if self.max_asked < self.min {
            out.push(cx.error(format!(
                "{} has Maximum instances {} below Minimum instances {}; raise the maximum or lower the minimum.",
                cx.name(),
                self.max_asked,
                self.min
            )));
        } else if instances < self.min || instances > self.max {
            out.push(cx.error(format!(
                "{} starts with {}, outside its autoscaling range of {} to {}.",
                cx.name(),
                crate::format::count_of(instances as u64, "instance", "instances"),
                self.min,
                self.max
            )));
        }
    }
}

/// The instances of one node during a run.
#[derive(Clone, Debug)]
pub(crate) struct Autoscaler {
    pub settings: Settings,
    /// Instances taking work.
    active: u32,
    /// Instances booting: when each will be ready.
    warming: Vec<u64>,
    max_seen: u32,
    /// Paid instances × µs so far, and when it was last brought up to date.
    paid_area: f64,
    last_change: u64,
    /// The node's busy-share integral at the last check.
    pub last_util_area: f64,
}

/// What a check decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Keep,
    /// Started this many instances; they are ready at the given time.
    Started(u32, u64),
    /// Stopped this many instances now.
    Stopped(u32),
}

impl Autoscaler {
    pub(crate) fn new(settings: Settings, initial: u32) -> Self {
        let initial = if settings.enabled {
            initial.clamp(settings.min, settings.max)
        } else {
            initial
        };
        Autoscaler {
            settings,
            active: initial,
            warming: Vec::new(),
            max_seen: initial,
            paid_area: 0.0,
            last_change: 0,
            last_util_area: 0.0,
        }
    }

    /// Instances taking work now.
    pub(crate) fn active(&self) -> u32 {
        self.active
    }

    /// The most instances (taking work or booting) at once so far.
    pub(crate) fn max_seen(&self) -> u32 {
        self.max_seen
    }

    fn paid(&self) -> u32 {
        self.active + self.warming.len() as u32
    }

    fn account(&mut self, now: u64) {
        if now > self.last_change {
            self.paid_area += self.paid() as f64 * (now - self.last_change) as f64;
            self.last_change = now;
        }
    }

    /// Average paid instances from the start to `now`.
    pub(crate) fn average_paid(&self, now: u64) -> f64 {
        if now == 0 {
            return self.paid() as f64;
        }
        let area =
            self.paid_area + self.paid() as f64 * now.saturating_sub(self.last_change) as f64;
        area / now as f64
    }

    /// Moves toward `desired` instances (clamped to min..max): starts the missing ones
    /// (ready after the warm-up) or stops the surplus (booting ones first).
    pub(crate) fn decide(&mut self, now: u64, desired: u32) -> Decision {
        let desired = desired.clamp(self.settings.min, self.settings.max);
        self.account(now);
        let paid = self.paid();
        if desired > paid {
            let n = desired - paid;
            let ready = now + self.settings.warmup_us;
            self.warming.extend(std::iter::repeat_n(ready, n as usize));
            self.max_seen = self.max_seen.max(self.paid());
            Decision::Started(n, ready)
        } else if desired < paid {
            let surplus = paid - desired;
            let from_warming = surplus.min(self.warming.len() as u32);
            // The most recently started boot is cancelled first.
            self.warming
                .truncate(self.warming.len() - from_warming as usize);
            let stop = surplus - from_warming;
            self.active -= stop;
            if stop > 0 {
                Decision::Stopped(stop)
            } else {
                Decision::Keep
            }
        } else {
            Decision::Keep
        }
    }

    /// Instances whose warm-up ended by `now` start taking work; returns how many.
    pub(crate) fn warm_up(&mut self, now: u64) -> u32 {
        self.account(now);
        let before = self.warming.len();
        self.warming.retain(|&ready| ready > now);
        let ready = (before - self.warming.len()) as u32;
        self.active += ready;
        ready
    }
}

/// The instances wanted to bring a busy share `utilisation` of `active` instances to
/// `target` (target tracking): ceil(active × utilisation / target).
pub(crate) fn instances_for_utilisation(active: u32, utilisation: f64, target: f64) -> u32 {
    if target <= 0.0 {
        return active;
    }
    libm::ceil(active as f64 * utilisation / target).max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            enabled: true,
            min: 2,
            max: 6,
            interval_us: 10_000_000,
            warmup_us: 30_000_000,
            max_asked: 6,
        }
    }

    #[test]
    fn starts_within_the_bounds_and_new_instances_wait_for_their_warm_up() {
        let mut a = Autoscaler::new(settings(), 1);
        assert_eq!(a.active(), 2, "the minimum holds from the start");
        assert_eq!(a.decide(0, 50), Decision::Started(4, 30_000_000));
        assert_eq!(a.active(), 2, "booting instances take no work");
        assert_eq!(a.warm_up(29_999_999), 0);
        assert_eq!(a.warm_up(30_000_000), 4);
        assert_eq!(a.active(), 6);
        assert_eq!(a.max_seen(), 6);
        assert_eq!(a.decide(40_000_000, 0), Decision::Stopped(4));
        assert_eq!(a.active(), 2);
    }

    #[test]
    fn a_quiet_check_cancels_boots_before_stopping_workers() {
        let mut a = Autoscaler::new(settings(), 2);
        a.decide(0, 5);
        assert_eq!(a.decide(5_000_000, 3), Decision::Keep);
        assert_eq!(a.warm_up(30_000_000), 1);
        assert_eq!(a.active(), 3);
    }

    #[test]
    fn instance_seconds_follow_what_ran() {
        let mut a = Autoscaler::new(settings(), 2);
        a.decide(10_000_000, 4); // 4 paid from 10 s
                                 // 2 for 10 s, then 4 for 10 s: 3 on average over 20 s.
        assert!((a.average_paid(20_000_000) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn target_tracking_rounds_up() {
        assert_eq!(instances_for_utilisation(4, 0.9, 0.6), 6);
        assert_eq!(instances_for_utilisation(4, 0.3, 0.6), 2);
        assert_eq!(instances_for_utilisation(4, 0.0, 0.6), 0);
    }
}
