#!/bin/bash
# Cost per request as the diagram and the load grow, in instructions (callgrind), which
# are repeatable on a noisy machine. Each case runs twice, 10 and 30 (or 20) simulated
# seconds; the difference divided by the extra requests is the marginal cost per
# request, so reading, validating and building the diagram cancel out.
# Needs valgrind and python3. Usage: bench/scaling.sh [path/to/scalelab-cli]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/scalelab-cli}
[ -x "$bin" ] || (cd "$root" && cargo build --quiet --release -p scalelab-cli)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
python3 "$root/bench/scaling_files.py"
one() {
  valgrind --tool=callgrind --callgrind-out-file=cg.out "$bin" run "$1" --scenario "$2" > out.json 2>/dev/null
  ir=$(grep -E '^summary:' cg.out | awk '{print $2}')
  created=$(python3 -c "import json; print(json.load(open('out.json'))['totals']['created'])")
  echo "$ir $created"
}
case_() {
  read -r ira ca < <(one "$1" "$2-a.json")
  read -r irb cb < <(one "$1" "$2-b.json")
  printf '%-32s %8d instructions per request\n' "${1%.json}" $(( (irb - ira) / (cb - ca) ))
}
for algo in least_connections round_robin random; do
  for n in 8 98 498; do case_ "lb-$algo-$n.json" lb-scen; done
done
for ms in 5 50 500 5000; do case_ "fl-$ms.json" fl-scen; done
