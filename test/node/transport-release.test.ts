// The Node transport frees a read at once when the connection kept nothing
// of it (src/node/transport.ts, `release`): only a read that is its whole
// ArrayBuffer and that no other `data` listener sees; and a 1 MiB echo over a
// real socket comes back intact.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, connect as netConnect, type Socket } from "node:net";
import { describe, test } from "node:test";
import WebSocket from "ws";
import type { TransportHandler } from "../../src/connection/transport.js";
import { serve } from "../../src/node/index.js";
import { SocketTransport } from "../../src/node/transport.js";
import { echo, portOf } from "./helpers.js";

const T = { timeout: 20_000 };
const canDetach = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === "function";

async function socketPair(): Promise<[Socket, Socket, () => Promise<void>]> {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = netConnect({ host: "127.0.0.1", port: portOf(server.address()) });
  await new Promise<void>((resolve) => client.once("connect", resolve));
  const socket = await accepted;
  return [
    client,
    socket,
    async () => {
      client.destroy();
      socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  ];
}

/** A handler that answers `answer` for every read; records the reads and their lengths when read. */
function recorder(answer: boolean, expected: number) {
  const chunks: Uint8Array[] = [];
  // Whether each read was its whole ArrayBuffer when it came.
  const whole: boolean[] = [];
  let bytes = 0;
  let resolve: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const handler: TransportHandler = {
    onData: (chunk) => {
      chunks.push(chunk);
      whole.push(chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength);
      bytes += chunk.byteLength;
      if (bytes >= expected) resolve();
      return answer;
    },
    onEnd: () => {},
    onDrain: () => {},
    onError: () => {},
    onClose: () => {},
  };
  return { handler, chunks, whole, done };
}

const SENT = 200_000;

async function readsOf(
  answer: boolean,
  extraListener: boolean,
): Promise<{ chunks: Uint8Array[]; whole: boolean[]; extra: number[] }> {
  const [client, socket, close] = await socketPair();
  const { handler, chunks, whole, done } = recorder(answer, SENT);
  new SocketTransport(socket).start(handler);
  const extra: number[] = [];
  if (extraListener) socket.on("data", (chunk: Buffer) => extra.push(chunk.byteLength));
  client.write(Buffer.alloc(SENT, 1));
  await done;
  await close();
  return { chunks, whole, extra };
}

describe("SocketTransport: freeing reads the connection kept nothing of", () => {
  test("detaches the reads answered true", { ...T, skip: !canDetach }, async () => {
    const { chunks, whole } = await readsOf(true, false);
    // Node's full reads are each their own ArrayBuffer: detached (length 0);
    // a read that shares its ArrayBuffer is left alone.
    assert.ok(whole.some(Boolean), "some reads were whole ArrayBuffers");
    for (const [i, chunk] of chunks.entries()) {
      if (whole[i]) assert.equal(chunk.byteLength, 0, `read ${i}`);
      else assert.ok(chunk.byteLength > 0, `read ${i}`);
    }
  });

  test("leaves the reads answered false alone", T, async () => {
    const { chunks } = await readsOf(false, false);
    assert.equal(
      chunks.reduce((n, c) => n + c.byteLength, 0),
      SENT,
    );
  });

  test("leaves the reads alone while another data listener sees them", T, async () => {
    const { chunks, extra } = await readsOf(true, true);
    assert.equal(
      chunks.reduce((n, c) => n + c.byteLength, 0),
      SENT,
    );
    assert.equal(
      extra.reduce((n, c) => n + c, 0),
      SENT,
    );
  });

  test("echoes 1 MiB messages intact, several in flight", T, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0, maxMessageBytes: 8 << 20 });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${portOf(server.address)}/`, {
        perMessageDeflate: false,
      });
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const messages = [randomBytes(1 << 20), randomBytes((1 << 20) + 3), randomBytes(300_001)];
      const replies: Buffer[] = [];
      const all = new Promise<void>((resolve) =>
        ws.on("message", (data: Buffer) => {
          replies.push(data);
          if (replies.length === messages.length) resolve();
        }),
      );
      for (const message of messages) ws.send(message);
      await all;
      for (const [i, message] of messages.entries()) assert.ok(replies[i]!.equals(message), `${i}`);
      ws.close();
    } finally {
      await server.close();
    }
  });
});
