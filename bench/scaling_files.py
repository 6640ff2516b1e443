"""Writes the diagrams and scenarios of the cost-per-request scaling benchmark
(bench/scaling.sh) into the current folder: a load balancer in front of 8, 98 or 498
web servers under each algorithm, and one web server group with 5 ms to 5 s of work
per request (at the peak about 100, 1,000, 10,000 and 100,000 requests in flight)."""
import json


def lb_diagram(n, algo):
    nodes = [
        {"id": "users-1", "kind": "users", "name": "Users", "x": 0, "y": 0, "params": {"users": 100000}},
        {"id": "lb-1", "kind": "load_balancer", "name": "LB", "x": 100, "y": 0, "params": {"algorithm": algo}},
    ]
    edges = [{"from": "users-1", "to": "lb-1"}]
    for i in range(n):
        nodes.append({"id": f"web-{i}", "kind": "web_server", "name": f"W{i}",
                      "x": 200 + (i % 25) * 150, "y": (i // 25) * 100,
                      "params": {"size": "large", "service_ms": 20}})
        edges.append({"from": "lb-1", "to": f"web-{i}"})
    return {"version": 2, "nodes": nodes, "edges": edges}


def in_flight(service_ms):
    return {"version": 2, "nodes": [
        {"id": "users-1", "kind": "users", "name": "Users", "x": 0, "y": 0, "params": {"users": 100000}},
        {"id": "web-1", "kind": "web_server", "name": "Web", "x": 100, "y": 0,
         "params": {"instances": 100, "workers": 1024, "service_ms": service_ms, "max_queue": 10000}}],
        "edges": [{"from": "users-1", "to": "web-1"}]}


def scenario(rps, duration_s, timeout_ms=None):
    s = {"version": 2, "duration_s": duration_s, "seed": 1,
         "traffic": {"users-1": {"rps": rps}}, "mix": {"page_read": 1.0}}
    if timeout_ms:
        s["client_timeout_ms"] = timeout_ms
    return s


def write(name, value):
    with open(name, "w") as f:
        json.dump(value, f)


for n in (8, 98, 498):
    for algo in ("least_connections", "round_robin", "random"):
        write(f"lb-{algo}-{n}.json", lb_diagram(n, algo))
for ms in (5, 50, 500, 5000):
    write(f"fl-{ms}.json", in_flight(ms))
write("lb-scen-a.json", scenario(2000, 10))
write("lb-scen-b.json", scenario(2000, 30))
write("fl-scen-a.json", scenario(20000, 10, 60000))
write("fl-scen-b.json", scenario(20000, 20, 60000))
