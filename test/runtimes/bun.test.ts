// The Node entry point, unchanged, on Bun (its node:net): our server answers
// a `ws` client; our client talks to Bun's native Bun.serve WebSocket server.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixture, runtime, startPeer, wsClientExchange } from "./runtimes.js";

const bun = runtime("bun");
const PEER = fixture("bun-peer.js");

describe("websocket-sansio/node on Bun", { skip: bun.skip }, () => {
  const command = bun.skip === false ? bun.path : "bun";

  it("our Node-entry server on Bun answers ws clients, then shuts down gracefully", async () => {
    const peer = startPeer(command, [PEER, "serve"]);
    try {
      const port = await peer.ready;
      const first = await wsClientExchange(port, "hello bun");
      assert.deepEqual(first, { echoes: ["hello bun", true], closeCode: 1000 });
      const all = await Promise.all(
        Array.from({ length: 20 }, () => wsClientExchange(port, "hello bun")),
      );
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
