// Our own HTTP/2 framing (src/http2/wire-*.ts over src/core/http2/) against
// an independent HTTP/2 implementation, node:http2 (nghttp2), in both roles:
// our client against a node:http2 server carrying WebSockets (attachHttp2),
// and a node:http2 client carrying our WebSocket client against our server.
// Many WebSockets on one connection, permessage-deflate, messages larger than
// every window (flow control both ways), one stream not read while the
// others flow.

import assert from "node:assert/strict";
import {
  type ClientHttp2Session,
  createServer as createH2cServer,
  createSecureServer,
  connect as http2Connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";
import {
  createServer as createNetServer,
  type Server as NetServer,
  connect as netConnect,
} from "node:net";
import { describe, test } from "node:test";
import { ClientConnection, handshakeOptionsOf } from "../../src/connection/client.js";
import { ExtendedConnectClientProtocol } from "../../src/core/extended-connect-client.js";
import { Headers } from "../../src/core/headers.js";
import { Http2Error, Http2Session } from "../../src/core/http2/index.js";
import { pooledSessions } from "../../src/http2/sessions.js";
import { Http2StreamTransport } from "../../src/http2/transport.js";
import { WireSession } from "../../src/http2/wire-session.js";
import { defaultCompression, nodeDefer } from "../../src/node/defaults.js";
import { connect, type NodeServer, serve } from "../../src/node/index.js";
import { echo, portOf, selfSigned, sleep } from "../node/helpers.js";

const tls = selfSigned();
const T = { timeout: 30_000 };
const trust = { tls: { rejectUnauthorized: false } };
const N = 20;

/** A message larger than a stream's window (64 KiB) and than the connection's default one. */
const big = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
const text = "compressible ".repeat(400);

/** Talks over one WebSocket: text (deflated), a large binary message, a burst. */
async function exchange(client: ClientConnection, tag: string): Promise<void> {
  await client.send(`${tag}:${text}`);
  assert.equal(await client.recv(), `${tag}:${text}`);
  await client.send(big);
  assert.deepEqual(await client.recv(), big);
  for (let i = 0; i < 50; i++) void client.send(`${tag}${i}`);
  for (let i = 0; i < 50; i++) assert.equal(await client.recv(), `${tag}${i}`);
}

/**
 * Our WebSocket client on a node:http2 client stream (Http2StreamTransport,
 * as attachHttp2 uses on the server side): nghttp2 frames it, our core does
 * the WebSocket.
 */
async function nodeClient(session: ClientHttp2Session, url: URL): Promise<ClientConnection> {
  const protocol = new ExtendedConnectClientProtocol(
    url,
    handshakeOptionsOf({ compression: [defaultCompression.client] }, undefined),
  );
  const request = protocol.connect();
  protocol.sendRequest(request);
  const head: OutgoingHttpHeaders = {
    ":method": "CONNECT",
    ":protocol": "websocket",
    ":scheme": request.scheme,
    ":authority": request.authority,
    ":path": request.target,
  };
  for (const [name, value] of request.headers) head[name] = value;
  const stream = session.request(head, { endStream: false });
  const connection = new ClientConnection(protocol, new Http2StreamTransport(stream), {
    defer: nodeDefer,
  });
  stream.once("response", (fields: IncomingHttpHeaders) => {
    const headers = new Headers();
    for (const name in fields) {
      if (!name.startsWith(":")) headers.append(name, String(fields[name]));
    }
    connection.receiveResponse({
      status: Number(fields[":status"]),
      reason: "",
      headers,
      body: new Uint8Array(0),
      version: "2",
    });
  });
  await connection.opened;
  return connection;
}

/** A frame: 9-byte header and payload (RFC 9113 4.1). */
function frame(type: number, flags: number, streamId: number, payload: number[] = []): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, Buffer.from(payload)]);
}

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Sends `bytes` on a raw connection; resolves with the error code of the GOAWAY that came back once the server closed it. */
function goawayFor(port: number, bytes: Buffer): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port }, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(goawayIn(Buffer.concat(chunks))));
  });
}

/** The error code of the first GOAWAY among `frames` (without the preface). */
function goawayIn(frames: Buffer): number | undefined {
  for (let at = 0; at + 9 <= frames.length; ) {
    const length = frames.readUIntBE(at, 3);
    if (frames[at + 3] === 0x7) return frames.readUInt32BE(at + 9 + 4);
    at += 9 + length;
  }
  return undefined;
}

