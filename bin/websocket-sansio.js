#!/usr/bin/env node
// The `websocket-sansio` command. It runs the compiled CLI in dist/, which
// `npm run build` produces (and `npm start` runs first).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/run.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "websocket-sansio: the CLI is not built yet (dist/cli/run.js is missing): run `npm run build` first\n",
  );
  process.exit(70);
}
await import(entry.href);
