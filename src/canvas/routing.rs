//! Wire routing: each edge leaves its source card and enters its target card through
//! ports on the sides that face each other (or, to a card above or below and past its
//! right side, leaves by the right-hand port and turns once), and runs in horizontal
//! and vertical segments around the other cards. Pure geometry, tested natively.
//!
//! The router searches a sparse grid whose lines are the cards' edges pushed out by a
//! margin, plus the lines through the two ports (A* with a penalty per bend, so routes
//! are short and have few corners). It first searches near the two cards and widens to
//! the whole diagram only when that fails; when even that fails (cards overlap a port),
//! it draws a plain three-segment route.

use scalelab_engine::format::fixed;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::geometry::{Point, Rect};

/// Distance a wire keeps from cards it passes.
pub const MARGIN: f64 = 10.0;
/// Length of the straight piece at each end of a wire, perpendicular to the card's
/// side: long enough for the arrowhead to sit on it and for the port to read.
pub const STUB: f64 = 18.0;
/// The shortest such piece, between cards close together: still longer than the
/// arrowhead and than the margin.
pub const MIN_STUB: f64 = 12.0;
/// Space between the lanes of wires turning into neighbouring cards.
pub const LANE: f64 = 8.0;
/// Cost of one corner, in world units of length.
const BEND_COST: f64 = 40.0;
/// How far around the two cards the first search looks.
const NEAR: f64 = 96.0;

/// The router's steps on its grid: right, left, down, up (as [`Side`]'s order, so a
/// side's index is the step out of it and `^ 1` the step into it).
const STEPS: [(isize, isize); 4] = [(1, 0), (-1, 0), (0, 1), (0, -1)];

/// A side of a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    // In the order of `STEPS`.
    Right,
    Left,
    Bottom,
    Top,
}

impl Side {
    /// The unit vector pointing out of the card.
    fn normal(self) -> (f64, f64) {
        match self {
            Side::Left => (-1.0, 0.0),
            Side::Right => (1.0, 0.0),
            Side::Top => (0.0, -1.0),
            Side::Bottom => (0.0, 1.0),
        }
    }

    /// The step of the router's grid (an index into `STEPS`) pointing out of the card.
    fn out_step(self) -> usize {
        self as usize
    }
}

/// The middle of a card's side.
pub fn port(card: Rect, side: Side) -> Point {
    let c = card.center();
    match side {
        Side::Left => Point::new(card.x, c.y),
        Side::Right => Point::new(card.x + card.w, c.y),
        Side::Top => Point::new(c.x, card.y),
        Side::Bottom => Point::new(c.x, card.y + card.h),
    }
}

/// Which sides a wire from card `a` to card `b` uses. Wires flow left to right: they
/// leave from the right side (where the port a learner drags from is) and arrive on the
/// left side. A wire to a card above or below whose middle is past `a`'s right side
/// still leaves from the right and turns once into the target's top or bottom, so the
/// wires into and out of a card in a diagonal chain do not share a side. A wire to a
/// card further left above or below, or too close for that turn, leaves and arrives
/// through the top and bottom sides that face each other, so it never arrives at the
/// right-hand port, and a wire back to a card on the same row loops over the top.
pub fn facing_sides(a: Rect, b: Rect) -> (Side, Side) {
    let gap = 2.0 * MIN_STUB;
    let (ca, cb) = (a.center(), b.center());
    let turn = cb.x >= a.x + a.w + STUB;
    if b.x >= a.x + a.w + gap {
        (Side::Right, Side::Left)
    } else if turn && b.y >= a.y + a.h + gap {
        (Side::Right, Side::Top)
    } else if turn && b.y + b.h <= a.y - gap {
        (Side::Right, Side::Bottom)
    } else if b.y >= a.y + a.h + gap {
        (Side::Bottom, Side::Top)
    } else if b.y + b.h <= a.y - gap {
        (Side::Top, Side::Bottom)
    } else if b.x + b.w <= a.x - gap {
        // To the left on about the same row: up and over.
        (Side::Top, Side::Top)
    } else if cb.x >= ca.x {
        (Side::Right, Side::Left)
    } else {
        (Side::Top, Side::Top)
    }
}

/// A wire's path: from the source port to the target port, through its corners.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Route {
    pub points: Vec<Point>,
}

impl Route {
    /// Total length of the path.
    pub fn length(&self) -> f64 {
        self.points.windows(2).map(|w| w[0].dist(w[1])).sum()
    }

