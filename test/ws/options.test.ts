// Options and sends of ws 8 beyond the README, each run with real ws and with
// the facade, and compared: `autoPong: false` (client and server), Blob sends
// (ws 8.18) in call order, redirects (`followRedirects`, `maxRedirects`, the
// `redirect` event), `send(data, { compress: false })`,
// `allowSynchronousEvents: false`, `createConnection`.

import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { type AddressInfo, connect as netConnect } from "node:net";
import type { Duplex } from "node:stream";
import { describe, test } from "node:test";
import RealWebSocket, { WebSocketServer as RealServer } from "ws";
import WebSocket, { WebSocketServer } from "../../src/ws/index.js";
import { closed, closeServer, open } from "./helpers.js";

const T = { timeout: 10_000 };
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type AnyServer = typeof RealServer | typeof WebSocketServer;
type AnyClient = typeof RealWebSocket | typeof WebSocket;

async function listen(Server: AnyServer, options: Record<string, unknown> = {}) {
  const wss = new (Server as typeof RealServer)({ host: "127.0.0.1", port: 0, ...options });
  await once(wss, "listening");
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
}

/**
 * The server pings its client; what each side saw within 200 ms. `on` is
 * the side with `autoPong` set (as an option of that side).
 */
async function pingTrace(
  Server: AnyServer,
  Client: AnyClient,
  on: "client" | "server",
  autoPong: boolean | undefined,
): Promise<string[]> {
  const trace: string[] = [];
  const option = autoPong === undefined ? {} : { autoPong };
  const { wss, url } = await listen(Server, on === "server" ? option : {});
  const serverSide = new Promise<RealWebSocket>((resolve) =>
    wss.on("connection", (ws) => resolve(ws as RealWebSocket)),
  );
  const client = new (Client as typeof RealWebSocket)(url, on === "client" ? option : {});
  await open(client);
  const server = await serverSide;
  // The side under test is pinged by the other.
  const [pinger, pinged] = on === "client" ? [server, client] : [client, server];
  pinged.on("ping", (data) => trace.push(`ping ${data}`));
  pinger.on("pong", (data) => trace.push(`pong ${data}`));
  pinger.ping("hi");
  await tick(200);
  // An application that answers itself.
  if (autoPong === false) pinged.pong("mine");
  await tick(100);
  const done = closed(client);
  client.close();
  await done;
  await closeServer(wss);
  return trace;
}

describe("ws facade: autoPong", () => {
  for (const on of ["client", "server"] as const) {
    for (const autoPong of [undefined, false] as const) {
      test(`${on} with autoPong ${autoPong}: the same as ws`, T, async () => {
        const ours = await pingTrace(
          on === "server" ? WebSocketServer : RealServer,
          on === "client" ? WebSocket : RealWebSocket,
          on,
          autoPong,
        );
        const ws = await pingTrace(RealServer, RealWebSocket, on, autoPong);
        assert.deepEqual(ours, ws);
        assert.deepEqual(
          ours,
          autoPong === false ? ["ping hi", "pong mine"] : ["ping hi", "pong hi"],
        );
      });
    }
  }
});

/** What an echo server got from `Client`'s sends of Blobs among other data, in order. */
async function blobTrace(Client: AnyClient): Promise<string[]> {
  const trace: string[] = [];
  const { wss, url } = await listen(RealServer);
  let count = 0;
  const all = new Promise<void>((resolve) =>
    wss.on("connection", (ws) =>
      ws.on("message", (data, isBinary) => {
        trace.push(`${isBinary ? "binary" : "text"} ${data}`);
        if (++count === 5) resolve();
      }),
    ),
  );
  const client = new (Client as typeof RealWebSocket)(url);
  await open(client);
  const callbacks: string[] = [];
  const cb = (name: string) => (error?: Error) => callbacks.push(`${name} ${error ?? "ok"}`);
  client.send(new Blob(["blob one"]), cb("1"));
  client.send("text two", cb("2"));
  client.send(new Blob([new Uint8Array([0x33, 0x33])]), cb("3"));
  client.send(new Blob(["blob as text"]), { binary: false }, cb("4"));
  client.send(Buffer.from("bytes five"), cb("5"));
  assert.ok(client.bufferedAmount >= 0);
  await all;
  await tick(20);
  trace.push(...callbacks);
  const done = closed(client);
  client.close();
  await done;
  // Sent after close: counted, and the callback gets ws's error.
  const late = new Promise<string>((resolve) =>
    client.send(new Blob(["late"]), (error?: Error) => resolve(String(error?.message))),
  );
  trace.push(`late: ${await late}, bufferedAmount ${client.bufferedAmount}`);
  await closeServer(wss);
  return trace;
}

