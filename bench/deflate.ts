/**
 * `npm run bench:deflate`: our permessage-deflate (native zlib driven
 * synchronously, and fflate) against ws's `PerMessageDeflate` with the same
 * negotiated parameters, in one run.
 *
 * Throughput: one server-side extension compresses a message and one
 * client-side extension decompresses it, message after message (as on one
 * connection: ws's compress/decompress callbacks are awaited in order, which
 * is how ws's Sender and Receiver use them). Rounds alternate between the
 * implementations; the median of the per-round ratios is reported. Next to
 * each figure, the compressed size (as a share of the input) of ours and of
 * ws, from one pass over the messages: where each side runs at its own
 * defaults, ours compresses large messages at a faster level, and the sizes
 * show what that costs.
 *
 * Memory per idle connection: a child process per implementation creates N
 * negotiated server+client extension pairs, sends one message each way on
 * every pair (so that each side has allocated its codecs, as after real
 * traffic), forces GC, and reports (heapUsed + external) and RSS growth over
 * the baseline, divided by N. Node reports zlib's native allocations as
 * external memory, so heap + external counts them; RSS confirms it. A pair
 * is two connection ends, so the figure per connection end is half of it.
 *
 * Environment: DEFLATE_ROUNDS (default 7), DEFLATE_ROUND_MS (300), DEFLATE_PAIRS (2000).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Extension } from "../src/core/extension.js";
import {
  ClientPerMessageDeflateFactory,
  type PerMessageDeflateOptions,
  ServerPerMessageDeflateFactory,
} from "../src/core/extensions/permessage-deflate.js";
import { zlibCodec } from "../src/node/zlib-codec.js";
import { fflateCodec } from "../src/web/fflate-codec.js";
import { type WsDeflate, WsPerMessageDeflate } from "../test/helpers/ws-deflate.js";
import { mulberry32 } from "./random.js";

const require = createRequire(import.meta.url);

const env = process.env;
const ROUNDS = Number(env["DEFLATE_ROUNDS"] ?? 7);
const ROUND_MS = Number(env["DEFLATE_ROUND_MS"] ?? 300);
const PAIRS = Number(env["DEFLATE_PAIRS"] ?? 2000);

/**
 * Parameter sets. Both sides always negotiate the same windows. With `zlib`,
 * both also use the same memLevel and one level for every message (the same
 * zlib work); without it, each side runs at its own defaults for what is not
 * negotiated (ours: memLevel 5, level 6 below 16 KiB and 4 from 16 KiB; ws:
 * zlib's memLevel 8 and level 6), and the compressed sizes show what that costs.
 */
const SETTINGS = {
  "15-bit windows (ws's default), both memLevel 8, level 6": {
    windowBits: 15,
    zlib: { memLevel: 8, level: 6 },
  },
  "15-bit windows, each at its defaults": { windowBits: 15 },
  "12-bit windows (our default), both memLevel 5, level 6": {
    windowBits: 12,
    zlib: { memLevel: 5, level: 6 },
  },
  "12-bit windows, each at its defaults": { windowBits: 12 },
  "12-bit windows, both memLevel 5, level 1": { windowBits: 12, zlib: { memLevel: 5, level: 1 } },
  "no context takeover, 15-bit windows, both memLevel 8, level 6": {
    windowBits: 15,
    zlib: { memLevel: 8, level: 6 },
    noContextTakeover: true,
  },
} as const;
interface Setting {
  readonly windowBits: number;
  /** Same zlib parameters on both sides; absent: each side's defaults. */
  readonly zlib?: { readonly memLevel: number; readonly level: number };
  readonly noContextTakeover?: boolean;
}

// --- messages ----------------------------------------------------------------

const rand = mulberry32(42);
const WORDS =
  "the of and to in is that it for on with as was at by an be this from or have are not but what all were when we there can more if no out so said up its about into than them only".split(
    " ",
  );

/** 1 KiB JSON-like messages: same shape, varying values. */
function jsonMessages(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const items = [];
    let json = "";
    while (json.length < 1024) {
      items.push({
        id: 100000 + rand(900000),
        user: `user_${rand(5000)}`,
        active: rand(2) === 1,
        score: Math.round(rand(1e6)) / 100,
        tags: [WORDS[rand(WORDS.length)], WORDS[rand(WORDS.length)]],
        ts: 1_700_000_000_000 + i * 1000 + rand(1000),
      });
      json = JSON.stringify({ type: "update", seq: i, items });
    }
    return Buffer.from(json.slice(0, 1024));
  });
}

/**
 * 64 KiB of word salad (compresses like text, ~3:1). Its vocabulary of 48
 * words makes zlib's hash chains unusually long, so it exaggerates what the
 * compression level costs; the next workload is real text.
 */
function textMessages(count: number): Buffer[] {
  return Array.from({ length: count }, () => {
    let out = "";
    while (out.length < 65536) out += `${WORDS[rand(WORDS.length)]}${rand(12) === 0 ? ".\n" : " "}`;
    return Buffer.from(out.slice(0, 65536));
  });
}

