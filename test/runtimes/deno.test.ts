// websocket-sansio/web on Deno, against real peers: our server (Deno.listen)
// answers a `ws` client and Chromium; our client (Deno.connect) talks to a
// `ws` server and to Deno's own Deno.serve WebSocket server.

import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import {
  WebSocket as NodeWebSocket,
  WebSocketError,
  WebSocketStream,
} from "../../src/node/index.js";
import { startPeer as startWhatwgPeer } from "../whatwg/peer.js";
import { runScenario, SCENARIO_NAMES } from "../whatwg/scenarios.js";
import { runStreamScenario, STREAM_SCENARIO_NAMES } from "../whatwg/stream-scenarios.js";
import { chromiumSkip, withChromium } from "./browser.js";
import {
  assertExchanged,
  assertServesWsClients,
  denoArgs,
  runtime,
  startPeer,
} from "./runtimes.js";

const deno = runtime("deno");
const PEER = "deno-peer.js";

describe("websocket-sansio/web on Deno", { skip: deno.skip }, () => {
  const command = deno.skip === false ? deno.path : "deno";

  it("our Deno server answers a ws client, then shuts down gracefully", async () => {
    await assertServesWsClients(startPeer(command, denoArgs(PEER, "serve")), "hello deno");
  });

  it("our Deno server answers Chromium's WebSocket", { skip: chromiumSkip() }, async () => {
    const peer = startPeer(command, denoArgs(PEER, "serve"), 60_000);
    try {
      const port = await peer.ready;
      const result = await withChromium(async (context) => {
        const page = await context.newPage();
        return page.evaluate(
          (url) =>
            new Promise<{ text: string; bytes: number; code: number; wasClean: boolean }>(
              (resolve, reject) => {
                const socket = new WebSocket(url);
                socket.binaryType = "arraybuffer";
                let text = "";
                let bytes = -1;
                socket.onopen = () => socket.send("hello from chromium");
                socket.onmessage = (event) => {
                  if (typeof event.data === "string") {
                    text = event.data;
                    socket.send(new Uint8Array(100_000).fill(1));
                  } else {
                    bytes = new Uint8Array(event.data as ArrayBuffer).reduce((n, b) => n + b, 0);
                    socket.close(1000, "done");
                  }
                };
                socket.onclose = (event) =>
                  resolve({ text, bytes, code: event.code, wasClean: event.wasClean });
                socket.onerror = () => reject(new Error("WebSocket error"));
              },
            ),
          `ws://127.0.0.1:${port}/`,
        );
      });
      assert.deepEqual(result, {
        text: "hello from chromium",
        bytes: 100_000,
        code: 1000,
        wasClean: true,
      });
      await peer.stop();
    } finally {
      peer.child.kill();
    }
  });

  it("our Deno client talks to a ws server", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    const closes: number[] = [];
    server.on("connection", (socket) => {
      socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
      socket.on("close", (code) => closes.push(code));
    });
    try {
      await new Promise((resolve) => server.once("listening", resolve));
      const { port } = server.address() as AddressInfo;
      const result = await startPeer(command, denoArgs(PEER, "client", `ws://127.0.0.1:${port}/`))
        .result;
      assertExchanged(result);
      assert.deepEqual(closes, [1000], "ws saw a clean close");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("our Deno client talks to Deno.serve's WebSocket server", async () => {
    assertExchanged(await startPeer(command, denoArgs(PEER, "native")).result);
  });

  // The WHATWG classes of websocket-sansio/web on Deno give the traces ours
  // give on Node, which test/whatwg/ checks against Chromium's.
  it("our WHATWG WebSocket and WebSocketStream give the traces they give on Node", {
    timeout: 120_000,
  }, async () => {
    const whatwgPeer = await startWhatwgPeer();
    try {
      const onDeno = startPeer(command, denoArgs("deno-whatwg.js", whatwgPeer.base), 90_000).result;
      const onNode: Record<string, unknown> = {};
      for (const name of SCENARIO_NAMES) {
        onNode[name] = await runScenario(name, NodeWebSocket, whatwgPeer.base);
      }
      for (const name of STREAM_SCENARIO_NAMES) {
        onNode[`stream ${name}`] = await runStreamScenario(
          name,
          WebSocketStream,
          WebSocketError,
          whatwgPeer.base,
        );
      }
      const traces = (await onDeno) as Record<string, unknown>;
      // Through JSON, as Deno's traces came.
      const expected = JSON.parse(JSON.stringify(onNode)) as Record<string, unknown>;
      for (const name of Object.keys(expected))
        assert.deepEqual(traces[name], expected[name], name);
    } finally {
      await whatwgPeer.close();
    }
  });
});
