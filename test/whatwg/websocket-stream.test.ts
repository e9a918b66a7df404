// WebSocketStream, scenario by scenario against Chromium's (stream-scenarios.ts),
// and what a trace cannot show: backpressure both ways, and the stream pair
// on a server's connection. undici 7's WebSocketStream is not compared: in
// these scenarios it crashes the process (an unhandled rejection of `opened`
// when the handshake fails; "Controller is already closed" after
// readable.cancel()).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServerConnection } from "../../src/connection/server.js";
import {
  type CloseEvent,
  serve,
  WebSocket,
  WebSocketError,
  WebSocketStream,
  webSocketStreams,
} from "../../src/node/index.js";
import { bounded } from "../helpers/bounded.js";
import { portOf } from "../node/helpers.js";
import { runStreamScenario, STREAM_SCENARIO_NAMES, STREAM_SCENARIOS } from "./stream-scenarios.js";
import { scenarioTraces } from "./traces.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("WebSocketStream: scenarios against Chromium", { timeout: 120_000 }, () => {
  const { traces, noChromium } = scenarioTraces(
    STREAM_SCENARIO_NAMES,
    {
      ours: (name, base) => bounded(runStreamScenario(name, WebSocketStream, WebSocketError, base)),
    },
    (name, base) =>
      `(${STREAM_SCENARIOS})()[${JSON.stringify(name)}](WebSocketStream, WebSocketError, ${JSON.stringify(base)})`,
  );

  for (const name of STREAM_SCENARIO_NAMES) {
    test(`${name}: the same trace as Chromium`, { skip: noChromium }, () => {
      assert.deepEqual(traces.ours.get(name), traces.chromium.get(name));
    });
  }
});

/** Random bytes (permessage-deflate cannot shrink them). */
function random(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

describe("WebSocketStream: backpressure", { timeout: 30_000 }, () => {
  test("a reader that stops reading stops the server's sends", async () => {
    const total = 200;
    let sent = 0;
    const server = await serve(
      async (connection) => {
        const chunk = random(64 * 1024);
        for (let i = 0; i < total; i++) {
          await connection.send(chunk);
          sent++;
        }
        await connection.closed;
      },
      { host: "127.0.0.1", port: 0, compression: null },
    );
    try {
      const stream = new WebSocketStream(`ws://127.0.0.1:${portOf(server.address)}/`);
      const { readable } = await stream.opened;
      await sleep(300);
      // 12.5 MiB to send; what stops it is the client's full queue (1 MiB),
      // the sockets' buffers and the server's write mark.
      assert.ok(
        sent < total,
        `the server sent all ${sent} messages to a client that does not read`,
      );
      let received = 0;
      for await (const message of readable) {
        assert.ok(message instanceof ArrayBuffer && message.byteLength === 64 * 1024);
        if (++received === total) break;
      }
      assert.equal(sent, total);
      stream.close();
      assert.deepEqual(await stream.closed, { closeCode: 1005, reason: "" });
    } finally {
      await server.close();
    }
  });

  test("a server that stops reading holds the writer's writes", async () => {
    let startReading!: () => void;
    const reading = new Promise<void>((resolve) => (startReading = resolve));
    let received = 0;
    const server = await serve(
      async (connection) => {
        await reading;
        for await (const _ of connection) received++;
      },
      { host: "127.0.0.1", port: 0, compression: null, maxMessageBytes: 1 << 20 },
    );
    try {
      const stream = new WebSocketStream(`ws://127.0.0.1:${portOf(server.address)}/`);
      const { writable } = await stream.opened;
      const writer = writable.getWriter();
      const chunk = random(256 * 1024);
      const total = 200; // 50 MiB: more than the socket buffers hold
      let written = 0;
      const writing = (async () => {
        for (let i = 0; i < total; i++) {
          await writer.ready;
          await writer.write(chunk);
          written++;
        }
      })();
      await sleep(500);
      assert.ok(written < total, `all ${written} writes resolved while the server did not read`);
      startReading();
      await writing;
      assert.equal(written, total);
      await writer.close();
      await stream.closed;
      assert.equal(received, total);
    } finally {
      await server.close();
    }
  });
});

describe("webSocketStreams: the stream pair on a server's connection", () => {
  test("echoes by piping its readable into its writable", { timeout: 10_000 }, async () => {
    let serverClosed: unknown;
    const server = await serve(
      async (connection: ServerConnection) => {
        const { readable, writable, closed } = webSocketStreams(connection);
        await readable.pipeTo(writable).catch(() => {});
        serverClosed = await closed;
      },
      { host: "127.0.0.1", port: 0 },
    );
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${portOf(server.address)}/`);
      ws.binaryType = "arraybuffer";
      const messages: unknown[] = [];
      ws.onmessage = (event) => messages.push(event.data);
      await new Promise((resolve) => ws.addEventListener("open", resolve));
      ws.send("one");
      ws.send(new Uint8Array([1, 2]));
      while (messages.length < 2) await sleep(10);
      assert.equal(messages[0], "one");
      assert.deepEqual(new Uint8Array(messages[1] as ArrayBuffer), new Uint8Array([1, 2]));
      ws.close(4000, "done");
      const event = await new Promise<CloseEvent>((resolve) =>
        ws.addEventListener("close", (e) => resolve(e as CloseEvent)),
      );
      assert.deepEqual([event.code, event.wasClean], [4000, true]);
      await sleep(50);
      assert.deepEqual(serverClosed, { closeCode: 4000, reason: "done" });
    } finally {
      await server.close();
    }
  });
});
