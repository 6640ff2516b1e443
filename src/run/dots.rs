//! The animation's data, without web types: the paths dots travel (the routed wires of
//! the run's diagram, found by a binary search per hop) and a bounded pool of traced requests
//! whose memory is reused from frame to frame. Tested natively.

use std::collections::VecDeque;

use scalelab_engine::{Diagram, Outcome, RequestKind, Trace};

use crate::canvas::geometry::{node_rect, Point, Rect};
use crate::canvas::routing::{self, Route};

/// A polyline with the distance from its start at each corner, so a point at any
/// fraction of its length is found without allocating.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    points: Vec<Point>,
    /// `cum[i]`: length from the start to `points[i]`.
    cum: Vec<f64>,
}

impl Path {
    pub fn new(route: &Route) -> Path {
        let mut cum = Vec::with_capacity(route.points.len());
        let mut total = 0.0;
        for (i, p) in route.points.iter().enumerate() {
            if i > 0 {
                total += route.points[i - 1].dist(*p);
            }
            cum.push(total);
        }
        Path {
            points: route.points.clone(),
            cum,
        }
    }

    fn length(&self) -> f64 {
        self.cum.last().copied().unwrap_or(0.0)
    }

    /// The point at fraction `f` (0..=1) of the way, from the end when `reverse`.
    pub fn at(&self, f: f64, reverse: bool) -> Point {
        let Some(&first) = self.points.first() else {
            return Point::default();
        };
        let f = if reverse { 1.0 - f } else { f }.clamp(0.0, 1.0);
        let target = f * self.length();
        // Paths have a handful of corners: a linear scan is the fastest.
        for i in 1..self.points.len() {
            if self.cum[i] >= target {
                let span = self.cum[i] - self.cum[i - 1];
                let t = if span > 0.0 {
                    (target - self.cum[i - 1]) / span
                } else {
                    1.0
                };
                return self.points[i - 1].lerp(self.points[i], t);
            }
        }
        *self.points.last().unwrap_or(&first)
    }
}

/// The paths of a run: one per wire, and one per other pair of nodes a request hops
/// between (a user reaching the entry point its DNS answer named), routed on first use.
#[derive(Clone, Debug)]
pub struct Paths {
    cards: Vec<Rect>,
    paths: Vec<Path>,
    /// ((from, to) node indices, the path running from `from` to `to`), sorted by
    /// the pair for a binary search.
    index: Vec<((u32, u32), u32)>,
}

impl Paths {
    pub fn new(d: &Diagram) -> Paths {
        let cards: Vec<Rect> = d.nodes.iter().map(|n| node_rect(n.x, n.y)).collect();
        let mut paths = Paths {
            cards,
            paths: Vec::with_capacity(d.edges.len()),
            index: Vec::with_capacity(d.edges.len() * 2),
        };
        for e in &d.edges {
            if let (Some(a), Some(b)) = (d.node_index(&e.from), d.node_index(&e.to)) {
                paths.add(a as u32, b as u32);
            }
        }
        paths
    }

    fn add(&mut self, a: u32, b: u32) -> Option<u32> {
        let (ra, rb) = (*self.cards.get(a as usize)?, *self.cards.get(b as usize)?);
        let i = self.paths.len() as u32;
        self.paths
            .push(Path::new(&routing::route(ra, rb, &self.cards, b as usize)));
        if let Err(at) = self.index.binary_search_by_key(&(a, b), |e| e.0) {
            self.index.insert(at, ((a, b), i));
        }
        Some(i)
    }

    fn find(&self, a: u32, b: u32) -> Option<u32> {
        self.index
            .binary_search_by_key(&(a, b), |e| e.0)
            .ok()
            .map(|at| self.index[at].1)
    }

    /// The path of a hop from node `a` to node `b` and whether it runs backwards along
    /// it (a response returning over the wire its request came by).
    pub fn hop(&mut self, a: u32, b: u32) -> Option<(u32, bool)> {
        if let Some(i) = self.find(a, b) {
            return Some((i, false));
        }
        if let Some(i) = self.find(b, a) {
            return Some((i, true));
        }
        // At most one path per pair of nodes: bounded by the diagram, not the run.
        self.add(a, b).map(|i| (i, false))
    }

    pub fn get(&self, i: u32) -> &Path {
        &self.paths[i as usize]
    }

