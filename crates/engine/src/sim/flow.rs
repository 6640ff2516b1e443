//! How a request moves: creation at a Users node, DNS, entry point, each component's
//! behaviour on arrival, after service and when a downstream call returns; failures,
//! timeouts, node deaths, health checks and database failover.

use super::*;
use crate::trace::Outcome;

// Phases of the Users frame.
const U_LOOKUP: u8 = 1;
const U_MAIN: u8 = 2;
// Phases of a web server frame.
const W_START: u8 = 0;
const W_SESSION: u8 = 1;
const W_CACHE: u8 = 2;
const W_DB_READ: u8 = 3;
const W_DB_WRITE: u8 = 4;
const W_STORAGE: u8 = 5;
// Phases of cache, CDN and load balancer frames.
const C_LOAD: u8 = 1;
const C_REFRESH: u8 = 9;
const CDN_FILL: u8 = 1;
const CDN_PASS: u8 = 2;
const LB_SENT: u8 = 1;

/// A well-mixed hash of a user id (stable choice of server or entry point per user).
fn mix(x: u32) -> u32 {
    let mut z = (x as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 32) as u32
}

/// `xs[h % xs.len()]` for a non-empty slice, without a division in the common
/// one-element case (and a 32-bit one otherwise).
#[inline]
fn pick<T: Copy>(xs: &[T], h: u32) -> T {
    if xs.len() == 1 {
        xs[0]
    } else {
        xs[(h % xs.len() as u32) as usize]
    }
}

/// `(a + b) % m` for `a, b < m`.
#[inline]
fn wrap_add(a: usize, b: usize, m: usize) -> usize {
    let i = a + b;
    if i >= m {
        i - m
    } else {
        i
    }
}

impl Simulation {
    // ----- arrivals -------------------------------------------------------------

    /// Schedules the next arrival of Users `u` by thinning a Poisson process at the
    /// profile's peak rate, so time-varying profiles are exact.
    pub(super) fn schedule_next_arrival(&mut self, u: u32) {
        let ui = u as usize;
        let max = self.users[ui].max_rate;
        if max <= 0.0 {
            return;
        }
        let dur = self.duration_us as f64;
        let gap = 1e6 / max;
        let mut t = self.users[ui].next_at;
        loop {
            t += self.rng.exp(gap);
            if t >= dur {
                self.users[ui].next_at = t;
                return;
            }
            let rate = self.users[ui].traffic.rate_at(t / 1e6, dur / 1e6);
            if rate >= max || self.rng.next_f64() * max < rate {
                break;
            }
        }
        self.users[ui].next_at = t;
        self.schedule(t as u64, What::Gen(u));
    }

