// The Node entry point, unchanged, on Bun (its node:net): our server answers
// a `ws` client; our client talks to Bun's native Bun.serve WebSocket server.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocket } from "ws";
import { fixture, runtime, startPeer } from "./runtimes.js";

const bun = runtime("bun");
const PEER = fixture("bun-peer.js");

/** A `ws` client's conversation with an echo server. */
function wsClientExchange(port: number): Promise<{ echoes: unknown[]; closeCode: number }> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const echoes: unknown[] = [];
    const big = Buffer.alloc(200_000, 0x5a);
    const timer = setTimeout(() => reject(new Error("ws exchange timed out")), 10_000);
    client.on("open", () => client.send("hello bun"));
    client.on("message", (data, isBinary) => {
      if (!isBinary) {
        echoes.push(String(data));
        client.send(big);
      } else {
        const bytes = data as Buffer;
        echoes.push(bytes.length === big.length && bytes.equals(big));
        client.close(1000, "done");
      }
    });
    client.on("close", (code) => {
      clearTimeout(timer);
      resolve({ echoes, closeCode: code });
    });
    client.on("error", reject);
  });
}

describe("websocket-sansio/node on Bun", { skip: bun.skip }, () => {
  const command = bun.skip === false ? bun.path : "bun";

  it("our Node-entry server on Bun answers ws clients, then shuts down gracefully", async () => {
    const peer = startPeer(command, [PEER, "serve"]);
    try {
      const port = await peer.ready;
      const first = await wsClientExchange(port);
      assert.deepEqual(first, { echoes: ["hello bun", true], closeCode: 1000 });
      const all = await Promise.all(Array.from({ length: 20 }, () => wsClientExchange(port)));
      for (const result of all) assert.deepEqual(result, first);
      assert.deepEqual(await peer.stop(), { stopped: true });
    } finally {
      peer.child.kill();
    }
  });

  it("our Node-entry client on Bun talks to Bun.serve's WebSocket server", async () => {
    const result = (await startPeer(command, [PEER, "native"]).result) as Record<string, unknown>;
    assert.equal(typeof result["latencyMs"], "number");
    assert.deepEqual(
      { ...result, latencyMs: 0 },
      {
        text: "hello from the client",
        binaryIntact: true,
        fragmented: "fragmented",
        latencyMs: 0,
        close: { code: 1000, reason: "bye", wasClean: true },
      },
    );
  });
});
