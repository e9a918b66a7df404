// sniffPreface: how an h2c server tells cleartext HTTP/2 from HTTP/1.1 by
// the first bytes, and that it leaves nothing on a connection once told.

import assert from "node:assert/strict";
import { createServer, connect as netConnect, type Socket } from "node:net";
import { describe, test } from "node:test";
import { sniffPreface } from "../../src/http2/server.js";
import { portOf } from "../node/helpers.js";

const T = { timeout: 10_000 };

/** A server whose sockets go through sniffPreface; resolves each one's verdict and socket. */
async function sniffing(timeoutMs: number) {
  const verdicts: Promise<{ kind: "http1" | "http2"; socket: Socket; first: string }>[] = [];
  const server = createServer((socket) => {
    verdicts.push(
      new Promise((resolve) => {
        // Either side gets the bytes read to tell it apart, as the first of its input.
        const http1 = (s: Socket, head: Uint8Array) =>
          resolve({ kind: "http1", socket: s, first: Buffer.from(head).toString() });
        const http2 = (s: Socket, head: Uint8Array) =>
          resolve({ kind: "http2", socket: s, first: Buffer.from(head).toString() });
        sniffPreface(socket, http1, http2, timeoutMs);
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, verdicts, port: portOf(server.address()) };
}

function dial(port: number, bytes?: string): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: "127.0.0.1", port }, () => {
      if (bytes !== undefined) socket.write(bytes);
      resolve(socket);
    });
    socket.on("error", () => {});
  });
}

describe("sniffPreface", () => {
  test("tells the preface from HTTP/1.1, and leaves no timer or listener behind", T, async () => {
    const { server, verdicts, port } = await sniffing(5000);
    const http1 = await dial(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const http2 = await dial(port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    try {
      const [a, b] = await Promise.all(verdicts);
      assert.equal(a?.kind, "http1");
      assert.match(a?.first ?? "", /^GET \/ HTTP\/1\.1/);
      assert.equal(b?.kind, "http2");
      assert.match(b?.first ?? "", /^PRI \* HTTP\/2\.0/);
      for (const { socket } of [a!, b!]) {
        // socket.setTimeout would have left its timeout, timer and listener
        // on every connection for its life.
        assert.equal(socket.timeout, undefined);
        assert.equal(socket.listenerCount("timeout"), 0);
        assert.equal(socket.listenerCount("error"), 0);
        assert.equal(socket.listenerCount("close"), 0);
      }
    } finally {
      http1.destroy();
      http2.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("a connection that sends nothing is closed after the timeout", T, async () => {
    const { server, port } = await sniffing(100);
    const silent = await dial(port);
    try {
      const started = performance.now();
      await new Promise((resolve) => silent.once("close", resolve));
      assert.ok(performance.now() - started >= 50);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
