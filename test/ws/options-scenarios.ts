// The scenarios of options.test.ts, each side played by real ws (in a Node
// child) or by the facade (here) as the test asks (see play.ts). Each side
// records what it saw; the sides meet only over loopback, so the ones that
// need to wait for the other learn it from a message.

import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import {
  type AddressInfo,
  createServer as createNetServer,
  connect as netConnect,
  type Socket,
} from "node:net";
import type { Duplex } from "node:stream";
import { closed, closeServer, open } from "./helpers.js";
import type { Any, Lib, Roles, Scenario, ServerSide } from "./scenario.js";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // RFC 6455 section 1.3

/** A WebSocketServer of `lib` on a free loopback port that runs `onConnection`. */
async function serve(
  lib: Lib,
  options: Record<string, unknown>,
  onConnection: (ws: Any, req: IncomingMessage) => void,
): Promise<ServerSide> {
  const wss = new lib.WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
  await once(wss, "listening");
  wss.on("connection", onConnection);
  return { port: (wss.address() as AddressInfo).port, stop: () => closeServer(wss) };
}

/**
 * The side that pings (once the other side says it is open, so that the ping
 * never arrives with the 101): records the pongs it gets, and closes 50 ms
 * after the last one expected (`mine` with `autoPong: false`), in which time
 * an unexpected one would arrive too.
 */
function pinger(ws: Any, trace: string[], autoPong: unknown): void {
  ws.on("pong", (data: Buffer) => {
    trace.push(`pong ${data}`);
    if (autoPong !== false || String(data) === "mine") setTimeout(() => ws.close(), 50);
  });
  ws.ping("hi");
}

/**
 * The side pinged, with `autoPong` as given: records the pings; with
 * `autoPong: false` the application answers itself, 50 ms later.
 */
function pinged(ws: Any, trace: string[], autoPong: unknown): void {
  ws.on("ping", (data: Buffer) => {
    trace.push(`ping ${data}`);
    if (autoPong === false) setTimeout(() => ws.pong("mine"), 50);
  });
}

/** Params: `on` ("client" | "server"), the side with `autoPong` (`null` for not set). */
function autoPong(params: Record<string, unknown>): Roles {
  const { on, autoPong } = params;
  const option = autoPong === null ? {} : { autoPong };
  return {
    server: (lib, trace) =>
      serve(lib, on === "server" ? option : {}, (ws) => {
        if (on === "server") pinged(ws, trace, autoPong);
        else ws.once("message", () => pinger(ws, trace, autoPong));
      }),
    async client(lib, port, trace) {
      const client = new lib.WebSocket(`ws://127.0.0.1:${port}`, on === "client" ? option : {});
      if (on === "client") pinged(client, trace, autoPong);
      const done = closed(client);
      await open(client);
      if (on === "server") pinger(client, trace, autoPong);
      else client.send("open");
      await done;
    },
  };
}

/**
 * A ping in the same read as the 101: a server on bare node:net (whichever
 * side plays it) answers the upgrade with the 101 and a ping in one write,
 * and records the opcode of each frame it gets back; the client has
 * `autoPong: false`, and closes 100 ms after the ping.
 */
