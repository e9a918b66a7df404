#!/usr/bin/env bash
# Runs the test suites that must pass on every runtime (core, proxy, connection,
# the Node entry point and its transport, the in-memory transport, the
# web-stream transport, the ws facade, the WHATWG classes) on
# Node 22, 24 and 26, Bun and Deno: the same compiled .build/ JavaScript on
# each. node:test files run as they are: Bun's `bun test` and Deno's
# `deno test` both run node:test suites.
#
# Usage: scripts/test-runtimes.sh [node22|node24|node26|bun|deno ...]
# Needs scripts/install-runtimes.sh first. Each run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

R=.runtimes/node_modules
declare -A BIN=(
  [node22]=$R/node22/bin/node
  [node24]=$R/node24/bin/node
  [node26]=$R/node26/bin/node
  [bun]=$R/@oven/bun-linux-x64/bin/bun
  [deno]=$R/@deno/linux-x64-glibc/deno
)
selected=("$@")
[ "${#selected[@]}" -gt 0 ] || selected=(node22 node24 node26 bun deno)
for name in "${selected[@]}"; do
  [ -x "${BIN[$name]:-}" ] || { echo "Missing runtime $name: run scripts/install-runtimes.sh" >&2; exit 1; }
done

[ -d .build/test ] || npx tsc -p tsconfig.json
# Deno's update check reaches for the network (through any proxy a test sets).
export DENO_NO_UPDATE_CHECK=1

mapfile -t files < <(
  find .build/test/core .build/test/connection .build/test/node .build/test/proxy .build/test/testing \
    .build/test/ws .build/test/whatwg .build/test/web/transport.test.js -name '*.test.js' 2>/dev/null | sort
)
# Bun replaces the `ws` package with its own, which has no PerMessageDeflate
# and does not negotiate the parameters these tests set on ws. (The ws
# facade's comparisons with real ws, ws/trace.test.js and ws/options.test.js,
# run here: real ws plays its sides in a Node child, test/ws/play.ts.)
mapfile -t bun_files < <(printf '%s\n' "${files[@]}" | grep -vE 'permessage-deflate-(interop|sockets)' | sed 's|^|./|')

# Deno's node:zlib appears to ignore `dictionary` in inflateRawSync ("invalid
# distance too far back"), which
# the zlib codec's one-shot fallback needs (its streaming path, the default,
# passes the permessage-deflate interop tests on Deno).
mapfile -t deno_files < <(printf '%s\n' "${files[@]}" | grep -v 'node/zlib-codec.test.js')

status=0
for name in "${selected[@]}"; do
  echo "=== $name: ${#files[@]} test files"
  bin=${BIN[$name]}
  case $name in
    node*) cmd=("$bin" --test --test-reporter=dot "${files[@]}") ;;
    bun) cmd=("$bin" test --timeout 60000 "${bun_files[@]}") ;;
    deno) cmd=("$bin" test -A --node-modules-dir=manual --quiet "${deno_files[@]}") ;;
  esac
  if ! timeout 900 "${cmd[@]}" >".runtimes/$name.log" 2>&1; then
    status=1
    echo "FAILED on $name (log: .runtimes/$name.log):"
    tail -40 ".runtimes/$name.log"
  else
    tail -3 ".runtimes/$name.log"
  fi
done
exit $status
