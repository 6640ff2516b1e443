//! How a request moves, whatever the components: creation, network hops, queueing and
//! service at a node, the response travelling back, failures, timeouts, node deaths,
//! and the bookkeeping of every ending. What a node does with a request it has served
//! (or with a reply it got back) is decided by its component, through [`dispatch!`].

use super::*;
use crate::trace::Outcome;

/// A well-mixed hash of a user id or key (stable choice of server or entry point).
#[inline]
pub(crate) fn mix(x: u32) -> u32 {
    let mut z = (x as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 32) as u32
}

/// `xs[h % xs.len()]` for a non-empty slice, without a division in the common
/// one-element case (and a 32-bit one otherwise).
#[inline]
pub(crate) fn pick<T: Copy>(xs: &[T], h: u32) -> T {
    if xs.len() == 1 {
        xs[0]
    } else {
        xs[(h % xs.len() as u32) as usize]
    }
}

/// `(a + b) % m` for `a, b < m`.
#[inline]
pub(crate) fn wrap_add(a: usize, b: usize, m: usize) -> usize {
    let i = a + b;
    if i >= m {
        i - m
    } else {
        i
    }
}

/// Where a request record comes from: a user of a Users node, or the system itself
/// (an internal request or a job).
#[derive(Clone, Copy)]
struct Origin {
    region: u8,
    users: u32,
    user: u32,
}

impl Origin {
    const INSIDE: Origin = Origin {
        region: 0,
        users: NONE,
        user: 0,
    };
}

impl Simulation {
    // ----- creating requests ----------------------------------------------------

    /// A user of the Users node `node` (client ids `user_base ..= user_base + users - 1`)
    /// sends a new request: its kind, user and key are drawn here. Returns the request,
    /// or `None` when it was refused because too many requests are in flight.
    pub(crate) fn new_request(
        &mut self,
        node: u32,
        region: u8,
        user_base: u32,
        users: u32,
    ) -> Option<u32> {
        let x = self.rng.next_f64();
        let k = self
            .mix_cdf
            .iter()
            .position(|c| x < *c)
            .unwrap_or(REQUEST_KINDS - 1);
        let kind = RequestKind::ALL[k];
        let user = user_base + self.rng.below(users);
        let key = match &self.zipf {
            Some(z) => z.sample(&mut self.rng) - 1,
            None => self.rng.below(self.keys),
        };
        self.total.created += 1;
        self.per_kind[k].created += 1;
        let now = self.now;
        for w in &mut self.windows {
            if now >= w.from_us && now < w.to_us {
                w.acc.created += 1;
                w.per_kind[k].created += 1;
            }
        }
        let client = &mut self.clients[user as usize];
        if !client.seen {
            client.seen = true;
            self.active_users += 1;
        }
        let from = Origin {
            region,
            users: node,
            user,
        };
        let Some(r) = self.spawn(node, F_LIVE, kind, key, 0, from) else {
            self.record_fail(kind, Cause::Overloaded);
            self.nodes[node as usize].failed += 1;
            return None;
        };
        let gen = self.reqs[r as usize].gen;
        self.deadlines.push(now + self.timeout_us, r, gen);
        self.sample_for_trace(r);
        Some(r)
    }

    /// An internal request of `node` about `key` (never counted, no deadline): real
    /// load on the nodes it visits. `None` when too many requests are in flight.
    pub(crate) fn new_internal(&mut self, node: u32, phase: u8, key: u32) -> Option<u32> {
        self.spawn(
            node,
            F_LIVE | F_INTERNAL,
            RequestKind::ApiRead,
            key,
            phase,
            Origin::INSIDE,
        )
    }

    /// A job of `kind` about `key`, handed to the message queue `queue` now. `None` when
    /// too many requests and jobs are in flight (the caller counts it as refused).
    pub(crate) fn new_job(&mut self, queue: u32, kind: RequestKind, key: u32) -> Option<u32> {
        let r = self.spawn(queue, F_LIVE | F_JOB, kind, key, 0, Origin::INSIDE)?;
        self.jobs.created += 1;
        self.sample_for_trace(r);
        Some(r)
    }