const pingWith101: Scenario = () => ({
  async server(_lib, trace) {
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      sockets.add(socket);
      let request = "";
      const onRequest = (data: Buffer): void => {
        request += data.toString("latin1");
        const key = /^sec-websocket-key: *(.*?)\r$/im.exec(request)?.[1];
        if (!request.includes("\r\n\r\n") || key === undefined) return;
        socket.off("data", onRequest);
        const accept = createHash("sha1").update(`${key}${GUID}`).digest("base64");
        const head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
        socket.write(
          Buffer.concat([Buffer.from(head, "latin1"), Buffer.from([0x89, 2, 0x68, 0x69])]),
        );
        // One masked frame per read here: the client sends at most a pong, then a close.
        socket.on("data", (frame: Buffer) => {
          trace.push(`server got opcode 0x${(frame[0]! & 0x0f).toString(16)}`);
          if ((frame[0]! & 0x0f) === 0x8) socket.end(Buffer.from([0x88, 0]));
        });
      };
      socket.on("data", onRequest);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      port: (server.address() as AddressInfo).port,
      stop: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
  async client(lib, port, trace) {
    const client = new lib.WebSocket(`ws://127.0.0.1:${port}`, { autoPong: false });
    client.on("ping", (data: Buffer) => {
      trace.push(`ping ${data}`);
      setTimeout(() => client.close(1000), 100);
    });
    trace.push(`close ${(await closed(client)).code}`);
  },
});

/**
 * The mirror: a ping in the same read as the upgrade request. A client on
 * bare node:net (whichever side plays it) writes the request and a masked
 * ping in one write and records the opcode of each frame it gets after the
 * 101; the server has `autoPong: false`, records the ping and closes 100 ms
 * after it. ws emits `ping` after `connection` and sends no pong.
 */
const pingWithRequest: Scenario = () => ({
  server: (lib, trace) =>
    serve(lib, { autoPong: false }, (ws) => {
      ws.on("ping", (data: Buffer) => {
        trace.push(`ping ${data}`);
        setTimeout(() => ws.close(1000), 100);
      });
    }),
  async client(_lib, port, trace) {
    const socket = netConnect(port, "127.0.0.1");
    const request =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    // FIN + ping, masked, "hi" under the key 01 02 03 04.
    const ping = [0x89, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2];
    socket.write(Buffer.concat([Buffer.from(request, "latin1"), Buffer.from(ping)]));
    let received = Buffer.alloc(0);
    let headEnd = -1;
    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (headEnd === -1) {
        headEnd = received.indexOf("\r\n\r\n");
        if (headEnd === -1) return;
        received = received.subarray(headEnd + 4);
      }
      // Unmasked server frames of under 126 bytes: opcode, length, payload.
      while (received.length >= 2 && received.length >= 2 + received[1]!) {
        const opcode = received[0]! & 0x0f;
        trace.push(`client got opcode 0x${opcode.toString(16)}`);
        received = received.subarray(2 + received[1]!);
        if (opcode === 0x8) socket.end(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
      }
    });
    // Bounded: a server that never closes is reported, not waited for.
    const timer = setTimeout(() => {
      trace.push("client gave up after 2 s");
      socket.destroy();
    }, 2000);
    await once(socket, "close");
    clearTimeout(timer);
  },
});

/**
 * The server records the messages it gets and says `all 5` after the fifth;
 * the client sends Blobs among other data, then one after close.
 */
const blobs: Scenario = () => ({
  server: (lib, trace) =>
    serve(lib, {}, (ws) => {
      let count = 0;
      ws.on("message", (data: Buffer, isBinary: boolean) => {
        trace.push(`${isBinary ? "binary" : "text"} ${data}`);
        if (++count === 5) ws.send("all 5");
      });
    }),
  async client(lib, port, trace) {
    const client = new lib.WebSocket(`ws://127.0.0.1:${port}`);
    const all = once(client, "message");
    await open(client);
    const callbacks: string[] = [];
    const cb = (name: string) => (error?: Error) => callbacks.push(`${name} ${error ?? "ok"}`);
    client.send(new Blob(["blob one"]), cb("1"));
    client.send("text two", cb("2"));
    client.send(new Blob([new Uint8Array([0x33, 0x33])]), cb("3"));
    client.send(new Blob(["blob as text"]), { binary: false }, cb("4"));
    client.send(Buffer.from("bytes five"), cb("5"));
    if (!(client.bufferedAmount >= 0)) trace.push(`bufferedAmount ${client.bufferedAmount}`);
    trace.push(`server: ${(await all)[0]}`);
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
  },
});

/**
 * Params: `hops`, the client's `options`, `listen` (a `redirect` listener
 * that adds a header). Upgrade requests to /hop/N are redirected (302) to
 * /hop/N-1, and /hop/0 is accepted; the server records what that request carried.
 */
