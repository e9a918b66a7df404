#!/usr/bin/env bash
# What one echoed message costs a Node server, from outside (issue 20): runs
# one server (bench/servers/) on core 0 under --trace-gc, drives it with
# bench/load.ts on core 1, and prints per message the main thread's CPU, the
# other threads' CPU (V8's concurrent marking and sweeping), the page faults,
# the scavenges and mark-compacts and their main-thread pauses. CPU and
# faults per message move far less with other work on the machine than the
# rate does; compare builds or Nodes by running them alternately.
#
#   npx tsc -p tsconfig.json --outDir .build-bench
#   bench/per-message.sh .runtimes/node_modules/node24/bin/node ours
#   BUILD=.build-other SIZE=16384 CONNECTIONS=8 bench/per-message.sh node ws
#
# Arguments: NODE IMPL [node flags...]; IMPL is `bare` or an --impl of
# bench/servers/node.ts. Environment: BUILD (default .build-bench), SIZE
# (bytes, default 1048576), CONNECTIONS (4), INFLIGHT (2), DURATION (seconds, 3).
set -euo pipefail
NODE=$1 IMPL=$2
shift 2
B=${BUILD:-.build-bench}/bench
LOAD_NODE=${LOAD_NODE:-$(ls -d .runtimes/node_modules/node2*/bin/node 2>/dev/null | sort -V | tail -1 || echo node)}
if [ "$IMPL" = bare ]; then SERVER=("$B/servers/bare.js"); else SERVER=("$B/servers/node.js" --impl "$IMPL"); fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/stdin"
taskset -c 0 "$NODE" --trace-gc "$@" "${SERVER[@]}" <"$dir/stdin" >"$dir/out" 2>"$dir/err" &
pid=$!
exec 9>"$dir/stdin" # the server stops at the end of its stdin
until grep -q '^PORT' "$dir/out"; do
  kill -0 "$pid" 2>/dev/null || { cat "$dir/err" >&2; exit 1; }
  sleep 0.05
done
port=$(grep '^PORT' "$dir/out" | head -1 | cut -d' ' -f2)
# utime + stime (clock ticks) of the main thread (tid = pid) and of the others.
threads() {
  for t in /proc/"$pid"/task/*; do echo "${t##*/} $(awk '{print $14 + $15}' "$t/stat")"; done |
    awk -v p="$pid" '{ if ($1 == p) m += $2; else o += $2 } END { print m, o }'
}
faults0=$(awk '{print $10}' /proc/"$pid"/stat)
cpu0=$(threads)
lines0=$(wc -l <"$dir/out")
result=$(taskset -c 1 "$LOAD_NODE" "$B/load.js" --mode echo --port "$port" \
  --connections "${CONNECTIONS:-4}" --inflight "${INFLIGHT:-2}" --size "${SIZE:-1048576}" \
  --seconds "${DURATION:-3}" --warmup 0 --pid "$pid" | grep RESULT)
faults1=$(awk '{print $10}' /proc/"$pid"/stat)
cpu1=$(threads)
tail -n +$((lines0 + 1)) "$dir/out" >"$dir/gc"
exec 9>&-
wait "$pid" || true
node -e '
const [result, cpu0, cpu1, faults, label, gcFile] = process.argv.slice(1);
const r = JSON.parse(result.replace("RESULT ", ""));
const n = r.count;
const [m0, o0] = cpu0.split(" ").map(Number);
const [m1, o1] = cpu1.split(" ").map(Number);
const gc = require("node:fs").readFileSync(gcFile, "latin1").split("\n");
const pause = (ls) => ls.reduce((s, l) => s + Number((/MB, (?:pooled: \S+ MB, )?([\d.]+) \//.exec(l) ?? [0, 0])[1]), 0);
const sc = gc.filter((l) => l.includes("Scavenge"));
const mc = gc.filter((l) => l.includes("Mark-Compact"));
const ms = (ticks) => ((ticks * 10) / n).toFixed(2); // 100 ticks a second
console.log(`${label}: ${r.rate.toFixed(0)} msg/s (other work on core 0 ${(r.otherCpu0 * 100).toFixed(0)} %); per message: ` +
  `CPU ${ms(m1 - m0)} ms main + ${ms(o1 - o0)} ms other threads, ${(faults / n).toFixed(0)} page faults, ` +
  `${(sc.length / n).toFixed(3)} scavenges, ${(mc.length / n).toFixed(3)} mark-compacts, GC pauses ${((pause(sc) + pause(mc)) / n).toFixed(3)} ms`);
' "$result" "$cpu0" "$cpu1" "$((faults1 - faults0))" "$IMPL on $("$NODE" --version)${*:+ $*}" "$dir/gc"