    /// A fresh record starting now at `node` (its only frame, in `phase`); `None` past
    /// [`MAX_IN_FLIGHT`].
    #[inline(always)]
    fn spawn(
        &mut self,
        node: u32,
        flags: u8,
        kind: RequestKind,
        key: u32,
        phase: u8,
        from: Origin,
    ) -> Option<u32> {
        if self.live >= MAX_IN_FLIGHT {
            return None;
        }
        let r = self.alloc();
        let epoch = self.nodes[node as usize].epoch;
        let now = self.now;
        let req = &mut self.reqs[r as usize];
        req.flags = flags;
        req.depth = 1;
        req.region = from.region;
        req.kind = kind;
        req.users = from.users;
        req.user = from.user;
        req.key = key;
        req.start = now;
        req.trace = NONE;
        req.frames[0] = Frame {
            node: node as u16,
            phase,
            aux: 0,
            epoch,
        };
        Some(r)
    }

    /// Traces one request or job in every `trace_every`.
    #[inline(always)]
    fn sample_for_trace(&mut self, r: u32) {
        if self.trace_every > 0 {
            self.trace_counter += 1;
            if self.trace_counter >= self.trace_every {
                self.trace_counter = 0;
                self.start_trace(r);
            }
        }
    }

    /// A worker finished the job: it ends here.
    pub(crate) fn complete_job(&mut self, r: u32) {
        let latency = self.now - self.reqs[r as usize].start;
        self.jobs.completed += 1;
        self.jobs.hist.record(latency);
        self.second.jobs_done += 1;
        self.trace_finish(r, Outcome::Ok);
        self.release(r);
    }

    /// The job is lost (its queue died without keeping it, or it has nowhere to go).
    pub(crate) fn lose_job(&mut self, r: u32) {
        self.jobs.lost += 1;
        self.trace_finish(r, Outcome::Failed(Cause::NodeDown));
        self.release(r);
    }

    /// A full queue refused a job.
    pub(crate) fn record_job_rejected(&mut self) {
        self.jobs.rejected += 1;
    }

    /// Changes how many requests `node` serves at once (autoscaling), starting queued
    /// requests when it grows. Requests in service when it shrinks finish first.
    pub(crate) fn set_workers(&mut self, node: u32, workers: u32) {
        let now = self.now;
        let n = &mut self.nodes[node as usize];
        n.set_workers(now, workers);
        while self.nodes[node as usize].busy < self.nodes[node as usize].workers
            && !self.nodes[node as usize].queue.is_empty()
        {
            self.start_next(node);
        }
    }

    fn alloc(&mut self) -> u32 {
        self.live += 1;
        match self.free.pop() {
            Some(r) => r,
            None => {
                self.reqs.push(Req::empty());
                (self.reqs.len() - 1) as u32
            }
        }
    }

    // ----- moving between nodes -------------------------------------------------

    #[inline]
    pub(crate) fn loc(&self, node: u32, region: u8) -> usize {
        let n = &self.nodes[node as usize];
        if n.edge {
            self.region_loc_base + region as usize
        } else {
            n.loc as usize
        }
    }

    /// One-way latency between two locations.
    #[inline]
    pub(crate) fn loc_latency(&self, a: usize, b: usize) -> u64 {
        self.lat[a * self.n_locs + b]
    }

    #[inline]
    fn latency(&self, region: u8, a: u32, b: u32) -> u64 {
        self.loc_latency(self.loc(a, region), self.loc(b, region))
    }

    /// The node on top of the request's stack calls `to`.
    pub(crate) fn send(&mut self, r: u32, to: u32) {
        let req = &self.reqs[r as usize];
        let from = req.top().node as u32;
        if req.depth as usize >= MAX_DEPTH {
            self.fail(r, Cause::NoRoute, from);
            return;
        }
        let lat = self.latency(req.region, from, to);
        let kind = req.kind;
        let target = &self.nodes[to as usize];
        let (fast, epoch) = (target.fast, target.epoch);
        let req = &mut self.reqs[r as usize];
        req.depth += 1;
        *req.top_mut() = Frame {
            node: to as u16,
            phase: 0,
            aux: 0,
            epoch,
        };
        let gen = req.gen;
        let arrive = self.now + lat;
        self.trace_hop(r, from, to, arrive);
        if fast {
            // A managed service never queues: arrival and service are one event, and
            // `done` checks the node was up (same epoch) throughout.
            let mean = self.nodes[to as usize].svc_us[kind.index()];
            let svc = self.rng.exp(mean);
            self.schedule(arrive + (svc + 0.5) as u64, What::Done(r, gen));
        } else {
            self.schedule(arrive, What::Arrive(r, gen));
        }
    }