/**
 * 64 KiB slices of real text: @types/node's declarations, mostly English
 * JSDoc prose with code examples (a pinned dev dependency, so the same bytes
 * from run to run).
 */
function realTextMessages(count: number): Buffer[] {
  const dir = path.join(path.dirname(require.resolve("@types/node/package.json")));
  const text = Buffer.concat(
    ["fs.d.ts", "crypto.d.ts", "http2.d.ts", "process.d.ts", "stream.d.ts"].map((name) =>
      readFileSync(path.join(dir, name)),
    ),
  );
  const out: Buffer[] = [];
  for (let at = 0; at + 65536 <= text.length && out.length < count; at += 65536) {
    out.push(text.subarray(at, at + 65536));
  }
  return out;
}

// --- the implementations -----------------------------------------------------

function ourOptions(setting: Setting, codec = zlibCodec): PerMessageDeflateOptions {
  return {
    codec,
    serverMaxWindowBits: setting.windowBits,
    clientMaxWindowBits: setting.windowBits,
    ...(setting.zlib ?? {}),
    thresholdBytes: 0,
    serverNoContextTakeover: setting.noContextTakeover ?? false,
    clientNoContextTakeover: setting.noContextTakeover ?? false,
  };
}

function ourPair(setting: Setting, codec = zlibCodec): { server: Extension; client: Extension } {
  const options = ourOptions(setting, codec);
  const client = new ClientPerMessageDeflateFactory(
    codec === zlibCodec ? options : { ...options, clientMaxWindowBits: undefined as never },
  );
  const server = new ServerPerMessageDeflateFactory(options);
  const answer = server.negotiate(client.offer(), []);
  if (answer === null) throw new Error("Cannot negotiate permessage-deflate");
  return { server: answer.extension, client: client.accept(answer.params, []) };
}

function wsOptions(setting: Setting): Record<string, unknown> {
  return {
    serverMaxWindowBits: setting.windowBits,
    clientMaxWindowBits: setting.windowBits,
    ...(setting.zlib ? { zlibDeflateOptions: { ...setting.zlib } } : {}),
    threshold: 0,
    serverNoContextTakeover: setting.noContextTakeover ?? false,
    clientNoContextTakeover: setting.noContextTakeover ?? false,
  };
}

function wsPair(setting: Setting): { server: WsDeflate; client: WsDeflate } {
  const client = new WsPerMessageDeflate(wsOptions(setting));
  const server = new WsPerMessageDeflate({ ...wsOptions(setting), isServer: true });
  const toArrays = (params: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]]));
  const response = server.accept([toArrays(client.offer())]);
  client.accept([toArrays(response)]);
  return { server, client };
}

const MiB = 1024 * 1024;

/** Messages per second through our pair (compress on the server, decompress on the client). */
function runOurs(
  pair: { server: Extension; client: Extension },
  messages: Buffer[],
  ms: number,
): number {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 4; i++, n++) {
      const message = messages[n % messages.length]!;
      const { payload, rsv } = pair.server.encode(message, true, true);
      const out = pair.client.decode(payload, rsv, true, true, 64 * MiB);
      if (out.length !== message.length) throw new Error("Cannot round-trip a message");
    }
  }
  return n / (ms / 1000);
}

function runWs(
  pair: { server: WsDeflate; client: WsDeflate },
  messages: Buffer[],
  ms: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const end = performance.now() + ms;
    const next = (): void => {
      if (performance.now() >= end) {
        resolve(n / (ms / 1000));
        return;
      }
      const message = messages[n % messages.length]!;
      pair.server.compress(message, true, (error, compressed) => {
        if (error) return reject(error);
        pair.client.decompress(compressed!, true, (error2, out) => {
          if (error2) return reject(error2);
          if (out!.length !== message.length) return reject(new Error("Cannot round-trip"));
          n++;
          next();
        });
      });
    };
    next();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { maximumFractionDigits: digits });