describe("our HTTP/2 framing on sockets: against node:http2 (nghttp2), and broken peers", () => {
  for (const secure of [true, false]) {
    const mode = secure ? "TLS" : "h2c";

    test(
      `our client, a node:http2 server (${mode}): ${N} WebSockets on one connection`,
      T,
      async () => {
        const app = secure
          ? createSecureServer({ ...tls, settings: { maxConcurrentStreams: 1000 } })
          : createH2cServer({ settings: { maxConcurrentStreams: 1000 } });
        let sessions = 0;
        app.on("session", () => sessions++);
        await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
        const server = await serve(echo, { server: app });
        const url = `${secure ? "wss" : "ws"}://127.0.0.1:${portOf(app.address())}/`;
        try {
          const options = { http2: true, ...trust };
          const clients = await Promise.all(Array.from({ length: N }, () => connect(url, options)));
          assert.equal(sessions, 1);
          assert.equal(pooledSessions(), 1);
          for (const client of clients) {
            assert.equal(client.response?.status, 200);
            assert.equal(client.extensions.length, 1);
          }
          await Promise.all(clients.map((client, i) => exchange(client, `c${i}`)));
          const infos = await Promise.all(clients.map((client) => client.close()));
          for (const info of infos) assert.equal(info.wasClean, true);
          for (let i = 0; i < 50 && pooledSessions() > 0; i++) await sleep(10);
          assert.equal(pooledSessions(), 0);
        } finally {
          await server.close();
          await new Promise((resolve) => app.close(resolve));
        }
      },
    );

    test(
      `a node:http2 client, our server (${mode}): ${N} WebSockets on one connection`,
      T,
      async () => {
        const server = await serve(echo, {
          host: "127.0.0.1",
          port: 0,
          ...(secure ? { tls } : { h2c: true }),
        });
        const origin = `${secure ? "https" : "http"}://127.0.0.1:${portOf(server.address)}`;
        const session = http2Connect(origin, { rejectUnauthorized: false });
        session.on("error", () => {});
        try {
          const url = new URL(`${secure ? "wss" : "ws"}://127.0.0.1:${portOf(server.address)}/`);
          const clients = await Promise.all(
            Array.from({ length: N }, () => nodeClient(session, url)),
          );
          assert.equal(server.connections.size, N);
          for (const client of clients) assert.equal(client.extensions.length, 1);
          await Promise.all(clients.map((client, i) => exchange(client, `n${i}`)));
          const infos = await Promise.all(clients.map((client) => client.close()));
          for (const info of infos) assert.equal(info.wasClean, true);
        } finally {
          session.destroy();
          await server.close();
        }
      },
    );
  }

  test("one WebSocket not read while the others on its connection keep flowing", T, async () => {
    const chunk = new Uint8Array(64 * 1024);
    let stuckSends = 0;
    const server = await serve(
      async (connection) => {
        if (connection.request?.target !== "/flood") return echo(connection);
        for (;;) {
          await connection.send(chunk);
          stuckSends++;
        }
      },
      { host: "127.0.0.1", port: 0, h2c: true, compression: null },
    );
    const base = `ws://127.0.0.1:${portOf(server.address)}`;
    const options = { http2: true };
    try {
      const flood = await connect(`${base}/flood`, options);
      // Our client stops reading: its stream's window shuts, the server's send() waits.
      flood.pauseReading();
      const others = await Promise.all(
        Array.from({ length: 5 }, () => connect(`${base}/`, options)),
      );
      assert.equal(pooledSessions(), 1);
      await sleep(300);
      const before = stuckSends;
      assert.ok(before < 16, `${before} sends went through`);
      await Promise.all(others.map((client, i) => exchange(client, `o${i}`)));
      assert.equal(stuckSends, before);
      // Reading again: the window reopens and the flood goes on.
      flood.resumeReading();
      for (let i = 0; i < 20; i++) assert.equal(((await flood.recv()) as Uint8Array).length, 65536);
      assert.ok(stuckSends > before);
      await Promise.all(others.map((client) => client.close()));
    } finally {
      await server.close();
    }
  });

  test(
    "500 WebSockets on one connection, permessage-deflate on, our framing both ways",
    T,
    async () => {
      const server: NodeServer = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        h2c: true,
        maxConcurrentStreams: 1000,
      });
      const url = `ws://127.0.0.1:${portOf(server.address)}/`;
      try {
        const clients = await Promise.all(
          Array.from({ length: 500 }, () => connect(url, { http2: true })),
        );
        assert.equal(pooledSessions(), 1);
        assert.equal(server.connections.size, 500);
        await Promise.all(
          clients.map(async (client, i) => {
            assert.equal(client.extensions.length, 1);
            for (let j = 0; j < 5; j++) {
              await client.send(`${i}.${j}:${text}`);
              assert.equal(await client.recv(), `${i}.${j}:${text}`);
            }
          }),
        );
        const infos = await Promise.all(clients.map((client) => client.close()));
        for (const info of infos)
          assert.deepEqual(info, { code: 1000, reason: "", wasClean: true });
        for (let i = 0; i < 50 && server.connections.size > 0; i++) await sleep(10);
        assert.equal(server.connections.size, 0);
      } finally {
        await server.close();
      }
    },
  );

  test(
    "a peer's broken framing ends its own connection with GOAWAY; the server goes on",
    T,
    async () => {
      const errors: unknown[] = [];
      const server = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        h2c: true,
        logger: (record) => void (record.level === "error" && errors.push(record.message)),
      });
      const port = portOf(server.address);
      try {
        const settings = frame(0x4, 0, 0);
        // SETTINGS of 5 bytes (not a multiple of 6): FRAME_SIZE_ERROR (RFC 9113 6.5).
        assert.equal(
          await goawayFor(port, Buffer.concat([PREFACE, frame(0x4, 0, 0, [0, 0, 0, 0, 0])])),
          6,
        );
        // DATA on stream 0: PROTOCOL_ERROR (RFC 9113 6.1).
        assert.equal(
          await goawayFor(port, Buffer.concat([PREFACE, settings, frame(0x0, 0, 0, [1])])),
          1,
        );
        // A header block naming dynamic table entry 70 of an empty table: COMPRESSION_ERROR.
        const badBlock = frame(0x1, 0x4 | 0x1, 1, [0x80 | 70]);
        assert.equal(await goawayFor(port, Buffer.concat([PREFACE, settings, badBlock])), 9);
        // A frame larger than our SETTINGS_MAX_FRAME_SIZE (64 KiB): FRAME_SIZE_ERROR.
        const huge = frame(
          0x0,
          0,
          1,
          Array.from({ length: 65_537 }, () => 0),
        );
        assert.equal(await goawayFor(port, Buffer.concat([PREFACE, settings, huge])), 6);
        const client = await connect(`ws://127.0.0.1:${port}/`, { http2: true });
        await exchange(client, "after");
        await client.close();
        // Each broken session was logged as the peer's fault.
        assert.equal(errors.length, 4);
      } finally {
        await server.close();
      }
    },
  );

  test("a peer that floods PINGs and never reads is cut off; memory stays bounded", T, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0, h2c: true });
    const port = portOf(server.address);
    try {
      const ping = frame(0x6, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]);
      const burst = Buffer.concat([...Array.from({ length: 4096 }, () => ping)]);
      const socket = netConnect({ host: "127.0.0.1", port });
      socket.on("error", () => {});
      socket.pause(); // never reads: the server's answers back up
      await new Promise((resolve) => socket.once("connect", resolve));
      // (Our SETTINGS acknowledged: the flood, not the SETTINGS timeout, ends it.)
      socket.write(Buffer.concat([PREFACE, frame(0x4, 0, 0), frame(0x4, 0x1, 0)]));
      const closed = new Promise((resolve) => socket.once("close", resolve));
      let sentBytes = 0;
      let open = true;
      void closed.then(() => (open = false));
      const used = (): number =>
        process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
      const usedBefore = used();
      // Up to 64 MB of PINGs (3.9 million), as fast as the server reads them.
      while (open && sentBytes < 64 << 20) {
        if (!socket.write(burst)) await new Promise((resolve) => setTimeout(resolve, 5));
        sentBytes += burst.length;
      }
      // The answers did not pile up in the server (this process).
      assert.ok(used() - usedBefore < 32 << 20);
      // Reading now: what the server had written, its GOAWAY, then its close.
      const received: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => received.push(chunk));
      socket.resume();
      await Promise.race([closed, sleep(10_000)]);
      assert.equal(open, false, "the server did not close the flooding connection");
      // GOAWAY with ENHANCE_YOUR_CALM (RFC 9113 7).
      assert.equal(goawayIn(Buffer.concat(received)), 11);
      const client = await connect(`ws://127.0.0.1:${port}/`, { http2: true });
      await exchange(client, "after");
      await client.close();
    } finally {
      await server.close();
    }
  });

  test(
    "a WebSocket whose peer stops reading the whole connection still closes on its timeout",
    T,
    async () => {
      const server = await serve(
        async (connection) => {
          // Far more than the socket buffers hold: the connection's socket backs up.
          const chunk = new Uint8Array(256 * 1024);
          for (let i = 0; i < 64; i++) void connection.send(chunk).catch(() => {});
          await connection.close().catch(() => {});
        },
        { host: "127.0.0.1", port: 0, h2c: true, compression: null, closeTimeoutMs: 300 },
      );
      const port = portOf(server.address);
      // A literal field without indexing, new name (RFC 7541 6.2.2), no Huffman.
      const literal = (name: string, value: string): number[] => [
        0x00,
        name.length,
        ...Buffer.from(name),
        value.length,
        ...Buffer.from(value),
      ];
      const block = [
        ...literal(":method", "CONNECT"),
        ...literal(":protocol", "websocket"),
        ...literal(":scheme", "http"),
        ...literal(":path", "/"),
        ...literal(":authority", "x"),
        ...literal("sec-websocket-version", "13"),
      ];
      const u32 = (n: number): number[] => [
        n >>> 24,
        (n >>> 16) & 0xff,
        (n >>> 8) & 0xff,
        n & 0xff,
      ];
      const socket = netConnect({ host: "127.0.0.1", port });
      socket.on("error", () => {});
      try {
        await new Promise((resolve) => socket.once("connect", resolve));
        socket.pause(); // never reads
        socket.write(
          Buffer.concat([
            PREFACE,
            // Windows as large as allowed: only the socket holds the server back.
            frame(0x4, 0, 0, [0, 0x4, ...u32(0x7fffffff)]),
            frame(0x8, 0, 0, u32(0x7fffffff - 65_535)),
            frame(0x1, 0x4, 1, block),
          ]),
        );
        for (let i = 0; i < 100 && server.connections.size === 0; i++) await sleep(10);
        assert.equal(server.connections.size, 1);
        // The close handshake cannot happen; its timeout resets the stream, and
        // the connection learns its close although the socket stays backed up.
        for (let i = 0; i < 300 && server.connections.size > 0; i++) await sleep(10);
        assert.equal(server.connections.size, 0);
      } finally {
        socket.destroy();
        await server.close();
      }
    },
  );
});