    pub(super) fn generate(&mut self, u: u32) {
        self.schedule_next_arrival(u);
        let ui = u as usize;
        let users_node = self.users[ui].node;
        if !self.nodes[users_node as usize].up() {
            return;
        }
        let x = self.rng.next_f64();
        let k = self.mix_cdf.iter().position(|c| x < *c).unwrap_or(4);
        let kind = RequestKind::ALL[k];
        let user = self.users[ui].user_base + self.rng.below(self.users[ui].users);
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
            }
        }
        if self.live >= MAX_IN_FLIGHT {
            self.record_fail(kind, Cause::RateLimited);
            self.nodes[users_node as usize].failed += 1;
            return;
        }
        let r = self.alloc();
        let region = self.users[ui].region;
        let epoch = self.nodes[users_node as usize].epoch;
        {
            let req = &mut self.reqs[r as usize];
            req.flags = F_LIVE;
            req.depth = 1;
            req.region = region;
            req.kind = kind;
            req.users = u;
            req.user = user;
            req.key = key;
            req.start = now;
            req.trace = NONE;
            req.frames[0] = Frame {
                node: users_node as u16,
                phase: 0,
                aux: 0,
                epoch,
            };
        }
        let gen = self.reqs[r as usize].gen;
        self.deadlines.push_back((now + self.timeout_us, r, gen));
        if self.trace_every > 0 {
            self.trace_counter += 1;
            if self.trace_counter >= self.trace_every {
                self.trace_counter = 0;
                self.start_trace(r);
            }
        }
        self.users_start(r);
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

    fn users_start(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let u = &self.users[req.users as usize];
        if u.dns != NONE {
            let dns_node = u.dns;
            let st = self.user_state[req.user as usize];
            if st.dns_entry != NONE && self.now < st.dns_expiry {
                let cdn = self.dnss[self.nodes[dns_node as usize].role as usize].cdn;
                self.go_entry(r, st.dns_entry, cdn);
            } else {
                self.reqs[r as usize].frames[0].phase = U_LOOKUP;
                self.send(r, dns_node);
            }
        } else {
            let entry = if u.direct.is_empty() {
                NONE
            } else {
                pick(&u.direct, mix(req.user))
            };
            let cdn = u.cdn;
            self.go_entry(r, entry, cdn);
        }
    }

    fn go_entry(&mut self, r: u32, entry: u32, cdn: u32) {
        let kind = self.reqs[r as usize].kind;
        let target = if kind == RequestKind::StaticAsset && cdn != NONE {
            cdn
        } else if entry != NONE {
            entry
        } else {
            cdn
        };
        if target == NONE {
            let node = self.reqs[r as usize].frames[0].node as u32;
            self.fail(r, Cause::NoRoute, node);
            return;
        }
        self.reqs[r as usize].frames[0].phase = U_MAIN;
        self.send(r, target);
    }

    // ----- moving between nodes -------------------------------------------------

    #[inline]
    fn loc(&self, node: u32, region: u8) -> usize {
        let n = &self.nodes[node as usize];
        if n.edge {
            self.region_loc_base + region as usize
        } else {
            n.loc as usize
        }
    }

    #[inline]
    fn latency(&self, region: u8, a: u32, b: u32) -> u64 {
        self.lat[self.loc(a, region) * self.n_locs + self.loc(b, region)]
    }

    /// Calls `to` from the node on top of the request's stack.
    fn send(&mut self, r: u32, to: u32) {
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
    fn respond(&mut self, r: u32) {
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

    pub(super) fn arrive(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let node = req.top().node as u32;
        let (req_kind, user) = (req.kind, req.user as usize);
        if req.flags & F_ABANDONED != 0 {
            self.release(r);
            return;
        }
        let n = &self.nodes[node as usize];
        if !n.up() {
            self.fail(r, Cause::NodeDown, node);
            return;
        }
        let epoch = n.epoch;
        let stateful_web = n.kind == Kind::WebServer && self.webs[n.role as usize].stateful;
        self.reqs[r as usize].top_mut().epoch = epoch;
        if stateful_web && req_kind != RequestKind::StaticAsset {
            let st = self.user_state[user];
            if st.sess_node != NONE && self.nodes[st.sess_node as usize].epoch != st.sess_epoch {
                // The server holding this user's login died since: the user is logged out.
                self.user_state[user].sess_node = NONE;
                self.record_logged_out();
                self.nodes[st.sess_node as usize].failed += 1;
                self.fail_uncounted_at(r, Cause::SessionLost);
                return;
            }
            self.user_state[user].sess_node = node;
            self.user_state[user].sess_epoch = epoch;
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

    fn start_next(&mut self, node: u32) {
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
        match node_kind {
            Kind::Dns => self.dns_answer(r),
            Kind::LoadBalancer => self.lb_forward(r),
            Kind::WebServer => self.web_step(r, W_START),
            Kind::Cache => self.cache_lookup(r),
            Kind::Cdn => self.cdn_lookup(r),
            Kind::Database => self.db_done(r),
            Kind::SessionStore | Kind::ObjectStorage | Kind::Users => self.respond(r),
        }
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
        let role = n.role as usize;
        match n.kind {
            Kind::Users => {
                if top.phase == U_LOOKUP {
                    let dns_node = self.users[req.users as usize].dns;
                    let cdn = self.dnss[self.nodes[dns_node as usize].role as usize].cdn;
                    self.go_entry(r, top.aux, cdn);
                } else {
                    self.complete(r);
                }
            }
            Kind::LoadBalancer => {
                self.lbs[role].conns[top.aux as usize] -= 1;
                self.respond(r);
            }
            Kind::WebServer => self.web_step(r, top.phase),
            Kind::Cache => {
                let key = req.key;
                self.caches[role].store.insert(key, self.now);
                if top.phase == C_REFRESH {
                    self.release(r);
                } else {
                    self.respond(r);
                }
            }
            Kind::Cdn => {
                if top.phase == CDN_FILL {
                    let region = req.region as usize;
                    let key = req.key;
                    if let Some(edge) = self.cdns[role].edges[region].as_mut() {
                        edge.insert(key, self.now);
                    }
                }
                self.respond(r);
            }
            _ => self.respond(r),
        }
    }

    // ----- component behaviour --------------------------------------------------

    fn dns_answer(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let (region, user) = (req.region, req.user);
        let d = self.nodes[req.top().node as usize].role as usize;
        let entry = self.dns_choose(d, region, user);
        let expiry = self.now + self.dnss[d].ttl_us;
        self.user_state[user as usize].dns_entry = entry;
        self.user_state[user as usize].dns_expiry = expiry;
        self.reqs[r as usize].frames[0].aux = entry;
        self.respond(r);
    }

    /// GeoDNS: the nearest entry point DNS believes healthy; simple DNS: any healthy one.
    /// Each user gets a stable pick among equals.
    fn dns_choose(&self, d: usize, region: u8, user: u32) -> u32 {
        let dns = &self.dnss[d];
        if dns.entries.is_empty() {
            return NONE;
        }
        let any_healthy = dns.healthy.iter().any(|h| *h);
        let ok = |i: usize| !any_healthy || dns.healthy[i];
        let from = self.region_loc_base + region as usize;
        let cost = |i: usize| -> u64 {
            if dns.geo {
                self.lat[from * self.n_locs + self.loc(dns.entries[i], region)]
            } else {
                0
            }
        };
        let best = (0..dns.entries.len())
            .filter(|&i| ok(i))
            .map(cost)
            .min()
            .unwrap_or(0);
        let ties = (0..dns.entries.len())
            .filter(|&i| ok(i) && cost(i) == best)
            .count();
        let pick = mix(user) as usize % ties.max(1);
        (0..dns.entries.len())
            .filter(|&i| ok(i) && cost(i) == best)
            .nth(pick)
            .map(|i| dns.entries[i])
            .unwrap_or(NONE)
    }

    fn lb_forward(&mut self, r: u32) {
        let node = self.reqs[r as usize].top().node as u32;
        let user = self.reqs[r as usize].user;
        let l = self.nodes[node as usize].role as usize;
        let m = self.lbs[l].backends.len();
        let healthy_count = self.lbs[l].healthy.iter().filter(|h| **h).count();
        if healthy_count == 0 {
            self.fail(r, Cause::NoRoute, node);
            return;
        }
        let nth_healthy =
            |lb: &LbRt, j: usize| (0..m).filter(|&i| lb.healthy[i]).nth(j).unwrap_or(0);
        let b = match self.lbs[l].algo {
            Algo::RoundRobin => {
                let lb = &mut self.lbs[l];
                let start = lb.rr as usize;
                let i = (0..m)
                    .map(|k| wrap_add(start, k, m))
                    .find(|&i| lb.healthy[i])
                    .unwrap_or(0);
                lb.rr = wrap_add(i, 1, m) as u32;
                i
            }
            Algo::LeastConnections => {
                let lb = &mut self.lbs[l];
                let start = lb.rr as usize;
                let mut best = usize::MAX;
                for k in 0..m {
                    let i = wrap_add(start, k, m);
                    if lb.healthy[i] && (best == usize::MAX || lb.conns[i] < lb.conns[best]) {
                        best = i;
                    }
                }
                lb.rr = wrap_add(start, 1, m) as u32;
                best
            }
            Algo::Random => {
                let j = self.rng.below(healthy_count as u32) as usize;
                nth_healthy(&self.lbs[l], j)
            }
            Algo::IpHash => nth_healthy(&self.lbs[l], mix(user) as usize % healthy_count),
        };
        let lb = &mut self.lbs[l];
        lb.conns[b] += 1;
        lb.sent[b] += 1;
        let backend = lb.backends[b];
        let f = self.reqs[r as usize].top_mut();
        f.aux = b as u32;
        f.phase = LB_SENT;
        self.send(r, backend);
    }

    fn web_step(&mut self, r: u32, phase: u8) {
        let req = &self.reqs[r as usize];
        let w = self.nodes[req.top().node as usize].role as usize;
        let key = req.key;
        let kind = req.kind;
        let web = &self.webs[w];
        let cache = if web.caches.is_empty() {
            NONE
        } else {
            pick(&web.caches, key)
        };
        let cluster = if web.clusters.is_empty() {
            NONE
        } else {
            pick(&web.clusters, key)
        };
        match phase {
            W_START => {
                if !web.stateful && kind != RequestKind::StaticAsset && web.session_store != NONE {
                    let store = web.session_store;
                    self.reqs[r as usize].top_mut().phase = W_SESSION;
                    self.send(r, store);
                } else {
                    self.web_data(r, kind, cache, cluster, w);
                }
            }
            W_SESSION => self.web_data(r, kind, cache, cluster, w),
            W_CACHE => {
                let hit = self.reqs[r as usize].flags & F_HIT != 0;
                let aside = self.caches[cache as usize].strategy == Strategy::CacheAside;
                if !hit && aside && cluster != NONE {
                    let target = self.db_read_target(cluster);
                    self.reqs[r as usize].top_mut().phase = W_DB_READ;
                    self.send(r, target);
                } else {
                    if !hit && aside {
                        // No database: the server worked the answer out itself, and
                        // cache-aside stores it for next time.
                        self.caches[cache as usize].store.insert(key, self.now);
                    }
                    self.respond(r);
                }
            }
            W_DB_READ => {
                if cache != NONE && self.caches[cache as usize].strategy == Strategy::CacheAside {
                    self.caches[cache as usize].store.insert(key, self.now);
                }
                self.respond(r);
            }
            W_DB_WRITE => {
                if cache != NONE {
                    self.caches[cache as usize].store.invalidate(key);
                }
                self.respond(r);
            }
            _ => self.respond(r),
        }
    }

    fn web_data(&mut self, r: u32, kind: RequestKind, cache: u32, cluster: u32, w: usize) {
        match kind {
            RequestKind::PageRead | RequestKind::ApiRead => {
                if cache != NONE {
                    let node = self.caches[cache as usize].node;
                    self.reqs[r as usize].top_mut().phase = W_CACHE;
                    self.send(r, node);
                } else if cluster != NONE {
                    let target = self.db_read_target(cluster);
                    self.reqs[r as usize].top_mut().phase = W_DB_READ;
                    self.send(r, target);
                } else {
                    self.respond(r);
                }
            }
            RequestKind::Write => {
                if cluster != NONE {
                    let target = self.clusters[cluster as usize].primary;
                    self.reqs[r as usize].top_mut().phase = W_DB_WRITE;
                    self.send(r, target);
                } else {
                    if cache != NONE {
                        let key = self.reqs[r as usize].key;
                        self.caches[cache as usize].store.invalidate(key);
                    }
                    self.respond(r);
                }
            }
            RequestKind::StaticAsset | RequestKind::Upload => {
                let storage = self.webs[w].storage;
                if storage != NONE {
                    self.reqs[r as usize].top_mut().phase = W_STORAGE;
                    self.send(r, storage);
                } else {
                    self.respond(r);
                }
            }
        }
    }

    fn cache_lookup(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let c = self.nodes[req.top().node as usize].role as usize;
        let key = req.key;
        let now = self.now;
        let cache = &mut self.caches[c];
        match cache.store.get(key, now) {
            cache::Lookup::Hit { remaining_us } => {
                self.reqs[r as usize].flags |= F_HIT;
                let ttl = cache.store.ttl_us();
                if cache.strategy == Strategy::RefreshAhead
                    && ttl > 0
                    && remaining_us < ttl / 4
                    && !cache.clusters.is_empty()
                    && cache.store.start_refresh(key)
                {
                    self.spawn_refresh(c, key);
                }
                self.respond(r);
            }
            cache::Lookup::Miss => {
                self.reqs[r as usize].flags &= !F_HIT;
                if cache.strategy == Strategy::CacheAside || cache.clusters.is_empty() {
                    self.respond(r);
                } else {
                    let cluster = pick(&cache.clusters, key);
                    let target = self.db_read_target(cluster);
                    self.reqs[r as usize].top_mut().phase = C_LOAD;
                    self.send(r, target);
                }
            }
        }
    }

    /// Refresh-ahead: a background read that renews a hot key before it expires. It is
    /// real database load but no user waits for it, so it is not counted as a request.
    fn spawn_refresh(&mut self, c: usize, key: u32) {
        if self.live >= MAX_IN_FLIGHT {
            self.caches[c].store.end_refresh(key);
            return;
        }
        let node = self.caches[c].node;
        let r = self.alloc();
        let epoch = self.nodes[node as usize].epoch;
        {
            let req = &mut self.reqs[r as usize];
            req.flags = F_LIVE | F_INTERNAL;
            req.depth = 1;
            req.region = 0;
            req.kind = RequestKind::ApiRead;
            req.users = NONE;
            req.user = 0;
            req.key = key;
            req.start = self.now;
            req.trace = NONE;
            req.frames[0] = Frame {
                node: node as u16,
                phase: C_REFRESH,
                aux: 0,
                epoch,
            };
        }
        let clusters = &self.caches[c].clusters;
        let cluster = pick(clusters, key);
        let target = self.db_read_target(cluster);
        self.send(r, target);
    }

    fn cdn_lookup(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let c = self.nodes[req.top().node as usize].role as usize;
        let (key, region, kind) = (req.key, req.region as usize, req.kind);
        let cdn = &mut self.cdns[c];
        if cdn.origins.is_empty() {
            let node = req.top().node as u32;
            self.fail(r, Cause::NoRoute, node);
            return;
        }
        let origin = pick(&cdn.origins, key);
        if kind != RequestKind::StaticAsset {
            self.reqs[r as usize].top_mut().phase = CDN_PASS;
            self.send(r, origin);
            return;
        }
        let (capacity, ttl, keys) = (cdn.capacity, cdn.ttl_us, self.keys);
        let edge = cdn.edges[region]
            .get_or_insert_with(|| KeyCache::new(cache::Eviction::Lru, capacity, ttl, keys));
        match edge.get(key, self.now) {
            cache::Lookup::Hit { .. } => {
                self.reqs[r as usize].flags |= F_HIT;
                self.respond(r);
            }
            cache::Lookup::Miss => {
                self.reqs[r as usize].flags &= !F_HIT;
                self.reqs[r as usize].top_mut().phase = CDN_FILL;
                self.send(r, origin);
            }
        }
    }

    fn db_done(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let node = req.top().node as u32;
        if req.kind.is_write() {
            self.total.db_writes += 1;
            self.second.db_writes += 1;
            let c = self.cluster_of[node as usize] as usize;
            if self.clusters[c].primary == node {
                self.clusters[c].note_write(self.now);
            }
            let now = self.now;
            for w in &mut self.windows {
                if now >= w.from_us && now < w.to_us {
                    w.acc.db_writes += 1;
                }
            }
        } else {
            self.total.db_reads += 1;
            self.second.db_reads += 1;
            let now = self.now;
            for w in &mut self.windows {
                if now >= w.from_us && now < w.to_us {
                    w.acc.db_reads += 1;
                }
            }
        }
        self.respond(r);
    }

    /// Reads go to a live replica (round robin), or to the primary when none is left.
    fn db_read_target(&mut self, cluster: u32) -> u32 {
        let c = &mut self.clusters[cluster as usize];
        let m = c.members.len();
        for k in 0..m {
            let i = wrap_add(c.rr as usize, k, m);
            let node = c.members[i];
            if node != c.primary && self.nodes[node as usize].up() {
                c.rr = wrap_add(i, 1, m) as u32;
                return node;
            }
        }
        c.primary
    }

    /// How far a replica trails: its configured lag plus the writes queued at it.
    pub(super) fn replica_lag_us(&self, node: u32) -> u64 {
        let n = &self.nodes[node as usize];
        let backlog =
            n.queue.len() as f64 * n.svc_us[RequestKind::Write.index()] / n.workers.max(1) as f64;
        self.lag_base_us[node as usize] + backlog as u64
    }

    // ----- endings --------------------------------------------------------------

    fn complete(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        let latency = self.now - req.start;
        let kind = req.kind;
        self.record_ok(kind, latency);
        self.trace_finish(r, Outcome::Ok);
        self.release(r);
    }

    /// Ends a request with a failure at `node` (counted once; a request that already
    /// timed out is only cleaned up).
    fn fail(&mut self, r: u32, cause: Cause, node: u32) {
        let req = &self.reqs[r as usize];
        if req.flags & F_INTERNAL != 0 {
            let f = req.frames[0];
            let key = req.key;
            if self.nodes[f.node as usize].kind == Kind::Cache {
                let c = self.nodes[f.node as usize].role as usize;
                self.caches[c].store.end_refresh(key);
            }
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
                self.user_state[user].dns_expiry = 0;
            }
        }
        self.fail_uncounted_at(r, cause);
    }

    /// Ends a request with a failure without charging a node.
    fn fail_uncounted_at(&mut self, r: u32, cause: Cause) {
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
    fn release(&mut self, r: u32) {
        let req = &self.reqs[r as usize];
        for f in &req.frames[..req.depth as usize] {
            let n = &self.nodes[f.node as usize];
            if n.kind == Kind::LoadBalancer && f.phase == LB_SENT {
                self.lbs[n.role as usize].conns[f.aux as usize] -= 1;
            }
        }
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
                w.acc.ok += 1;
                w.acc.hist.record(latency);
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
            }
        }
    }

    fn record_logged_out(&mut self) {
        let now = self.now;
        self.total.logged_out += 1;
        self.second.logged_out += 1;
        for w in &mut self.windows {
            if now >= w.from_us && now < w.to_us {
                w.acc.logged_out += 1;
            }
        }
    }

    fn record_lost(&mut self, lost: u64) {
        let now = self.now;
        self.total.lost_writes += lost;
        self.second.lost_writes += lost;
        for w in &mut self.windows {
            if now >= w.from_us && now < w.to_us {
                w.acc.lost_writes += lost;
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

    #[inline]
    fn trace_hop(&mut self, r: u32, from: u32, to: u32, arrive: u64) {
        let t = self.reqs[r as usize].trace;
        if t != NONE {
            let now = self.now;
            self.active_traces[t as usize].hops.push(Hop {
                from,
                to,
                depart_us: now,
                arrive_us: arrive,
            });
        }
    }

    fn trace_finish(&mut self, r: u32, outcome: Outcome) {
        let t = self.reqs[r as usize].trace;
        if t == NONE {
            return;
        }
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

    // ----- failures, recoveries and periodic checks -----------------------------

    /// A node just went from up to down: everything waiting there fails, in-service
    /// requests fail when their service would have ended, and a dead primary starts
    /// a failover.
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
        if self.nodes[i as usize].kind == Kind::Database {
            let c = self.cluster_of[i as usize] as usize;
            if self.clusters[c].primary == i {
                let candidate = self.promotion_candidate(c, i);
                let id = self.ids[i as usize].clone();
                if self.failover[i as usize] && candidate != NONE {
                    let lag = self.replica_lag_us(candidate);
                    let lost = self.clusters[c].writes_within(now, lag);
                    let cl = &mut self.clusters[c];
                    cl.pending_lost = lost;
                    cl.token += 1;
                    let token = cl.token;
                    let delay = self.promotion_us[i as usize];
                    self.schedule(now + delay, What::Promote(c as u32, token));
                    self.mark(format!(
                        "{id} (primary) is down; a replica will be promoted in {} s",
                        delay as f64 / 1e6
                    ));
                } else {
                    self.mark(format!(
                        "{id} (primary) is down and no replica can take over; writes fail"
                    ));
                }
            }
        }
    }

    pub(super) fn came_up(&mut self, i: u32) {
        let now = self.now;
        self.nodes[i as usize].touch(now);
        if self.nodes[i as usize].kind == Kind::Database {
            let c = self.cluster_of[i as usize] as usize;
            let id = self.ids[i as usize].clone();
            if self.clusters[c].primary == i {
                // Back before a promotion: nothing was lost after all.
                self.clusters[c].token += 1;
                self.clusters[c].pending_lost = 0;
                self.mark(format!("{id} is primary again"));
            } else if self.clusters[c].members.len() > 1 {
                self.mark(format!("{id} rejoined as a replica"));
            }
        }
    }

    fn promotion_candidate(&self, c: usize, old: u32) -> u32 {
        self.clusters[c]
            .members
            .iter()
            .copied()
            .find(|&m| m != old && self.nodes[m as usize].up())
            .unwrap_or(NONE)
    }

    pub(super) fn promote(&mut self, c: u32, token: u32) {
        let c = c as usize;
        if self.clusters[c].token != token {
            return;
        }
        let old = self.clusters[c].primary;
        if self.nodes[old as usize].up() {
            return;
        }
        let candidate = self.promotion_candidate(c, old);
        if candidate == NONE {
            self.mark(format!(
                "no replica of {} is left to promote",
                self.ids[old as usize]
            ));
            return;
        }
        let lost = std::mem::take(&mut self.clusters[c].pending_lost);
        self.clusters[c].primary = candidate;
        self.record_lost(lost);
        let text = format!(
            "{} promoted to primary; {lost} writes not yet replicated from {} were lost",
            self.ids[candidate as usize], self.ids[old as usize]
        );
        self.mark(text);
    }

    pub(super) fn lb_check(&mut self, l: u32) {
        let li = l as usize;
        let lb_id = self.ids[self.lbs[li].node as usize].clone();
        for b in 0..self.lbs[li].backends.len() {
            let node = self.lbs[li].backends[b];
            let up = self.nodes[node as usize].up();
            let lb = &mut self.lbs[li];
            if up {
                lb.fails[b] = 0;
                if !lb.healthy[b] {
                    lb.healthy[b] = true;
                    let text = format!("{lb_id} sees {} healthy again", self.ids[node as usize]);
                    self.mark(text);
                }
            } else {
                lb.fails[b] += 1;
                if lb.healthy[b] && lb.fails[b] >= lb.threshold {
                    lb.healthy[b] = false;
                    let text = format!(
                        "{lb_id} took {} out of rotation after {} failed health checks",
                        self.ids[node as usize], lb.threshold
                    );
                    self.mark(text);
                }
            }
        }
        let next = self.now + self.lbs[li].interval_us.max(1);
        if next < self.duration_us {
            self.schedule(next, What::LbCheck(l));
        }
    }

    pub(super) fn dns_check(&mut self, d: u32) {
        let di = d as usize;
        for e in 0..self.dnss[di].entries.len() {
            let node = self.dnss[di].entries[e];
            let up = self.nodes[node as usize].up();
            if self.dnss[di].healthy[e] != up {
                self.dnss[di].healthy[e] = up;
                let text = format!(
                    "{} {} {}",
                    self.ids[self.dnss[di].node as usize],
                    if up {
                        "answers with"
                    } else {
                        "stopped answering with"
                    },
                    self.ids[node as usize]
                );
                self.mark(text);
            }
        }
        let next = self.now + self.dnss[di].check_us.max(1);
        if next < self.duration_us {
            self.schedule(next, What::DnsCheck(d));
        }
    }
}