async function throughput(): Promise<void> {
  const workloads = {
    "1 KiB JSON": jsonMessages(256),
    "64 KiB text": textMessages(16),
    "64 KiB real text": realTextMessages(16),
  };
  for (const [settingName, setting] of Object.entries(SETTINGS) as [string, Setting][]) {
    console.log(`\n## ${settingName}`);
    for (const [workload, messages] of Object.entries(workloads)) {
      const ours = ourPair(setting);
      const ws = wsPair(setting);
      const fflate = setting.windowBits === 15 ? ourPair(setting, fflateCodec) : null;
      // Compressed sizes, from one pass of each with context takeover.
      const bytesIn = messages.reduce((sum, m) => sum + m.length, 0);
      const probe = ourPair(setting);
      const bytesOut = messages.reduce(
        (sum, m) => sum + probe.server.encode(m, true, true).payload.length,
        0,
      );
      const wsProbe = wsPair(setting);
      let wsBytesOut = 0;
      for (const m of messages) {
        wsBytesOut += await new Promise<number>((resolve, reject) =>
          wsProbe.server.compress(m, true, (e, out) => (e ? reject(e) : resolve(out!.length))),
        );
      }
      wsProbe.server.cleanup();
      wsProbe.client.cleanup();
      const percent = (out: number) => `${((100 * out) / bytesIn).toFixed(1)}%`;
      const oursRate: number[] = [];
      const wsRate: number[] = [];
      const fflateRate: number[] = [];
      const ratios: number[] = [];
      await runWs(ws, messages, 50); // warm up
      runOurs(ours, messages, 50);
      for (let round = 0; round < ROUNDS; round++) {
        const a = runOurs(ours, messages, ROUND_MS);
        const b = await runWs(ws, messages, ROUND_MS);
        if (fflate) fflateRate.push(runOurs(fflate, messages, ROUND_MS));
        oursRate.push(a);
        wsRate.push(b);
        ratios.push(a / b);
      }
      const size = messages[0]!.length;
      const mbps = (rate: number) => fmt((rate * size) / MiB, 1);
      console.log(
        `${workload}: ours ${fmt(median(oursRate))} msg/s (${mbps(median(oursRate))} MiB/s), ` +
          `ws ${fmt(median(wsRate))} msg/s (${mbps(median(wsRate))} MiB/s), ` +
          `ratio ${median(ratios).toFixed(2)}x` +
          (fflate
            ? `; fflate ${fmt(median(fflateRate))} msg/s (${(median(fflateRate) / median(wsRate)).toFixed(2)}x ws)`
            : "") +
          `; compressed to ${percent(bytesOut)} (ws ${percent(wsBytesOut)})`,
      );
      ws.server.cleanup();
      ws.client.cleanup();
    }
  }
}

/** Child process: heap+external and RSS per idle pair after one message each way. */
async function memoryChild(impl: string, settingName: string): Promise<void> {
  const setting: Setting = SETTINGS[settingName as keyof typeof SETTINGS];
  const message = jsonMessages(1)[0]!;
  const gc = (globalThis as { gc?: () => void }).gc!;
  const keep: unknown[] = [];
  // Warm up module-level state (scratch buffers, shared codecs) before the baseline.
  if (impl === "ours") {
    const p = ourPair(setting);
    p.client.decode(p.server.encode(message, true, true).payload, 0x40, true, true, MiB);
  }
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < PAIRS; i++) {
    if (impl === "ours") {
      const p = ourPair(setting);
      const a = p.server.encode(message, true, true);
      p.client.decode(a.payload, a.rsv, true, true, MiB);
      const b = p.client.encode(message, true, true);
      p.server.decode(b.payload, b.rsv, true, true, MiB);
      keep.push(p);
    } else {
      const p = wsPair(setting);
      await new Promise<void>((resolve, reject) =>
        p.server.compress(message, true, (e, c) =>
          e ? reject(e) : p.client.decompress(c!, true, (e2) => (e2 ? reject(e2) : resolve())),
        ),
      );
      await new Promise<void>((resolve, reject) =>
        p.client.compress(message, true, (e, c) =>
          e ? reject(e) : p.server.decompress(c!, true, (e2) => (e2 ? reject(e2) : resolve())),
        ),
      );
      keep.push(p);
    }
  }
  await new Promise((r) => setTimeout(r, 100));
  gc();
  gc();
  const after = process.memoryUsage();
  const heap = after.heapUsed + after.external - (before.heapUsed + before.external);
  const rss = after.rss - before.rss;
  console.log(JSON.stringify({ heap: heap / PAIRS, rss: rss / PAIRS, kept: keep.length }));
}

function memory(): void {
  console.log(
    `\n## Memory per idle pair (server end + client end), ${PAIRS} pairs, after one message each way`,
  );
  const self = fileURLToPath(import.meta.url);
  for (const settingName of Object.keys(SETTINGS)) {
    const results: Record<string, { heap: number; rss: number }> = {};
    for (const impl of ["ours", "ws"]) {
      const out = execFileSync(
        process.execPath,
        ["--expose-gc", self, "--memory", impl, settingName],
        {
          encoding: "utf8",
        },
      );
      results[impl] = JSON.parse(out.trim().split("\n").pop()!);
    }
    const o = results["ours"]!;
    const w = results["ws"]!;
    const kib = (n: number) => `${fmt(n / 1024, 1)} KiB`;
    console.log(
      `${settingName}: ours heap+external ${kib(o.heap)}, rss ${kib(o.rss)}; ` +
        `ws heap+external ${kib(w.heap)}, rss ${kib(w.rss)}; ` +
        `ratio ours/ws ${(o.heap / w.heap).toFixed(2)} (heap+external), ${(o.rss / w.rss).toFixed(2)} (rss)`,
    );
  }
}

const args = process.argv.slice(2);
if (args[0] === "--memory") {
  await memoryChild(args[1]!, args[2]!);
} else {
  console.log(`# permessage-deflate: ours (native zlib, synchronous) vs ws PerMessageDeflate`);
  console.log(
    `Node ${process.version}; ${ROUNDS} rounds of ${ROUND_MS} ms; median per-round ratio`,
  );
  await throughput();
  memory();
}
