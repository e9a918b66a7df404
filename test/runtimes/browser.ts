// Headless Chromium from Debian, driven by playwright-core (no browser
// download), with the flags PEERS.md lists and a fresh profile each time.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { bounded } from "../helpers/bounded.js";
import { requireRuntimes } from "./runtimes.js";

export const CHROMIUM = "/usr/bin/chromium";

/** A skip reason when Chromium is missing (an error under REQUIRE_RUNTIMES=1). */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (requireRuntimes()) throw new Error(`Chromium is missing at ${CHROMIUM}`);
  return "chromium not installed";
}

/**
 * Runs `body` with a fresh headless Chromium context, always closed
 * afterwards; `extraArgs` are added to the command line.
 */
export async function withChromium<T>(
  body: (context: BrowserContext) => Promise<T>,
  extraArgs: readonly string[] = [],
): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), "ws-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
    timeout: 30_000,
  });
  try {
    return await body(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Script source for a page (or any runtime with a WHATWG `WebSocket`):
 * `openQueued(url, protocols)` opens a WebSocket that receives binary as
 * ArrayBuffer and, once it is open, resolves to `{ ws, next }`, where
 * `await next()` takes the next message received, in order. Put it before
 * the script that calls it.
 */
export const OPEN_QUEUED = `
async function openQueued(url, protocols) {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = "arraybuffer";
  const queue = [];
  let wake;
  ws.onmessage = (event) => { queue.push(event.data); wake?.(); };
  const next = async () => {
    while (queue.length === 0) await new Promise((resolve) => (wake = resolve));
    return queue.shift();
  };
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  return { ws, next };
}
`;

/**
 * What each of `names`' page scripts (`source(name)`) ends in, run one after
 * another in one Chromium page: its value, `{ threw }` or `{ timedOut }`
 * (see {@link bounded}), by name.
 */
export async function tracesInChromium<Name extends string>(
  names: readonly Name[],
  source: (name: Name) => string,
): Promise<Map<Name, unknown>> {
  const traces = new Map<Name, unknown>();
  await withChromium(async (context) => {
    const page = await context.newPage();
    for (const name of names) traces.set(name, await bounded(page.evaluate(source(name)), 10_000));
  });
  return traces;
}
