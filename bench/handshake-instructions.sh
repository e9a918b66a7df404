#!/usr/bin/env bash
# Instructions per opening handshake, by server: a load-independent companion
# to the handshake benchmark (bench/run.ts --only handshake), for a machine
# shared with other work, where rates and CPU times swing by tens of percent
# from one run to the next and these counts stay within about 5 % (the main
# thread's; the worker threads' vary more, as compilation still runs in the
# window: compare those over several runs).
#
# Each server runs under callgrind (valgrind) with bench/handshake-load.c as
# its client (16 loops: connect, upgrade, wait for the 101, reset). After a
# warm-up of WARM handshakes (the JIT's tiers settle), callgrind's counters are
# dumped, COUNT more handshakes run, and they are dumped again: the second
# dump is the measured window. Printed per server: instructions per handshake
# on the main thread (JavaScript, Node's native side, libuv; not the kernel)
# and on V8's worker threads (concurrent compilation, parallel scavenges,
# concurrent marking), which share the server's core in the benchmark.
#
# Usage (after `npx tsc -p tsconfig.json --outDir .build-bench`):
#   bench/handshake-instructions.sh [--warm 4000] [--count 2000] SPEC...
# SPEC is IMPL (ours, ws, cli, ours-attached, ws-attached, bare, bare-attached) or
# LABEL=BUILD_DIR:IMPL to compare builds of two trees, e.g.
#   bench/handshake-instructions.sh before=/tmp/old/.build-bench:ours ours ws bare
# About 1.5 minutes per server (valgrind slows Node about 50 times).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
node=${NODE:-$root/.runtimes/node_modules/node24/bin/node}
[ -x "$node" ] || node=$(command -v node)
warm=4000
count=2000
specs=()
while [ $# -gt 0 ]; do
  case $1 in
    --warm) warm=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    *) specs+=("$1"); shift ;;
  esac
done
[ ${#specs[@]} -gt 0 ] || specs=(ours ws cli bare)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/load" "$root/bench/handshake-load.c"

printf '%-24s %14s %14s %14s\n' server "main Ir/hs" "workers Ir/hs" "total Ir/hs"
for spec in "${specs[@]}"; do
  label=${spec%%=*}
  rest=${spec#*=}
  if [ "$rest" = "$spec" ]; then dir=$root/.build-bench; impl=$spec; else dir=${rest%:*}; impl=${rest##*:}; fi
  case $impl in
    bare) args=("$dir/bench/servers/bare.js") ;;
    bare-attached) args=("$dir/bench/servers/bare.js" --http) ;;
    *) args=("$dir/bench/servers/node.js" --impl "$impl") ;;
  esac
  out=$work/$label
  coproc SERVER {
    exec taskset -c 0 valgrind --tool=callgrind --separate-threads=yes \
      --smc-check=all-non-file --callgrind-out-file="$out.%p" \
      "$node" --expose-gc "${args[@]}" 2>"$out.log"
  }
  pid=$SERVER_PID
  read -r line <&"${SERVER[0]}"
  port=${line#PORT }
  taskset -c 1 "$work/load" --port "$port" --warmup 0 --count "$warm" >/dev/null
  sleep 2
  callgrind_control -d "$pid" >/dev/null 2>&1
  taskset -c 1 "$work/load" --port "$port" --warmup 0 --count "$count" >/dev/null
  callgrind_control -d "$pid" >/dev/null 2>&1
  exec {SERVER[1]}>&-
  wait "$pid" 2>/dev/null || true
  main=0
  workers=0
  # The measured window is the second dump (.2), one file per thread (-01 is the main thread).
  for file in "$out".*.2-*; do
    ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$file")
    case $file in *-01) main=$ir ;; *) workers=$((workers + ir)) ;; esac
  done
  printf '%-24s %14d %14d %14d\n' "$label" $((main / count)) $((workers / count)) $(((main + workers) / count))
done