describe("our HTTP/2 framing on sockets: DATA frames of one read reach a WebSocket as one read", () => {
  test(
    "a message, then a bad frame, in two DATA frames of one write: the echo leaves before the 1002",
    T,
    async () => {
      const server = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        h2c: true,
        compression: null,
      });
      const socket = netConnect(portOf(server.address), "127.0.0.1");
      const h2 = new Http2Session({ role: "client" });
      const write = (): void => {
        const { chunks } = h2.takeOutput();
        if (chunks.length > 0) socket.write(Buffer.concat(chunks));
      };
      const received: Uint8Array[] = [];
      // Masked with the key 0: a text "hi", then a text with RSV2 set (RFC 6455 5.2: fail, 1002).
      const good = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]);
      const bad = Buffer.from([0xa1, 0x82, 0, 0, 0, 0, 0x68, 0x69]);
      try {
        const done = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no close frame within 5 s")), 5_000);
          let id = 0;
          socket.on("data", (bytes: Buffer) => {
            h2.receiveData(bytes);
            for (const event of h2.takeEvents()) {
              if (event.type === "settings" && id === 0) {
                id = h2.request([
                  [":method", "CONNECT"],
                  [":protocol", "websocket"],
                  [":scheme", "http"],
                  [":authority", "127.0.0.1"],
                  [":path", "/"],
                  ["sec-websocket-version", "13"],
                ]);
              } else if (event.type === "headers" && event.streamId === id) {
                // Two DATA frames, one socket write: one read on the server.
                h2.sendData(id, [good]);
                h2.sendData(id, [bad]);
              } else if (event.type === "data" && event.streamId === id) {
                received.push(event.data);
                h2.consume(id, event.data.length);
                const all = Buffer.concat(received);
                if (all.includes(0x88)) {
                  clearTimeout(timer);
                  resolve();
                }
              }
            }
            write();
          });
        });
        socket.on("connect", write);
        await done;
        const all = Buffer.concat(received);
        // The echo of "hi" (unmasked), then the close frame with 1002.
        assert.deepEqual([...all.subarray(0, 4)], [0x81, 0x02, 0x68, 0x69]);
        assert.equal(all[4], 0x88);
        assert.equal(all.readUInt16BE(6), 1002);
      } finally {
        socket.destroy();
        await server.close();
      }
    },
  );
});

