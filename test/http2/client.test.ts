// Our client over HTTP/2: many WebSockets on one session, the session's
// lifetime, and the typed errors when a server does not offer RFC 8441.

import assert from "node:assert/strict";
import {
  createServer as createH2cServer,
  createSecureServer,
  type Http2SecureServer,
  type Http2Server,
} from "node:http2";
import { describe, test } from "node:test";
import { TransportError } from "../../src/connection/errors.js";
import { HandshakeError } from "../../src/core/errors.js";
import { HeaderListTooLargeForPeerError } from "../../src/core/http2/index.js";
import { pooledSessions } from "../../src/http2/sessions.js";
import {
  connect,
  Http2UnsupportedError,
  reconnect,
  serve,
  TimeoutError,
} from "../../src/node/index.js";
import { echo, portOf, roundTrip, selfSigned, sleep } from "../node/helpers.js";

const tls = selfSigned();
const T = { timeout: 30_000 };
const trust = { tls: { rejectUnauthorized: false } };

describe("connecting over HTTP/2", () => {
  test(
    "200 WebSockets share one session, permessage-deflate on, and it closes after the last",
    T,
    async () => {
      let sessionsSeen = 0;
      const server = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        tls,
        maxConcurrentStreams: 250,
      });
      server.listener!.on("secureConnection", () => sessionsSeen++);
      const url = `wss://127.0.0.1:${portOf(server.address)}/`;
      try {
        const clients = await Promise.all(
          Array.from({ length: 200 }, () => connect(url, { http2: true, ...trust })),
        );
        assert.equal(pooledSessions(), 1);
        assert.equal(sessionsSeen, 1);
        assert.equal(server.connections.size, 200);
        const text = "compressible ".repeat(500);
        await Promise.all(
          clients.map(async (client, i) => {
            assert.equal(client.extensions.length, 1);
            await client.send(`${i}:${text}`);
            assert.equal(await client.recv(), `${i}:${text}`);
          }),
        );
        // Half of them close: the session stays for the others.
        await Promise.all(clients.slice(0, 100).map((client) => client.close()));
        assert.equal(pooledSessions(), 1);
        await clients[150]!.send("still");
        assert.equal(await clients[150]!.recv(), "still");
        await Promise.all(clients.slice(100).map((client) => client.close()));
        for (let i = 0; i < 50 && pooledSessions() > 0; i++) await sleep(10);
        assert.equal(pooledSessions(), 0);
        // The next WebSocket opens a new session.
        const again = await connect(url, { http2: true, ...trust });
        assert.equal(sessionsSeen, 2);
        await again.close();
      } finally {
        await server.close();
      }
    },
  );

  test("waits for a free stream under the server's maxConcurrentStreams, in order", T, async () => {
    const server = await serve(echo, {
      host: "127.0.0.1",
      port: 0,
      h2c: true,
      maxConcurrentStreams: 3,
    });
    const url = `ws://127.0.0.1:${portOf(server.address)}/`;
    const options = { http2: true };
    try {
      const first = await Promise.all([0, 1, 2].map(() => connect(url, options)));
      const opened: number[] = [];
      const waiting = [3, 4].map((i) =>
        connect(url, options).then((client) => {
          opened.push(i);
          return client;
        }),
      );
      // One that gives up: its place is not kept from the others.
      await assert.rejects(connect(url, { http2: true, openTimeoutMs: 100 }), TimeoutError);
      assert.deepEqual(opened, []);
      assert.equal(server.connections.size, 3);
      await first[0]!.close();
      for (let i = 0; i < 50 && opened.length < 1; i++) await sleep(10);
      assert.deepEqual(opened, [3]);
      await first[1]!.close();
      const [third, fourth] = await Promise.all(waiting);
      assert.deepEqual(opened, [3, 4]);
      assert.equal(pooledSessions(), 1);
      for (const client of [third!, fourth!]) await roundTrip(client, "after waiting");
      await Promise.all([first[2]!, third!, fourth!].map((client) => client.close()));
    } finally {
      await server.close();
    }
  });

  test("fails with Http2UnsupportedError, or falls back to HTTP/1.1 when asked", T, async () => {
    // A TLS server that offers only http/1.1 in ALPN.
    const h1only = await serve(echo, { host: "127.0.0.1", port: 0, tls, http2: false });
    // An HTTP/2 server whose SETTINGS do not enable extended CONNECT.
    const plain = createSecureServer(tls, (_request, response) => response.end());
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    try {
      for (const port of [portOf(h1only.address), (plain.address() as { port: number }).port]) {
        await assert.rejects(
          connect(`wss://127.0.0.1:${port}/`, { http2: true, ...trust }),
          (error: Error) =>
            error instanceof Http2UnsupportedError &&
            /Cannot open WebSocket over HTTP\/2: https:\/\/127.0.0.1:\d+ does not/.test(
              error.message,
            ),
        );
      }
      const fallen = await connect(`wss://127.0.0.1:${portOf(h1only.address)}/`, {
        http2: true,
        http2Fallback: true,
        ...trust,
      });
      assert.equal(fallen.response?.status, 101);
      await roundTrip(fallen, "h1");
      assert.equal(pooledSessions(), 0);
      // Cleartext: a server that does not take h2c answers the preface with HTTP/1.1.
      const h1plain = await serve(echo, { host: "127.0.0.1", port: 0 });
      const plainUrl = `ws://127.0.0.1:${portOf(h1plain.address)}/`;
      await assert.rejects(
        connect(plainUrl, { http2: true }),
        /does not answer HTTP\/2 with prior knowledge/,
      );
      const fellBack = await connect(plainUrl, { http2: true, http2Fallback: true });
      assert.equal(fellBack.response?.status, 101);
      await fellBack.close();
      await h1plain.close();
    } finally {
      await h1only.close();
      plain.close();
    }
  });

  test("reconnect() opens each new connection as a stream too", T, async () => {
    const server = await serve(
      async (connection) => {
        await connection.send(`${connection.request?.method}`);
        await connection.close();
      },
      { host: "127.0.0.1", port: 0, h2c: true },
    );
    try {
      const seen: unknown[] = [];
      const url = `ws://127.0.0.1:${portOf(server.address)}/`;
      for await (const connection of reconnect(url, { http2: true, initialDelayMs: 10 })) {
        seen.push(await connection.recv());
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, ["CONNECT", "CONNECT", "CONNECT"]);
    } finally {
      await server.close();
    }
  });

  test(
    "headers over the server's SETTINGS_MAX_HEADER_LIST_SIZE are refused before sending; the session goes on",
    T,
    async () => {
      let requests = 0;
      const server = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        h2c: true,
        processRequest: () => void requests++,
      });
      const url = `ws://127.0.0.1:${portOf(server.address)}/`;
      try {
        // Our server advertises 16,384 bytes (RFC 9113 6.5.2 sizes).
        const first = await connect(url, { http2: true });
        await assert.rejects(
          connect(url, { http2: true, headers: { cookie: "c".repeat(16_384) } }),
          (error: Error) =>
            error instanceof TransportError &&
            error.cause instanceof HeaderListTooLargeForPeerError &&
            error.cause.maxHeaderListBytes === 16_384 &&
            /over the peer's SETTINGS_MAX_HEADER_LIST_SIZE 16384 \(our fault\)/.test(error.message),
        );
        // Nothing reached the server, and the shared session still carries WebSockets.
        assert.equal(requests, 1);
        const second = await connect(url, { http2: true, headers: { cookie: "c".repeat(100) } });
        assert.equal(requests, 2);
        await roundTrip(first, "still");
        await roundTrip(second, "fits");
      } finally {
        await server.close();
      }
    },
  );

  test("a refusal is a HandshakeError with its status; a silent server times out", T, async () => {
    const server = await serve(echo, {
      host: "127.0.0.1",
      port: 0,
      tls,
      origins: ["https://ok.example"],
      processRequest: (request) => (request.target === "/hang" ? new Promise(() => {}) : undefined),
    });
    const url = `wss://127.0.0.1:${portOf(server.address)}`;
    try {
      await assert.rejects(
        connect(`${url}/`, { http2: true, ...trust, origin: "https://evil.example" }),
        (error: Error) => error instanceof HandshakeError && error.status === 403,
      );
      await assert.rejects(
        connect(`${url}/hang`, { http2: true, ...trust, openTimeoutMs: 300 }),
        TimeoutError,
      );
      const ok = await connect(`${url}/`, { http2: true, ...trust, origin: "https://ok.example" });
      await ok.close();
    } finally {
      await server.close();
    }
  });
  test(
    "a refusal's HandshakeError carries its body, cut at 64 KiB as over HTTP/1.1",
    T,
    async () => {
      const server = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        h2c: true,
        processRequest: (request, connection) =>
          request.target === "/nope" ? connection.reject(403, "Not for you\n") : undefined,
      });
      // A server whose refusal has a body longer than the client keeps, sent
      // in many DATA frames.
      const big = await listen(createH2cServer({ settings: { enableConnectProtocol: true } }));
      big.on("stream", (stream) => {
        stream.respond({ ":status": 400, "content-type": "text/plain" });
        stream.end("x".repeat(100_000));
      });
      try {
        await assert.rejects(
          connect(`ws://127.0.0.1:${portOf(server.address)}/nope`, { http2: true }),
          (error: Error) =>
            error instanceof HandshakeError &&
            error.status === 403 &&
            new TextDecoder().decode(error.body) === "Not for you\n",
        );
        await assert.rejects(
          connect(`ws://localhost:${portOf(big.address())}/`, { http2: true }),
          (error: Error) =>
            error instanceof HandshakeError &&
            error.status === 400 &&
            error.body?.length === 65_536 &&
            error.body.every((byte) => byte === 0x78),
        );
        // The session stays usable for the WebSockets that are accepted.
        const ok = await connect(`ws://127.0.0.1:${portOf(server.address)}/`, { http2: true });
        await roundTrip(ok, "after");
      } finally {
        await server.close();
        big.close();
      }
    },
  );

  test(
    "follows redirects as over HTTP/1.1, within maxRedirects, and refuses wss: to ws:",
    T,
    async () => {
      let authorization: string | null | undefined = "unset";
      const server = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        h2c: true,
        processRequest: (request) => {
          authorization = request.headers.get("authorization");
          return undefined;
        },
      });
      const target = `ws://127.0.0.1:${portOf(server.address)}/there`;
      // Redirects from another host name (localhost), in cleartext and over TLS.
      const redirecting = (stream: import("node:http2").ServerHttp2Stream) => {
        stream.respond({ ":status": 302, location: target });
        stream.end();
      };
      const h2c = await listen(createH2cServer({ settings: { enableConnectProtocol: true } }));
      h2c.on("stream", redirecting);
      const secure = await listen(
        createSecureServer({ ...tls, settings: { enableConnectProtocol: true } }),
      );
      secure.on("stream", redirecting);
      try {
        const client = await connect(`ws://localhost:${portOf(h2c.address())}/here`, {
          http2: true,
          headers: { Authorization: "Bearer secret" },
        });
        assert.equal(client.request?.target, "/there");
        assert.equal(client.request?.method, "CONNECT");
        // Another host: the credentials stayed behind.
        assert.equal(authorization, undefined);
        await roundTrip(client, "moved");
        await assert.rejects(
          connect(`ws://localhost:${portOf(h2c.address())}/here`, { http2: true, maxRedirects: 0 }),
          (error: Error) =>
            error instanceof HandshakeError &&
            error.status === 302 &&
            /more than 0 redirects/.test(error.message),
        );
        await assert.rejects(
          connect(`wss://localhost:${portOf(secure.address())}/here`, { http2: true, ...trust }),
          (error: Error) =>
            error instanceof HandshakeError &&
            /Cannot follow redirect to insecure URL/.test(error.message),
        );
      } finally {
        await server.close();
        h2c.close();
        secure.close();
      }
    },
  );
});

async function listen<S extends Http2Server | Http2SecureServer>(server: S): Promise<S> {
  await new Promise<void>((resolve) => server.listen(0, "localhost", resolve));
  return server;
}
