// Streaming receive over a real socket: a 64 MiB message sent by ws (as ws
// sends every message: one frame) is processed as it arrives, in bounded
// memory; a bad UTF-8 byte in its middle fails the connection with 1007
// while the sender is still sending. ws runs in a child process, so that its
// 64 MiB buffer is not counted in this process's memory.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ConnectionClosedError } from "../../src/connection/errors.js";
import type { MessageStream } from "../../src/connection/message-stream.js";
import type { ServerConnection } from "../../src/connection/server.js";
import { ProtocolError } from "../../src/core/errors.js";
import { serve } from "../../src/node/index.js";
import { portOf } from "./helpers.js";

const T = { timeout: 60_000 };
const MESSAGE_BYTES = 64 * 1024 * 1024;
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** A full garbage collection: Bun's, or V8's exposed on the fly (Node, Deno). */
const gc: () => void = (() => {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun !== undefined) return () => bun.gc(true);
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** The byte at `i` of the message the child sends. */
const patternAt = (i: number) => (i % 251) + 1;

/**
 * Runs ws in a child process: it connects to `url`, sends one message of
 * MESSAGE_BYTES (binary, or text with an invalid byte in the middle), then
 * prints how the connection closed as JSON.
 */
function sendWithWs(url: string, kind: "binary" | "bad-text"): Promise<{ code: number }> {
  const script = `
    const WebSocket = require("ws");
    const data = Buffer.alloc(${MESSAGE_BYTES});
    for (let i = 0; i < data.length; i++) data[i] = (i % 251) + 1;
    const bad = ${kind === "bad-text"};
    if (bad) { data.fill(0x61); data[data.length >> 1] = 0xff; }
    const ws = new WebSocket(${JSON.stringify(url)}, { perMessageDeflate: false, maxPayload: 0 });
    ws.on("open", () => ws.send(data, { binary: !bad }));
    ws.on("error", () => {});
    ws.on("close", (code) => { console.log(JSON.stringify({ code })); process.exit(0); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { cwd: ROOT, stdio: "pipe" });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill(), 50_000);
    child.on("exit", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`ws child failed: ${out} ${err}`));
      }
    });
  });
}

/** This process's memory that a buffered message would grow: the JS heap and ArrayBuffers. */
function heldBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Starts a server whose handler streams the first message through `consume`. */
async function serveStreaming(consume: (message: MessageStream) => Promise<void>) {
  let done!: (error?: unknown) => void;
  const finished = new Promise<unknown>((resolve) => {
    done = resolve;
  });
  const server = await serve(
    async (connection: ServerConnection) => {
      try {
        await consume(await connection.recvStreaming());
        done();
      } catch (error) {
        done(error);
      }
      await connection.close();
    },
    { host: "127.0.0.1", port: 0, maxMessageBytes: 2 * MESSAGE_BYTES },
  );
  return { server, url: `ws://127.0.0.1:${portOf(server.address)}/`, finished };
}

describe("Streaming receive over a socket (node)", () => {
  test("a 64 MiB message from ws is processed in bounded memory", T, async () => {
    let received = 0;
    let fragments = 0;
    let baseline = 0;
    let peak = 0;
    let rssBaseline = 0;
    let rssPeak = 0;
    const { server, url, finished } = await serveStreaming(async (message) => {
      assert.equal(message.type, "binary");
      gc();
      baseline = heldBytes();
      rssBaseline = process.memoryUsage.rss();
      for await (const fragment of message as AsyncIterable<Uint8Array>) {
        // Checked as it comes, then dropped: nothing of the message is kept.
        for (let i = 0; i < fragment.length; i += 4099) {
          assert.equal(fragment[i], patternAt(received + i));
        }
        received += fragment.length;
        if (++fragments % 32 === 0) {
          // What is alive, not the garbage of the reads already processed
          // (64 KiB each, freed at the GC's pace).
          gc();
          peak = Math.max(peak, heldBytes());
          rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
        }
      }
    });
    const closed = sendWithWs(url, "binary");
    assert.equal(await finished, undefined);
    assert.equal((await closed).code, 1000);
    await server.close();
    assert.equal(received, MESSAGE_BYTES);
    assert.ok(fragments > 64, `${fragments} fragments: the frame came in pieces`);
    const growth = peak - baseline;
    const rssGrowth = rssPeak - rssBaseline;
    console.log(
      `64 MiB streamed in ${fragments} fragments: live heap + ArrayBuffers grew by at most ${(growth / 2 ** 20).toFixed(1)} MiB, RSS by ${(rssGrowth / 2 ** 20).toFixed(1)} MiB`,
    );
    // Assembled, the message alone would be 64 MiB. What is alive is at most
    // the incoming queue's mark (maxQueuedBytes, 1 MiB) and a read or two.
    assert.ok(growth < 8 * 2 ** 20, `heap + ArrayBuffers grew by ${growth} bytes`);
    assert.ok(rssGrowth < 24 * 2 ** 20, `RSS grew by ${rssGrowth} bytes`);
  });

  test("a bad UTF-8 byte in the middle fails with 1007 before the rest arrives", T, async () => {
    let received = 0;
    const { server, url, finished } = await serveStreaming(async (message) => {
      assert.equal(message.type, "text");
      for await (const fragment of message as AsyncIterable<string>) received += fragment.length;
    });
    const closed = sendWithWs(url, "bad-text");
    const error = await finished;
    // The bad byte is at 32 MiB: the server failed there, with about half the
    // message still to come (in flight in socket buffers, or not yet sent).
    assert.ok(error instanceof ConnectionClosedError, String(error));
    const cause = (error as Error).cause;
    assert.ok(cause instanceof ProtocolError);
    assert.equal(cause.closeCode, 1007);
    assert.ok(received <= MESSAGE_BYTES / 2, `${received} characters read`);
    assert.ok(received > MESSAGE_BYTES / 4, `${received} characters read`);
    assert.equal((await closed).code, 1007, "ws got the 1007");
    await server.close();
  });
});