describe("our HTTP/2 framing on sockets: the SETTINGS timeout (RFC 9113 6.5.3)", () => {
  const TIMEOUT_MS = 200;
  const settingsAck = frame(0x4, 0x1, 0);

  test(
    "a client that never acknowledges our SETTINGS: GOAWAY SETTINGS_TIMEOUT, closed",
    T,
    async () => {
      const errors: string[] = [];
      const server = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        h2c: true,
        settingsTimeoutMs: TIMEOUT_MS,
        logger: (record) => void (record.level === "error" && errors.push(String(record.message))),
      });
      try {
        const started = performance.now();
        // Its own SETTINGS (which the server acknowledges), never an ACK of the server's.
        const code = await goawayFor(
          portOf(server.address),
          Buffer.concat([PREFACE, frame(0x4, 0, 0)]),
        );
        const elapsedMs = performance.now() - started;
        assert.equal(code, 0x4, "GOAWAY SETTINGS_TIMEOUT");
        assert.ok(elapsedMs >= TIMEOUT_MS - 20, `closed after ${elapsedMs} ms, before the timeout`);
        assert.ok(elapsedMs < TIMEOUT_MS + 3_000, `closed after ${elapsedMs} ms`);
        assert.equal(errors.length, 1, "logged as the peer's fault");
      } finally {
        await server.close();
      }
    },
  );

  test("a client that acknowledges them keeps its connection past the timeout", T, async () => {
    const server = await serve(echo, {
      host: "127.0.0.1",
      port: 0,
      h2c: true,
      settingsTimeoutMs: TIMEOUT_MS,
    });
    const socket = netConnect(portOf(server.address), "127.0.0.1");
    try {
      const received: Buffer[] = [];
      let closed = false;
      socket.on("data", (chunk: Buffer) => received.push(chunk));
      socket.on("close", () => (closed = true));
      socket.on("error", () => {});
      socket.write(Buffer.concat([PREFACE, frame(0x4, 0, 0), settingsAck]));
      await sleep(3 * TIMEOUT_MS);
      assert.equal(closed, false);
      assert.equal(goawayIn(Buffer.concat(received)), undefined);
      // Still served: a PING is answered (PING with ACK, the same octets).
      const ping = [1, 2, 3, 4, 5, 6, 7, 8];
      const before = Buffer.concat(received).length;
      socket.write(frame(0x6, 0, 0, ping));
      const pong = frame(0x6, 0x1, 0, ping);
      for (let i = 0; i < 100 && !Buffer.concat(received).subarray(before).equals(pong); i++)
        await sleep(10);
      assert.deepEqual(Buffer.concat(received).subarray(before), pong);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  test(
    "our client's session on a server that never acknowledges: GOAWAY SETTINGS_TIMEOUT, failed",
    T,
    async () => {
      const peerReceived: Buffer[] = [];
      let peerGone!: () => void;
      const peerClosed = new Promise<void>((resolve) => (peerGone = resolve));
      const raw: NetServer = createNetServer((socket) => {
        socket.on("data", (chunk: Buffer) => peerReceived.push(chunk));
        socket.on("close", () => peerGone());
        socket.on("error", () => {});
        // Extended CONNECT enabled; our client's SETTINGS never acknowledged.
        socket.write(frame(0x4, 0, 0, [0, 8, 0, 0, 0, 1]));
      });
      await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
      const socket = netConnect(portOf(raw.address()), "127.0.0.1");
      const failures: Error[] = [];
      let settings = 0;
      const closed = new Promise<void>((resolve) => {
        new WireSession(
          socket,
          new Http2Session({ role: "client" }),
          {
            settings: () => void settings++,
            failed: (_wire, error) => void failures.push(error),
            closed: () => resolve(),
          },
          TIMEOUT_MS,
        );
      });
      try {
        const started = performance.now();
        // (Bounded: a session that never closes fails here, not at the test's timeout.)
        const done = Promise.all([closed, peerClosed]).then(() => true);
        assert.equal(await Promise.race([done, sleep(5_000).then(() => false)]), true);
        const elapsedMs = performance.now() - started;
        assert.equal(settings, 1, "the server's SETTINGS applied");
        assert.equal(failures.length, 1);
        assert.ok(failures[0] instanceof Http2Error);
        assert.equal(failures[0].code, 0x4);
        assert.ok(
          elapsedMs >= TIMEOUT_MS - 20 && elapsedMs < TIMEOUT_MS + 3_000,
          `${elapsedMs} ms`,
        );
        // After the client's preface, SETTINGS, WINDOW_UPDATE and ACK: GOAWAY SETTINGS_TIMEOUT.
        assert.equal(goawayIn(Buffer.concat(peerReceived).subarray(PREFACE.length)), 0x4);
      } finally {
        socket.destroy();
        await new Promise((resolve) => raw.close(resolve));
      }
    },
  );
});