    /// The node on top is done: the response travels back to its caller.
    pub(crate) fn respond(&mut self, r: u32) {
        let req = &mut self.reqs[r as usize];
        let from = req.top().node as u32;
        req.depth -= 1;
        let to = req.top().node as u32;
        let region = req.region;
        let gen = req.gen;
        let lat = self.latency(region, from, to);
        let arrive = self.now + lat;
        self.trace_hop(r, from, to, arrive);
        self.schedule(arrive, What::Return(r, gen));
    }

    /// What the callee that just returned left in its frame (see [`Frame`]).
    #[inline]
    pub(crate) fn reply(&self, r: u32) -> u32 {
        let req = &self.reqs[r as usize];
        req.frames[req.depth as usize].aux
    }

    /// Sets the phase of the frame on top of the request's stack.
    #[inline]
    pub(crate) fn set_phase(&mut self, r: u32, phase: u8) {
        self.reqs[r as usize].top_mut().phase = phase;
    }

    pub(super) fn arrive(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let node = req.top().node as u32;
        if req.flags & F_ABANDONED != 0 {
            self.release(r);
            return;
        }
        let n = &self.nodes[node as usize];
        if !n.up() {
            self.fail(r, Cause::NodeDown, node);
            return;
        }
        let (epoch, kind) = (n.epoch, n.kind);
        self.reqs[r as usize].top_mut().epoch = epoch;
        if !dispatch!(kind, on_arrive(self, r, node)) {
            return;
        }
        let n = &mut self.nodes[node as usize];
        if n.busy < n.workers {
            self.begin_service(r, node);
        } else if (n.queue.len() as u32) < n.queue_cap {
            n.touch(self.now);
            let gen = self.reqs[r as usize].gen;
            n.queue.push_back((r, gen));
        } else {
            self.fail(r, Cause::QueueFull, node);
        }
    }

    fn begin_service(&mut self, r: u32, node: u32) {
        let kind = self.reqs[r as usize].kind;
        let n = &mut self.nodes[node as usize];
        n.touch(self.now);
        n.busy += 1;
        let mean = n.svc_us[kind.index()];
        let svc = self.rng.exp(mean);
        let gen = self.reqs[r as usize].gen;
        self.schedule(self.now + (svc + 0.5) as u64, What::Done(r, gen));
    }

    pub(crate) fn start_next(&mut self, node: u32) {
        while let Some((q, g)) = self.nodes[node as usize].queue.pop_front() {
            if self.reqs[q as usize].gen != g {
                continue;
            }
            if self.reqs[q as usize].flags & F_ABANDONED != 0 {
                self.release(q);
                continue;
            }
            self.begin_service(q, node);
            break;
        }
    }

    pub(super) fn done(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let top = *req.top();
        let kind = req.kind;
        let n = &mut self.nodes[top.node as usize];
        if top.epoch != n.epoch || !n.up() {
            // The node died while serving; its workers were already reset.
            self.fail(r, Cause::NodeDown, top.node as u32);
            return;
        }
        n.served += 1;
        if kind.is_write() {
            n.writes += 1;
        } else {
            n.reads += 1;
        }
        let node_kind = n.kind;
        if !n.fast {
            n.touch(self.now);
            n.busy -= 1;
            self.start_next(top.node as u32);
        }
        if self.reqs[r as usize].flags & F_ABANDONED != 0 {
            self.release(r);
            return;
        }
        dispatch!(node_kind, on_served(self, r, top.node as u32));
    }

    pub(super) fn returned(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let top = *req.top();
        if req.flags & F_ABANDONED != 0 {
            self.release(r);
            return;
        }
        let n = &self.nodes[top.node as usize];
        if !n.up() || top.epoch != n.epoch {
            self.fail(r, Cause::NodeDown, top.node as u32);
            return;
        }
        dispatch!(n.kind, on_return(self, r, top.node as u32, top));
    }

    // ----- endings --------------------------------------------------------------

    /// The request is back at its Users node: it succeeded.
    pub(crate) fn complete(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let latency = self.now - req.start;
        let kind = req.kind;
        self.record_ok(kind, latency);
        self.trace_finish(r, Outcome::Ok);
        self.release(r);
    }