    /// How many paths are known (the wires plus other hops seen so far).
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// One hop of a dot, along a path, in simulated microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Leg {
    pub path: u32,
    pub reverse: bool,
    pub depart_us: u64,
    pub arrive_us: u64,
}

/// A traced request: its legs are `legs[first..first + count]` of the pool.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Dot {
    /// Absolute index of its first leg (legs dropped so far included).
    first: u64,
    count: u32,
    kind: RequestKind,
    failed: bool,
    end_us: u64,
}

/// How long (simulated) a failed request stays on screen as a red dot.
pub const FAIL_SHOW_US: u64 = 400_000;

/// At most `cap` traced requests, oldest dropped first. Dots and their legs live in
/// two ring buffers that stop growing once full, so a long run allocates nothing more.
#[derive(Clone, Debug)]
pub struct Dots {
    cap: usize,
    dots: VecDeque<Dot>,
    legs: VecDeque<Leg>,
    /// Legs dropped from the front so far, to turn absolute indices into positions.
    legs_dropped: u64,
}

impl Dots {
    pub fn new(cap: usize) -> Dots {
        Dots {
            cap,
            dots: VecDeque::new(),
            legs: VecDeque::new(),
            legs_dropped: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.dots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dots.is_empty()
    }

    fn pop_front(&mut self) {
        if let Some(d) = self.dots.pop_front() {
            let n = d.count as usize;
            self.legs.drain(..n.min(self.legs.len()));
            self.legs_dropped += n as u64;
        }
    }

    /// Adds a finished trace (dropping the oldest when full). Hops between unknown
    /// nodes are skipped.
    pub fn push(&mut self, trace: &Trace, paths: &mut Paths) {
        if self.cap == 0 {
            return;
        }
        if self.dots.len() == self.cap {
            self.pop_front();
        }
        let first = self.legs_dropped + self.legs.len() as u64;
        let mut count = 0;
        let mut end_us = 0;
        for hop in &trace.hops {
            if let Some((path, reverse)) = paths.hop(hop.from, hop.to) {
                self.legs.push_back(Leg {
                    path,
                    reverse,
                    depart_us: hop.depart_us,
                    arrive_us: hop.arrive_us,
                });
                count += 1;
                end_us = hop.arrive_us;
            }
        }
        if count == 0 {
            return;
        }
        self.dots.push_back(Dot {
            first,
            count,
            kind: trace.kind,
            failed: !matches!(trace.outcome, Outcome::Ok),
            end_us,
        });
    }

    /// Forgets requests that ended (and stopped showing) before `t_us`.
    pub fn expire(&mut self, t_us: u64) {
        while self
            .dots
            .front()
            .is_some_and(|d| d.end_us + FAIL_SHOW_US < t_us)
        {
            self.pop_front();
        }
    }

    fn legs_of(&self, d: &Dot) -> impl Iterator<Item = &Leg> {
        let start = (d.first - self.legs_dropped) as usize;
        self.legs.range(start..start + d.count as usize)
    }

    /// Calls `moving` for each request on a wire at `t_us` (where, what kind) and
    /// `failed` for each request that failed less than [`FAIL_SHOW_US`] before.
    pub fn visit(
        &self,
        paths: &Paths,
        t_us: u64,
        mut moving: impl FnMut(Point, RequestKind),
        mut failed: impl FnMut(Point),
    ) {
        for d in &self.dots {
            if d.failed && d.end_us <= t_us && t_us <= d.end_us + FAIL_SHOW_US {
                if let Some(last) = self.legs_of(d).last() {
                    failed(paths.get(last.path).at(1.0, last.reverse));
                }
            }
            if let Some(leg) = self
                .legs_of(d)
                .find(|l| l.depart_us <= t_us && t_us <= l.arrive_us)
            {
                let span = leg.arrive_us.saturating_sub(leg.depart_us);
                let f = if span == 0 {
                    1.0
                } else {
                    (t_us - leg.depart_us) as f64 / span as f64
                };
                moving(paths.get(leg.path).at(f, leg.reverse), d.kind);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalelab_engine::{Cause, Hop, Kind};

    fn close(a: Point, b: Point) -> bool {
        a.dist(b) < 1e-9
    }

    /// Users → web server → database in a row.
    fn diagram() -> Diagram {
        let mut d = Diagram::default();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 300.0, 0.0);
        let db = d.add_node(Kind::Database, 600.0, 0.0);
        d.connect(&u, &w).unwrap();
        d.connect(&w, &db).unwrap();
        d
    }

    fn trace(hops: &[(u32, u32, u64, u64)], outcome: Outcome) -> Trace {
        Trace {
            kind: RequestKind::PageRead,
            start_us: hops[0].2,
            end_us: hops[hops.len() - 1].3,
            outcome,
            hops: hops
                .iter()
                .map(|&(from, to, depart_us, arrive_us)| Hop {
                    from,
                    to,
                    depart_us,
                    arrive_us,
                })
                .collect(),
        }
    }

    #[test]
    fn a_path_is_walked_by_length_in_either_direction() {
        let route = Route {
            points: vec![
                Point::new(0.0, 0.0),
                Point::new(100.0, 0.0),
                Point::new(100.0, 100.0),
            ],
        };
        let p = Path::new(&route);
        assert!(close(p.at(0.25, false), Point::new(50.0, 0.0)));
        assert!(close(p.at(0.75, false), Point::new(100.0, 50.0)));
        assert!(close(p.at(0.25, true), Point::new(100.0, 50.0)));
        assert!(close(p.at(1.0, false), Point::new(100.0, 100.0)));
    }

    #[test]
    fn hops_follow_the_wires_and_responses_go_back_along_them() {
        let d = diagram();
        let mut paths = Paths::new(&d);
        assert_eq!(paths.len(), 2);
        assert_eq!(paths.hop(0, 1), Some((0, false)));
        assert_eq!(paths.hop(2, 1), Some((1, true)));
        // A hop with no wire is routed once and then reused.
        assert_eq!(paths.hop(0, 2), Some((2, false)));
        assert_eq!(paths.hop(0, 2), Some((2, false)));
        assert_eq!(paths.len(), 3);
        assert_eq!(paths.hop(0, 9), None);
    }

    #[test]
    fn dots_move_along_their_legs_and_failures_show_where_they_ended() {
        let d = diagram();
        let mut paths = Paths::new(&d);
        let mut dots = Dots::new(10);
        dots.push(
            &trace(&[(0, 1, 1_000, 2_000), (1, 0, 5_000, 6_000)], Outcome::Ok),
            &mut paths,
        );
        dots.push(
            &trace(&[(1, 2, 1_000, 3_000)], Outcome::Failed(Cause::NodeDown)),
            &mut paths,
        );
        let seen = |t: u64| {
            let (mut moving, mut failed) = (Vec::new(), Vec::new());
            dots.visit(&paths, t, |p, _| moving.push(p), |p| failed.push(p));
            (moving, failed)
        };
        let web = d.nodes[1].clone();
        let (moving, failed) = seen(1_500);
        assert_eq!(moving.len(), 2);
        assert!(failed.is_empty());
        // Half-way along users → web on the wire between their facing sides.
        assert!(close(moving[0], Point::new(230.0, 28.0)), "{moving:?}");
        // The response at 5,500 µs is half-way back.
        let (moving, failed) = seen(5_500);
        assert_eq!(moving.len(), 1);
        assert!(close(moving[0], Point::new(230.0, 28.0)));
        // The failure shows at the database's port for a while.
        assert_eq!(failed, vec![Point::new(600.0, 28.0)]);
        // Waiting inside the web server: not on a wire.
        assert_eq!(seen(3_500).0.len(), 0);
        assert!(web.x < 600.0);
    }

    #[test]
    fn the_pool_is_bounded_and_forgets_old_requests() {
        let d = diagram();
        let mut paths = Paths::new(&d);
        let mut dots = Dots::new(3);
        for i in 0..10u64 {
            let t = i * 1_000_000;
            dots.push(
                &trace(
                    &[(0, 1, t, t + 1_000), (1, 2, t + 2_000, t + 3_000)],
                    Outcome::Ok,
                ),
                &mut paths,
            );
            assert!(dots.len() <= 3);
            assert!(dots.legs.len() <= 6);
        }
        // The newest three remain, and their legs are still found.
        let mut n = 0;
        dots.visit(&paths, 9_000_500, |_, _| n += 1, |_| {});
        assert_eq!(n, 1);
        dots.expire(9_000_000 + 3_000 + FAIL_SHOW_US + 1);
        assert!(dots.is_empty());
        assert!(dots.legs.is_empty());
    }
}