    /// The SVG path data ("M x y L x y ...").
    pub fn svg_path(&self) -> String {
        let mut out = String::with_capacity(self.points.len() * 16);
        for (i, p) in self.points.iter().enumerate() {
            out.push_str(if i == 0 { "M" } else { " L" });
            out.push_str(&format!("{} {}", fixed(p.x, 1), fixed(p.y, 1)));
        }
        out
    }

    /// The same path moved by (dx, dy).
    pub fn translated(&self, dx: f64, dy: f64) -> Route {
        Route {
            points: self
                .points
                .iter()
                .map(|p| Point::new(p.x + dx, p.y + dy))
                .collect(),
        }
    }

    /// Whether the path enters the inside of `card` (pushed out by a little less than
    /// the margin wires keep).
    pub fn crosses(&self, card: &Rect) -> bool {
        let inside = card.grown(MARGIN - 1.0);
        self.points
            .windows(2)
            .any(|w| Rect::from_corners(w[0], w[1]).intersects(&inside))
    }

    /// Distance from `p` to the nearest point of the path.
    pub fn distance_to(&self, p: Point) -> f64 {
        self.points
            .windows(2)
            .map(|w| super::geometry::dist_to_segment(p, w[0], w[1]))
            .fold(f64::INFINITY, f64::min)
    }
}

/// Routes a wire from card `from` to card `to` around `obstacles` (every card of the
/// diagram; the two ends may be among them). `lane` (the target's index in the diagram)
/// picks how far before the target the wire makes its last turn, where there is room:
/// the wires into one card share a lane, and those into the card next to it in a
/// column or row most likely use another, so each bus reads as going to its own card.
pub fn route(from: Rect, to: Rect, obstacles: &[Rect], lane: usize) -> Route {
    let (sa, sb) = facing_sides(from, to);
    let (pa, pb) = (port(from, sa), port(to, sb));
    let (na, nb) = (sa.normal(), sb.normal());
    // Between facing sides close together, both end pieces share the gap.
    let gap = match (sa, sb) {
        (Side::Right, Side::Left) => to.x - (from.x + from.w),
        (Side::Bottom, Side::Top) => to.y - (from.y + from.h),
        (Side::Top, Side::Bottom) => from.y - (to.y + to.h),
        _ => 2.0 * STUB,
    };
    let stub = (gap / 2.0).clamp(MIN_STUB, STUB);
    // The longer end piece only where the gap leaves room and no other card is near it.
    let clear = |q: Point| {
        !obstacles
            .iter()
            .any(|r| *r != to && r.grown(MARGIN).has_inside(q))
    };
    let mut into = stub;
    let longer = stub + (lane % 3) as f64 * LANE;
    let q = Point::new(pb.x + nb.0 * longer, pb.y + nb.1 * longer);
    if gap >= 2.0 * (STUB + LANE) && clear(q) && clear(pb.lerp(q, 0.5)) {
        into = longer;
    }
    let a = Point::new(pa.x + na.0 * stub, pa.y + na.1 * stub);
    let b = Point::new(pb.x + nb.0 * into, pb.y + nb.1 * into);

    let near = Rect::from_corners(a, b).grown(NEAR);
    // The search goes on straight out of the source's stub and counts a corner when it
    // does not arrive straight into the target's (the opposite of its outward step).
    let ends = (sa.out_step(), sb.out_step() ^ 1);
    let middle =
        search(a, b, ends, obstacles, Some(near)).or_else(|| search(a, b, ends, obstacles, None));
    let mut points = vec![pa];
    match middle {
        Some(mid) => points.extend(mid),
        None => {
            // No clear way (a port is covered by another card): a plain route.
            points.push(a);
            if sa == Side::Top || sa == Side::Bottom {
                let y = (a.y + b.y) / 2.0;
                points.push(Point::new(a.x, y));
                points.push(Point::new(b.x, y));
            } else {
                let x = (a.x + b.x) / 2.0;
                points.push(Point::new(x, a.y));
                points.push(Point::new(x, b.y));
            }
            points.push(b);
        }
    }
    points.push(pb);
    Route {
        points: simplify(points),
    }
}

/// Routes every edge (pairs of indices into `cards`).
pub fn route_all(cards: &[Rect], edges: &[(usize, usize)]) -> Vec<Route> {
    edges
        .iter()
        .map(|&(a, b)| match (cards.get(a), cards.get(b)) {
            (Some(ra), Some(rb)) => route(*ra, *rb, cards, b),
            _ => Route::default(),
        })
        .collect()
}