describe("ws facade: Blob sends", () => {
  test("are read and sent in call order, as ws 8.18 does", T, async () => {
    const ours = await blobTrace(WebSocket);
    const ws = await blobTrace(RealWebSocket);
    assert.deepEqual(ours, ws);
    assert.deepEqual(ours.slice(0, 5), [
      "binary blob one",
      "text text two",
      "binary 33",
      "text blob as text",
      "binary bytes five",
    ]);
  });
});

/**
 * A server whose upgrade requests to /hop/N are redirected (302) to
 * /hop/N-1, and /hop/0 is accepted (by ws); what the accepted request carried.
 */
async function redirectingServer() {
  const wss = new RealServer({ noServer: true });
  const seen: string[] = [];
  const http = createHttpServer();
  http.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const hop = Number(/^\/hop\/(\d+)/.exec(request.url ?? "")?.[1] ?? 0);
    if (hop > 0) {
      socket.end(`HTTP/1.1 302 Found\r\nLocation: /hop/${hop - 1}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    seen.push(
      `accepted ${request.url} authorization=${request.headers.authorization} x-added=${request.headers["x-added"]}`,
    );
    wss.handleUpgrade(request, socket, head, (ws) => ws.close(1000));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    stop: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

async function redirectTrace(
  Client: AnyClient,
  hops: number,
  options: Record<string, unknown>,
  listen: boolean,
): Promise<string[]> {
  const server = await redirectingServer();
  const trace: string[] = [];
  const client = new (Client as typeof RealWebSocket)(`${server.base}/hop/${hops}`, {
    headers: { Authorization: "Bearer secret" },
    ...options,
  });
  if (listen) {
    client.on("redirect", (url: string, request: { setHeader(n: string, v: string): void }) => {
      trace.push(`redirect ${url.replace(server.base, "")}`);
      request.setHeader("X-Added", "yes");
    });
  }
  client.on("open", () => trace.push(`open ${client.url.replace(server.base, "")}`));
  client.on("error", (error) => trace.push(`error ${error.message}`));
  const done = closed(client);
  trace.push(`close ${(await done).code}`);
  trace.push(...server.seen);
  await server.stop();
  return trace;
}

describe("ws facade: redirects", () => {
  const cases: [string, number, Record<string, unknown>, boolean, string[]][] = [
    [
      "followed, with a redirect listener that adds a header",
      2,
      { followRedirects: true },
      true,
      [
        "redirect /hop/1",
        "redirect /hop/0",
        "open /hop/0",
        "close 1000",
        "accepted /hop/0 authorization=Bearer secret x-added=yes",
      ],
    ],
    [
      "followed, without a listener",
      1,
      { followRedirects: true },
      false,
      [
        "open /hop/0",
        "close 1000",
        "accepted /hop/0 authorization=Bearer secret x-added=undefined",
      ],
    ],
    [
      "not followed by default",
      1,
      {},
      false,
      ["error Unexpected server response: 302", "close 1006"],
    ],
    [
      "past maxRedirects",
      3,
      { followRedirects: true, maxRedirects: 2 },
      true,
      ["redirect /hop/2", "redirect /hop/1", "error Maximum redirects exceeded", "close 1006"],
    ],
  ];
  for (const [name, hops, options, listen, expected] of cases) {
    test(`${name}: the same as ws`, T, async () => {
      const ours = await redirectTrace(WebSocket, hops, options, listen);
      const ws = await redirectTrace(RealWebSocket, hops, options, listen);
      assert.deepEqual(ours, ws);
      assert.deepEqual(ours, expected);
    });
  }
});

/** How `Client`'s sends reached a ws server with compression on: compressed or as they are. */
async function compressTrace(Client: AnyClient): Promise<string[]> {
  const { wss, url } = await listen(RealServer, { perMessageDeflate: { threshold: 0 } });
  const serverSide = new Promise<RealWebSocket>((resolve) =>
    wss.on("connection", (ws) => resolve(ws as RealWebSocket)),
  );
  const client = new (Client as typeof RealWebSocket)(url, { perMessageDeflate: { threshold: 0 } });
  await open(client);
  const server = await serverSide;
  const socket = (server as unknown as { _socket: { bytesRead: number } })._socket;
  const trace: string[] = [`extensions ${client.extensions}`];
  const text = "compressible ".repeat(200); // 2600 bytes
  const sends: [string, () => void][] = [
    ["default", () => client.send(text)],
    ["compress false", () => client.send(text, { compress: false })],
    ["binary, compress false", () => client.send(Buffer.from(text), { compress: false })],
    [
      "fragments, the first with compress false",
      () => {
        client.send(text, { fin: false, compress: false });
        client.send(text, { fin: true });
      },
    ],
    ["compress true", () => client.send(text, { compress: true })],
  ];
  for (const [name, send] of sends) {
    const before = socket.bytesRead;
    const received = once(server, "message");
    send();
    const [data] = (await received) as [Buffer];
    const wire = socket.bytesRead - before;
    trace.push(`${name}: ${data.length} bytes, ${wire < data.length / 2 ? "compressed" : "as is"}`);
  }
  const done = closed(client);
  client.close();
  await done;
  await closeServer(wss);
  return trace;
}

describe("ws facade: send(data, { compress })", () => {
  test("compress: false sends a message uncompressed, as ws does", T, async () => {
    const ours = await compressTrace(WebSocket);
    const ws = await compressTrace(RealWebSocket);
    assert.deepEqual(ours, ws);
    assert.deepEqual(ours, [
      "extensions permessage-deflate",
      "default: 2600 bytes, compressed",
      "compress false: 2600 bytes, as is",
      "binary, compress false: 2600 bytes, as is",
      "fragments, the first with compress false: 5200 bytes, as is",
      "compress true: 2600 bytes, compressed",
    ]);
  });
});

/**
 * What `Client` emits when a peer's messages and a ping arrive in one read,
 * each listener queueing a microtask: with synchronous events the microtasks
 * run after all of them, without, after each.
 */
async function eventsTrace(Client: AnyClient, allowSynchronousEvents?: boolean) {
  // Our server writes what it sends in one turn in one write.
  const { wss, url } = await listen(WebSocketServer);
  wss.on("connection", (ws) => {
    ws.send("one");
    ws.ping("p");
    ws.send("two");
    ws.close(1000);
  });
  const trace: string[] = [];
  const options = allowSynchronousEvents === undefined ? {} : { allowSynchronousEvents };
  const client = new (Client as typeof RealWebSocket)(url, options);
  for (const event of ["message", "ping"]) {
    client.on(event, (data: Buffer) => {
      trace.push(`${event} ${data}`);
      queueMicrotask(() => trace.push(`microtask after ${data}`));
    });
  }
  const done = closed(client);
  trace.push(`close ${(await done).code}`);
  await closeServer(wss);
  return trace;
}

describe("ws facade: allowSynchronousEvents", () => {
  for (const allow of [undefined, false]) {
    test(`${allow}: the same events and microtasks as ws`, T, async () => {
      const ours = await eventsTrace(WebSocket, allow);
      const ws = await eventsTrace(RealWebSocket, allow);
      assert.deepEqual(ours, ws);
      if (allow === false) {
        assert.deepEqual(ours, [
          "message one",
          "microtask after one",
          "ping p",
          "microtask after p",
          "message two",
          "microtask after two",
          "close 1000",
        ]);
      }
    });
  }
});

/** A client that makes its socket with `createConnection`: the calls it got, and an echo. */
async function createConnectionTrace(Client: AnyClient): Promise<string[]> {
  const { wss, url } = await listen(RealServer);
  wss.on("connection", (ws) => ws.on("message", (data) => ws.send(data, { binary: false })));
  const trace: string[] = [];
  const client = new (Client as typeof RealWebSocket)(url, {
    createConnection: ((options: { host: string; port: number | string }) => {
      trace.push(`createConnection ${options.host} ${typeof options.port}`);
      return netConnect(Number(options.port), options.host);
    }) as never,
  });
  await open(client);
  client.send("through my socket");
  const [data] = (await once(client, "message")) as [Buffer];
  trace.push(`echo ${data}`);
  const done = closed(client);
  client.close();
  trace.push(`close ${(await done).code}`);
  await closeServer(wss);
  return trace;
}

describe("ws facade: createConnection", () => {
  test("makes the socket the client talks over, as in ws", T, async () => {
    const ours = await createConnectionTrace(WebSocket);
    const ws = await createConnectionTrace(RealWebSocket);
    assert.deepEqual(ours, ws);
    assert.deepEqual(ours, [
      "createConnection 127.0.0.1 string",
      "echo through my socket",
      "close 1005",
    ]);
  });
});