function redirects(params: Record<string, unknown>): Roles {
  const { hops, options, listen } = params as {
    hops: number;
    options: Record<string, unknown>;
    listen: boolean;
  };
  return {
    async server(lib, trace) {
      const wss = new lib.WebSocketServer({ noServer: true });
      const http = createHttpServer();
      http.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        const hop = Number(/^\/hop\/(\d+)/.exec(request.url ?? "")?.[1] ?? 0);
        if (hop > 0) {
          socket.end(
            `HTTP/1.1 302 Found\r\nLocation: /hop/${hop - 1}\r\nContent-Length: 0\r\n\r\n`,
          );
          return;
        }
        trace.push(
          `accepted ${request.url} authorization=${request.headers.authorization} x-added=${request.headers["x-added"]}`,
        );
        wss.handleUpgrade(request, socket, head, (ws: Any) => ws.close(1000));
      });
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      return {
        port: (http.address() as AddressInfo).port,
        stop: () => new Promise<void>((resolve) => http.close(() => resolve())),
      };
    },
    async client(lib, port, trace) {
      const base = `ws://127.0.0.1:${port}`;
      const client = new lib.WebSocket(`${base}/hop/${hops}`, {
        headers: { Authorization: "Bearer secret" },
        ...options,
      });
      if (listen) {
        client.on("redirect", (url: string, request: { setHeader(n: string, v: string): void }) => {
          trace.push(`redirect ${url.replace(base, "")}`);
          request.setHeader("X-Added", "yes");
        });
      }
      client.on("open", () => trace.push(`open ${client.url.replace(base, "")}`));
      client.on("error", (error: Error) => trace.push(`error ${error.message}`));
      trace.push(`close ${(await closed(client)).code}`);
    },
  };
}

/**
 * The server (compression on) answers each message with its length and
 * whether it came compressed: fewer bytes read from its socket (the
 * request's socket, which the server reads the frames from) than half the
 * message's length. The client sends with and without `compress`.
 */
const compress: Scenario = () => ({
  server: (lib, _trace) =>
    serve(lib, { perMessageDeflate: { threshold: 0 } }, (ws, req) => {
      let mark = req.socket.bytesRead; // the upgrade request; no frame comes before the 101
      ws.on("message", (data: Buffer) => {
        const wire = req.socket.bytesRead - mark;
        mark = req.socket.bytesRead;
        ws.send(`${data.length} bytes, ${wire < data.length / 2 ? "compressed" : "as is"}`);
      });
    }),
  async client(lib, port, trace) {
    const client = new lib.WebSocket(`ws://127.0.0.1:${port}`, {
      perMessageDeflate: { threshold: 0 },
    });
    await open(client);
    trace.push(`extensions ${client.extensions}`);
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
      const answer = once(client, "message");
      send();
      trace.push(`${name}: ${(await answer)[0]}`);
    }
    const done = closed(client);
    client.close();
    await done;
  },
});

/**
 * Params: `allowSynchronousEvents` (`null` for not set). The server sends
 * two messages, a ping and a close in one turn (our server, which writes
 * them in one write, so that they arrive in one read); the client's
 * listeners each queue a microtask: with synchronous events the microtasks
 * run after all of them, without, after each.
 */
function events(params: Record<string, unknown>): Roles {
  const allow = params["allowSynchronousEvents"];
  return {
    server: (lib, _trace) =>
      serve(lib, {}, (ws) => {
        ws.send("one");
        ws.ping("p");
        ws.send("two");
        ws.close(1000);
      }),
    async client(lib, port, trace) {
      const options = allow === null ? {} : { allowSynchronousEvents: allow };
      const client = new lib.WebSocket(`ws://127.0.0.1:${port}`, options);
      for (const event of ["message", "ping"]) {
        client.on(event, (data: Buffer) => {
          trace.push(`${event} ${data}`);
          queueMicrotask(() => trace.push(`microtask after ${data}`));
        });
      }
      trace.push(`close ${(await closed(client)).code}`);
    },
  };
}

/** An echo server; a client whose socket `createConnection` makes: the calls it got, an echo. */
const createConnection: Scenario = () => ({
  server: (lib, _trace) =>
    serve(lib, {}, (ws) => ws.on("message", (data: Buffer) => ws.send(data, { binary: false }))),
  async client(lib, port, trace) {
    const client = new lib.WebSocket(`ws://127.0.0.1:${port}`, {
      createConnection: (options: { host: string; port: number | string }) => {
        trace.push(`createConnection ${options.host} ${typeof options.port}`);
        return netConnect(Number(options.port), options.host);
      },
    });
    await open(client);
    client.send("through my socket");
    const [data] = (await once(client, "message")) as [Buffer];
    trace.push(`echo ${data}`);
    const done = closed(client);
    client.close();
    trace.push(`close ${(await done).code}`);
  },
});

export const scenarios: Record<string, Scenario> = {
  autoPong,
  "ping with the 101": pingWith101,
  "ping with the request": pingWithRequest,
  blobs,
  redirects,
  compress,
  events,
  createConnection,
};