/// Drops repeated points and the middle of three points on one line.
fn simplify(points: Vec<Point>) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for p in points {
        if out.last().is_some_and(|q| q.dist(p) < 1e-6) {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let collinear = (a.x - b.x).abs() < 1e-6 && (b.x - p.x).abs() < 1e-6
                || (a.y - b.y).abs() < 1e-6 && (b.y - p.y).abs() < 1e-6;
            if collinear {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// Whether the open segment between two grid neighbours crosses an inflated card.
/// Grid lines include every inflated card's edges, so the segment is either wholly
/// inside one or wholly outside: its midpoint decides.
fn blocked(p: Point, q: Point, inflated: &[Rect]) -> bool {
    let m = p.lerp(q, 0.5);
    inflated.iter().any(|r| r.has_inside(m))
}

/// Sorted, de-duplicated coordinates. The lists are short, so each value is put in
/// its place by a binary search (this also keeps a sorting routine out of the bundle).
fn axis(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for v in values {
        let at = out.partition_point(|x| *x < v);
        let near = |i: usize| out.get(i).is_some_and(|x: &f64| (x - v).abs() < 1e-6);
        if !(near(at) || (at > 0 && near(at - 1))) {
            out.insert(at, v);
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
struct Open {
    f: f64,
    state: u32,
}

impl Eq for Open {}

impl Ord for Open {
    fn cmp(&self, o: &Self) -> Ordering {
        // BinaryHeap is a max-heap: the smallest estimate first, then the lowest state
        // for a deterministic order.
        o.f.total_cmp(&self.f).then(o.state.cmp(&self.state))
    }
}

impl PartialOrd for Open {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The corners of the cheapest orthogonal path from `a` to `b` (both included) that
/// stays out of every inflated obstacle, searched inside `window` (or around all the
/// obstacles), or `None` when there is none.
fn search(
    a: Point,
    b: Point,
    (first, last): (usize, usize),
    obstacles: &[Rect],
    window: Option<Rect>,
) -> Option<Vec<Point>> {
    let inflated: Vec<Rect> = obstacles
        .iter()
        .map(|r| r.grown(MARGIN))
        .filter(|r| window.is_none_or(|w| w.intersects(r)))
        .collect();
    let inside = |p: Point| inflated.iter().any(|r| r.has_inside(p));
    if inside(a) || inside(b) {
        return None;
    }
    let bounds = match window {
        Some(w) => w,
        None => inflated
            .iter()
            .fold(Rect::from_corners(a, b), |acc, r| acc.union(r))
            .grown(NEAR),
    };
    let mut xs = vec![a.x, b.x, (a.x + b.x) / 2.0, bounds.x, bounds.x + bounds.w];
    let mut ys = vec![a.y, b.y, (a.y + b.y) / 2.0, bounds.y, bounds.y + bounds.h];
    for r in &inflated {
        xs.extend([r.x, r.x + r.w]);
        ys.extend([r.y, r.y + r.h]);
    }
    let in_x = |x: &f64| *x >= bounds.x - 1e-6 && *x <= bounds.x + bounds.w + 1e-6;
    let in_y = |y: &f64| *y >= bounds.y - 1e-6 && *y <= bounds.y + bounds.h + 1e-6;
    let xs = axis(xs.into_iter().filter(in_x));
    let ys = axis(ys.into_iter().filter(in_y));
    let find = |v: &[f64], t: f64| v.iter().position(|x| (x - t).abs() < 1e-6);
    let (ax, ay, bx, by) = (
        find(&xs, a.x)?,
        find(&ys, a.y)?,
        find(&xs, b.x)?,
        find(&ys, b.y)?,
    );

    // State: (grid x, grid y, direction of arrival, an index into `STEPS`); the start
    // is reached going `first`.
    let (nx, ny) = (xs.len(), ys.len());
    let idx = |i: usize, j: usize, d: usize| ((j * nx + i) * 4 + d) as u32;
    let mut g = vec![f64::INFINITY; nx * ny * 4];
    let mut from = vec![u32::MAX; nx * ny * 4];
    let h = |i: usize, j: usize| (xs[i] - b.x).abs() + (ys[j] - b.y).abs();
    let mut open = BinaryHeap::new();
    // The best way found to `b` so far, with the corner into the target counted.
    let mut best: Option<(f64, u32)> = None;
    let start = idx(ax, ay, first);
    g[start as usize] = 0.0;
    open.push(Open {
        f: h(ax, ay),
        state: start,
    });
    while let Some(Open { f, state }) = open.pop() {
        if best.is_some_and(|(cost, _)| f >= cost - 1e-9) {
            break;
        }
        let s = state as usize;
        let (d, cell) = (s % 4, s / 4);
        let (i, j) = (cell % nx, cell / nx);
        if f > g[s] + h(i, j) + 1e-9 {
            continue;
        }
        if i == bx && j == by {
            let cost = g[s] + if d == last { 0.0 } else { BEND_COST };
            if best.is_none_or(|(c, _)| cost < c) {
                best = Some((cost, state));
            }
            continue;
        }
        for (nd, (di, dj)) in STEPS.iter().enumerate() {
            let (ni, nj) = (i as isize + di, j as isize + dj);
            if ni < 0 || nj < 0 || ni >= nx as isize || nj >= ny as isize {
                continue;
            }
            let (ni, nj) = (ni as usize, nj as usize);
            let (p, q) = (Point::new(xs[i], ys[j]), Point::new(xs[ni], ys[nj]));
            if blocked(p, q, &inflated) {
                continue;
            }
            let bend = if d != nd { BEND_COST } else { 0.0 };
            let cost = g[s] + p.dist(q) + bend;
            let t = idx(ni, nj, nd) as usize;
            if cost + 1e-9 < g[t] {
                g[t] = cost;
                from[t] = state;
                open.push(Open {
                    f: cost + h(ni, nj),
                    state: t as u32,
                });
            }
        }
    }
    let (_, mut cur) = best?;
    let mut cells = Vec::new();
    while cur != u32::MAX {
        let c = cur as usize / 4;
        cells.push(Point::new(xs[c % nx], ys[c / nx]));
        cur = from[cur as usize];
    }
    cells.reverse();
    Some(simplify(cells))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::geometry::{node_rect, NODE_H, NODE_W};

    /// Whether a segment enters the interior of a rectangle.
    fn crosses(p: Point, q: Point, r: &Rect) -> bool {
        let (x0, x1) = (p.x.min(q.x), p.x.max(q.x));
        let (y0, y1) = (p.y.min(q.y), p.y.max(q.y));
        x1 > r.x + 1e-6 && x0 < r.x + r.w - 1e-6 && y1 > r.y + 1e-6 && y0 < r.y + r.h - 1e-6
    }

    /// Every segment is horizontal or vertical.
    fn orthogonal(r: &Route) -> bool {
        r.points
            .windows(2)
            .all(|w| (w[0].x - w[1].x).abs() < 1e-6 || (w[0].y - w[1].y).abs() < 1e-6)
    }

    /// Which cards a route passes through, other than where it leaves and arrives.
    fn cards_crossed(route: &Route, cards: &[Rect], from: usize, to: usize) -> Vec<usize> {
        let n = route.points.len();
        let mut hit = Vec::new();
        for (k, card) in cards.iter().enumerate() {
            for (s, w) in route.points.windows(2).enumerate() {
                // The first segment leaves the source card and the last one enters the
                // target card through their sides.
                if (k == from && s == 0) || (k == to && s == n - 2) {
                    continue;
                }
                if crosses(w[0], w[1], card) {
                    hit.push(k);
                    break;
                }
            }
        }
        hit
    }

    #[test]
    fn a_wire_to_the_left_arrives_on_the_side_facing_it_never_at_the_output_port() {
        let a = node_rect(600.0, 100.0);
        // Below and to the left: down from a, into b's top.
        let b = node_rect(100.0, 300.0);
        assert_eq!(facing_sides(a, b), (Side::Bottom, Side::Top));
        let r = route(a, b, &[a, b], 0);
        assert_eq!(r.points[0], port(a, Side::Bottom));
        assert_eq!(*r.points.last().unwrap(), port(b, Side::Top));
        // The last piece arrives straight down, long enough for the arrowhead.
        let [.., p, q] = r.points[..] else { panic!() };
        assert_eq!(p.x, q.x);
        assert!(q.y - p.y >= STUB - 1e-9);
        assert!(orthogonal(&r));
        // Above and to the left: into b's bottom.
        let up = node_rect(100.0, -200.0);
        assert_eq!(facing_sides(a, up), (Side::Top, Side::Bottom));
        // On the same row: over the top of both.
        let beside = node_rect(100.0, 110.0);
        assert_eq!(facing_sides(a, beside), (Side::Top, Side::Top));
        let r = route(a, beside, &[a, beside], 0);
        assert!(r.points.iter().all(|p| p.y <= 110.0));
        assert!(orthogonal(&r));
    }

    #[test]
    fn cards_close_together_are_still_wired_side_to_side() {
        let a = node_rect(0.0, 0.0);
        let b = node_rect(NODE_W + 30.0, -20.0);
        assert_eq!(facing_sides(a, b), (Side::Right, Side::Left));
        let r = route(a, b, &[a, b], 0);
        assert!(orthogonal(&r));
        // Out, across at the middle of the gap, in: no doubling back.
        assert_eq!(r.points.len(), 4, "{r:?}");
        assert_eq!(r.points[1].x, NODE_W + 15.0);
        assert!(r.points.windows(2).all(|w| w[1].x >= w[0].x));
    }

    #[test]
    fn a_diagonal_chain_leaves_by_the_output_port_and_turns_once() {
        // Users, then DNS up and to the right, then a load balancer down and to the
        // right, each starting a little past the middle of the one before.
        let users = node_rect(0.0, 110.0);
        let dns = node_rect(NODE_W, 0.0);
        let lb = node_rect(2.0 * NODE_W + 16.0, 110.0);
        assert_eq!(facing_sides(users, dns), (Side::Right, Side::Bottom));
        assert_eq!(facing_sides(dns, lb), (Side::Right, Side::Top));
        let cards = [users, dns, lb];
        let up = route(users, dns, &cards, 0);
        let down = route(dns, lb, &cards, 0);
        // One corner each: out of the right-hand port, into the facing side.
        assert_eq!(
            up.points,
            vec![
                port(users, Side::Right),
                Point::new(dns.center().x, users.center().y),
                port(dns, Side::Bottom)
            ]
        );
        assert_eq!(
            down.points,
            vec![
                port(dns, Side::Right),
                Point::new(lb.center().x, dns.center().y),
                port(lb, Side::Top)
            ]
        );
        // Too close for the turn (the target's middle within a stub of the right
        // side): still bottom to top.
        let near = node_rect(NODE_W / 2.0, 200.0);
        assert_eq!(facing_sides(users, near), (Side::Bottom, Side::Top));
    }

    #[test]
    fn wires_into_neighbouring_cards_of_a_column_turn_on_lanes_of_their_own() {
        // Three web servers, then a cache above a database one column to the right.
        let webs: Vec<Rect> = (0..3).map(|i| node_rect(0.0, 112.0 * i as f64)).collect();
        let cache = node_rect(NODE_W + 80.0, 56.0);
        let db = node_rect(NODE_W + 80.0, 168.0);
        let cards: Vec<Rect> = webs.iter().copied().chain([cache, db]).collect();
        // The x of the last turn: the last corner before the piece into the card.
        let turn = |r: &Route| r.points[r.points.len() - 2].x;
        let into_cache: Vec<f64> = webs
            .iter()
            .map(|w| turn(&route(*w, cache, &cards, 3)))
            .collect();
        let into_db: Vec<f64> = webs
            .iter()
            .map(|w| turn(&route(*w, db, &cards, 4)))
            .collect();
        // Every wire into one card turns on its lane; the two lanes are apart.
        assert!(
            into_cache.iter().all(|x| *x == into_cache[0]),
            "{into_cache:?}"
        );
        assert!(into_db.iter().all(|x| *x == into_db[0]), "{into_db:?}");
        assert_eq!(
            into_cache[0] - into_db[0],
            LANE,
            "{into_cache:?} {into_db:?}"
        );
        // Too little room between the columns: the usual end pieces.
        let close = node_rect(NODE_W + 40.0, 56.0);
        let r = route(webs[0], close, &[webs[0], close], 4);
        assert_eq!(turn(&r), close.x - STUB);
    }

    #[test]
    fn a_sides_step_points_out_of_it_and_the_next_one_into_it() {
        for side in [Side::Right, Side::Left, Side::Bottom, Side::Top] {
            let (dx, dy) = STEPS[side.out_step()];
            assert_eq!((dx as f64, dy as f64), side.normal(), "{side:?}");
            let (ix, iy) = STEPS[side.out_step() ^ 1];
            assert_eq!((ix, iy), (-dx, -dy), "{side:?}");
        }
    }

    #[test]
    fn stacked_cards_are_wired_bottom_to_top() {
        let a = node_rect(100.0, 100.0);
        let b = node_rect(120.0, 300.0);
        assert_eq!(facing_sides(a, b), (Side::Bottom, Side::Top));
        let r = route(a, b, &[a, b], 0);
        assert_eq!(r.points[0], port(a, Side::Bottom));
        assert_eq!(*r.points.last().unwrap(), port(b, Side::Top));
    }

    #[test]
    fn a_wire_goes_around_a_card_in_its_way() {
        // Web server → database with the cache right between them on the same row.
        let web = node_rect(0.0, 0.0);
        let cache = node_rect(256.0, 0.0);
        let db = node_rect(512.0, 0.0);
        let cards = [web, cache, db];
        let straight = route(web, db, &[web, db], 0);
        assert_eq!(
            straight.points.len(),
            2,
            "nothing in the way: one straight line"
        );
        let r = route(web, db, &cards, 0);
        assert_eq!(cards_crossed(&r, &cards, 0, 2), Vec::<usize>::new());
        assert!(orthogonal(&r));
        assert!(r.points.len() > 2);
        assert_eq!(*r.points.last().unwrap(), port(db, Side::Left));
    }

    #[test]
    fn overlapping_cards_still_get_a_route() {
        let a = node_rect(0.0, 0.0);
        let b = node_rect(300.0, 0.0);
        // A third card covers b's port completely.
        let cover = Rect::new(250.0, -20.0, 80.0, 100.0);
        let r = route(a, b, &[a, b, cover], 0);
        assert_eq!(r.points[0], port(a, Side::Right));
        assert_eq!(*r.points.last().unwrap(), port(b, Side::Left));
    }

    #[test]
    fn the_svg_path_lists_the_corners() {
        let r = Route {
            points: vec![
                Point::new(0.0, 0.0),
                Point::new(10.0, 0.0),
                Point::new(10.0, 5.5),
            ],
        };
        assert_eq!(r.svg_path(), "M0.0 0.0 L10.0 0.0 L10.0 5.5");
        assert_eq!(r.length(), 15.5);
        assert!((r.distance_to(Point::new(5.0, 2.0)) - 2.0).abs() < 1e-9);
        assert_eq!(r.translated(1.0, 1.0).points[0], Point::new(1.0, 1.0));
    }

    /// A small deterministic generator for layouts (SplitMix64).
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Cards placed on random cells of a grid whose cells leave at least a
    /// `gap` between neighbouring cards, with random edges.
    fn layout(g: &mut Gen, gap: f64) -> (Vec<Rect>, Vec<(usize, usize)>) {
        let (cols, rows) = (2 + g.below(6), 2 + g.below(8));
        let mut cards = Vec::new();
        for c in 0..cols {
            for r in 0..rows {
                if g.below(10) < 6 {
                    // Jitter inside the cell keeps the gap.
                    let jx = g.below(3) as f64 * 8.0;
                    let jy = g.below(3) as f64 * 8.0;
                    cards.push(node_rect(
                        c as f64 * (NODE_W + gap + 16.0) + jx,
                        r as f64 * (NODE_H + gap + 16.0) + jy,
                    ));
                }
            }
        }
        let n = cards.len();
        let mut edges = Vec::new();
        if n >= 2 {
            for _ in 0..(n + g.below(n as u64) as usize) {
                let a = g.below(n as u64) as usize;
                let b = g.below(n as u64) as usize;
                if a != b {
                    edges.push((a, b));
                }
            }
        }
        (cards, edges)
    }

    #[test]
    fn no_wire_passes_through_a_card_it_does_not_connect_in_generated_layouts() {
        let mut g = Gen(11);
        let mut routes = 0;
        for case in 0..150 {
            let gap = [32.0, 48.0, 64.0, 96.0][case % 4];
            let (cards, edges) = layout(&mut g, gap);
            for (e, r) in edges.iter().zip(route_all(&cards, &edges)) {
                routes += 1;
                assert!(orthogonal(&r), "case {case}: {r:?}");
                let crossed = cards_crossed(&r, &cards, e.0, e.1);
                assert!(
                    crossed.is_empty(),
                    "case {case}: wire {e:?} crosses cards {crossed:?}: {r:?}"
                );
                // The wire starts and ends on the two cards' sides.
                let (sa, sb) = facing_sides(cards[e.0], cards[e.1]);
                assert_eq!(r.points[0], port(cards[e.0], sa));
                assert_eq!(*r.points.last().unwrap(), port(cards[e.1], sb));
            }
        }
        assert!(routes > 1000, "only {routes} routes checked");
    }
}
