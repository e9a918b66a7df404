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
 * Script source (with {@link OPEN_QUEUED}) for the conversation a WHATWG
 * client has with an echo server in the interop tests:
 * `echoScenario(url, protocols)` opens, sends text, binary, a 100 kB message
 * and 200 pipelined ones, closes with 1000, and resolves to what it saw:
 * `{ protocol, extensions, text, binary, big, ordered, close }`.
 */
export const ECHO_SCENARIO = `${OPEN_QUEUED}
async function echoScenario(url, protocols) {
  const { ws, next } = await openQueued(url, protocols);
  const result = { protocol: ws.protocol, extensions: ws.extensions };
  ws.send("héllo");
  result.text = await next();
  ws.send(new Uint8Array([1, 2, 3, 250]));
  result.binary = Array.from(new Uint8Array(await next()));
  const big = "x".repeat(100000);
  ws.send(big);
  result.big = (await next()) === big;
  for (let i = 0; i < 200; i++) ws.send("m" + i);
  let ordered = true;
  for (let i = 0; i < 200; i++) if ((await next()) !== "m" + i) ordered = false;
  result.ordered = ordered;
  const closed = new Promise((resolve) => (ws.onclose = (e) => resolve({ code: e.code, wasClean: e.wasClean })));
  ws.close(1000, "done");
  result.close = await closed;
  return result;
}
`;

/** What {@link ECHO_SCENARIO} resolves to when all went well, but for `extensions`. */
export const ECHO_SCENARIO_EXPECTED = {
  protocol: "chat",
  text: "héllo",
  binary: [1, 2, 3, 250],
  big: true,
  ordered: true,
  close: { code: 1000, wasClean: true },
};

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