    /// Ends a request with a failure at `node` (counted once; a request that already
    /// timed out is only cleaned up).
    pub(crate) fn fail(&mut self, r: u32, cause: Cause, node: u32) {
        let req = &self.reqs[r as usize];
        if req.flags & F_JOB != 0 {
            // The queue that handed the job out decides: hand it out again, or lose it.
            let queue = req.frames[0].node as u32;
            dispatch!(
                self.nodes[queue as usize].kind,
                on_job_failed(self, queue, r)
            );
            return;
        }
        if req.flags & F_INTERNAL != 0 {
            let (owner, key) = (req.frames[0].node as u32, req.key);
            dispatch!(
                self.nodes[owner as usize].kind,
                on_internal_end(self, owner, key)
            );
            self.release(r);
            return;
        }
        if req.flags & F_ABANDONED == 0 {
            self.nodes[node as usize].failed += 1;
            if matches!(cause, Cause::NodeDown | Cause::NoRoute)
                && req.depth >= 2
                && req.frames[1].node as u32 == node
            {
                // The entry point is gone: the client asks DNS again next time.
                let user = req.user as usize;
                self.clients[user].dns_expiry = 0;
            }
        }
        self.fail_uncounted_at(r, cause);
    }

    /// Ends a request with a failure without charging a node.
    pub(crate) fn fail_uncounted_at(&mut self, r: u32, cause: Cause) {
        let req = &self.reqs[r as usize];
        if req.flags & F_ABANDONED == 0 && req.flags & F_INTERNAL == 0 {
            let kind = req.kind;
            self.record_fail(kind, cause);
            self.trace_finish(r, Outcome::Failed(cause));
        }
        self.release(r);
    }

    /// The client's deadline passed; returns whether a request timed out.
    pub(super) fn timeout(&mut self, r: u32, gen: u32) -> bool {
        let req = &mut self.reqs[r as usize];
        if req.gen != gen || req.flags & F_LIVE == 0 || req.flags & (F_ABANDONED | F_INTERNAL) != 0
        {
            return false;
        }
        req.flags |= F_ABANDONED;
        let node = req.top().node as u32;
        let kind = req.kind;
        self.nodes[node as usize].failed += 1;
        self.record_fail(kind, Cause::Timeout);
        self.trace_finish(r, Outcome::Failed(Cause::Timeout));
        true
    }

    /// Frees a request's slot once nothing refers to it any more.
    pub(crate) fn release(&mut self, r: u32) {
        let depth = self.reqs[r as usize].depth as usize;
        for i in 0..depth {
            let f = self.reqs[r as usize].frames[i];
            dispatch!(
                self.nodes[f.node as usize].kind,
                on_release(self, f.node as u32, f)
            );
        }
        let req = &self.reqs[r as usize];
        if req.trace != NONE {
            let t = req.trace;
            self.active_traces[t as usize].hops.clear();
            self.trace_free.push(t);
        }
        let req = &mut self.reqs[r as usize];
        req.gen = req.gen.wrapping_add(1);
        req.flags = 0;
        req.depth = 0;
        req.trace = NONE;
        self.free.push(r);
        self.live -= 1;
    }

    fn record_ok(&mut self, kind: RequestKind, latency: u64) {
        let now = self.now;
        for a in [
            &mut self.total,
            &mut self.per_kind[kind.index()],
            &mut self.second,
        ] {
            a.ok += 1;
            a.hist.record(latency);
        }
        for w in &mut self.windows {
            if now >= w.from_us && now < w.to_us {
                for a in [&mut w.acc, &mut w.per_kind[kind.index()]] {
                    a.ok += 1;
                    a.hist.record(latency);
                }
            }
        }
    }

    fn record_fail(&mut self, kind: RequestKind, cause: Cause) {
        let now = self.now;
        let c = cause.index();
        for a in [
            &mut self.total,
            &mut self.per_kind[kind.index()],
            &mut self.second,
        ] {
            a.by_cause[c] += 1;
        }
        for w in &mut self.windows {
            if now >= w.from_us && now < w.to_us {
                w.acc.by_cause[c] += 1;
                w.per_kind[kind.index()].by_cause[c] += 1;
            }
        }
    }

    /// A user was logged out because the server holding the session died.
    pub(crate) fn record_logged_out(&mut self) {
        let now = self.now;
        self.total.logged_out += 1;
        self.second.logged_out += 1;
        for w in &mut self.windows {
            if now >= w.from_us && now < w.to_us {
                w.acc.logged_out += 1;
            }
        }
    }

    /// Writes a dead primary had acknowledged but not yet replicated.
    pub(crate) fn record_lost(&mut self, lost: u64) {
        let now = self.now;
        self.total.lost_writes += lost;
        self.second.lost_writes += lost;
        for w in &mut self.windows {
            if now >= w.from_us && now < w.to_us {
                w.acc.lost_writes += lost;
            }
        }
    }

    /// A database answered a query (a write when `write`).
    pub(crate) fn record_db_query(&mut self, write: bool) {
        let now = self.now;
        if write {
            self.total.db_writes += 1;
            self.second.db_writes += 1;
        } else {
            self.total.db_reads += 1;
            self.second.db_reads += 1;
        }
        for w in &mut self.windows {
            if now >= w.from_us && now < w.to_us {
                if write {
                    w.acc.db_writes += 1;
                } else {
                    w.acc.db_reads += 1;
                }
            }
        }
    }

    // ----- traces ---------------------------------------------------------------

    fn start_trace(&mut self, r: u32) {
        let (kind, start) = (self.reqs[r as usize].kind, self.reqs[r as usize].start);
        let t = match self.trace_free.pop() {
            Some(t) => t,
            None if self.active_traces.len() < MAX_ACTIVE_TRACES => {
                self.active_traces.push(ActiveTrace {
                    kind,
                    start,
                    hops: Vec::new(),
                });
                (self.active_traces.len() - 1) as u32
            }
            None => return,
        };
        let at = &mut self.active_traces[t as usize];
        at.kind = kind;
        at.start = start;
        at.hops.clear();
        self.reqs[r as usize].trace = t;
    }

    /// Records a hop of a traced request. Inlined down to one test when nothing is
    /// traced (the goal check, the CLI), which is most hops of a run.
    #[inline(always)]
    fn trace_hop(&mut self, r: u32, from: u32, to: u32, arrive: u64) {
        if self.trace_every != 0 || !self.active_traces.is_empty() {
            self.trace_hop_traced(r, from, to, arrive);
        }
    }

    fn trace_hop_traced(&mut self, r: u32, from: u32, to: u32, arrive: u64) {
        let t = self.reqs[r as usize].trace;
        if t != NONE {
            let now = self.now;
            // Parts of a component are drawn as the component.
            let (from, to) = (
                self.nodes[from as usize].parent,
                self.nodes[to as usize].parent,
            );
            if from == to {
                return;
            }
            self.active_traces[t as usize].hops.push(Hop {
                from,
                to,
                depart_us: now,
                arrive_us: arrive,
            });
        }
    }

    /// Ends the trace of a request, if it has one (inlined down to that test).
    #[inline(always)]
    fn trace_finish(&mut self, r: u32, outcome: Outcome) {
        let t = self.reqs[r as usize].trace;
        if t != NONE {
            self.trace_finish_traced(r, t, outcome);
        }
    }

    fn trace_finish_traced(&mut self, r: u32, t: u32, outcome: Outcome) {
        self.reqs[r as usize].trace = NONE;
        let at = &mut self.active_traces[t as usize];
        let trace = Trace {
            kind: at.kind,
            start_us: at.start,
            end_us: self.now,
            hops: std::mem::take(&mut at.hops),
            outcome,
        };
        self.trace_free.push(t);
        if self.finished_traces.len() >= MAX_TRACES {
            self.finished_traces.pop_front();
        }
        self.finished_traces.push_back(trace);
    }

    // ----- failures and recoveries ----------------------------------------------

    /// A node just went from up to down: everything waiting there fails, in-service
    /// requests fail when their service would have ended, and its component reacts
    /// (a dead primary starts a failover).
    pub(super) fn went_down(&mut self, i: u32) {
        let now = self.now;
        let n = &mut self.nodes[i as usize];
        n.touch(now);
        n.epoch = n.epoch.wrapping_add(1);
        n.busy = 0;
        let queued = std::mem::take(&mut n.queue);
        for (r, g) in queued {
            if self.reqs[r as usize].gen == g {
                self.fail(r, Cause::NodeDown, i);
            }
        }
        dispatch!(self.nodes[i as usize].kind, on_down(self, i));
        for k in 0..self.nodes[i as usize].children.len() {
            let c = self.nodes[i as usize].children[k];
            let was_up = self.nodes[c as usize].up();
            self.nodes[c as usize].parent_down = true;
            if was_up {
                self.went_down(c);
            }
        }
    }

    pub(super) fn came_up(&mut self, i: u32) {
        let now = self.now;
        self.nodes[i as usize].touch(now);
        for k in 0..self.nodes[i as usize].children.len() {
            let c = self.nodes[i as usize].children[k];
            self.nodes[c as usize].parent_down = false;
            if self.nodes[c as usize].up() {
                self.came_up(c);
            }
        }
        dispatch!(self.nodes[i as usize].kind, on_up(self, i));
    }
}
