/**
 * Echo and broadcast servers on Node for the benchmark: this library (`ours`)
 * and `ws` (with bufferutil when it loads; the orchestrator sets
 * `WS_NO_BUFFER_UTIL=1` for the run without it). Each is written the way the
 * library's documentation shows, with no tuning beyond the limits and
 * timeouts that would otherwise end a benchmark early.
 *
 * `cli` is `websocket-sansio serve` as a user starts it (its defaults:
 * keepalive on, permessage-deflate offered, the page at `/`, a log line per
 * open and close, here written to /dev/null as to a log file). `ours-attached`
 * and `ws-attached` attach each library to a plain `node:http` server, as an
 * Express or Fastify application has it.
 *
 * `ws-facade` is websocket-sansio/ws, the ws server's code on the facade.
 *
 * Usage: `node node.js --impl ours|ws|cli|ours-attached|ws-attached|ws-facade [--mode echo|broadcast] [--deflate matched|defaults] [--keepalive] [--tls DIR]`
 * Prints `PORT <n>`; then reads commands on stdin: `gc` (collect garbage,
 * answers `GC`), `spaces` (the resident size of each V8 heap space, answers
 * `SPACES {...}`), `heap FILE` (writes a heap snapshot to FILE, answers `HEAP`,
 * for bench/idle-anatomy.ts); the end of stdin stops the server.
 *
 * @module
 */

import { openSync, readFileSync, writeSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { WebSocketServer as WsServer } from "ws";
import { broadcast, type NodeServer, serve } from "../../src/node/index.js";
import { permessageDeflate } from "../../src/node/permessage-deflate.js";
import { WebSocketServer as FacadeServer } from "../../src/ws/index.js";

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
};
const impl = arg("impl") ?? "ours";
const mode = arg("mode") ?? "echo";
const deflate = arg("deflate"); // undefined: no compression offered
// Keepalive as a user runs it: ours with its default pings (every 20 s),
// ws with the heartbeat of its README (a ping to every client every 30 s, a
// client that did not answer the last one terminated). Off by default, as
// ws has none unless written.
const keepalive = argv.includes("--keepalive");
const ourPings = keepalive ? {} : { pingIntervalMs: null };
// --tls DIR: wss: with DIR's key.pem and cert.pem (ours and ws only).
const tlsDir = arg("tls");
const tls =
  tlsDir === undefined
    ? undefined
    : { key: readFileSync(`${tlsDir}/key.pem`), cert: readFileSync(`${tlsDir}/cert.pem`) };
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

let port: number;
let stop: () => Promise<void>;

type Alive = { isAlive?: boolean };
function heartbeat(this: object): void {
  (this as Alive).isAlive = true;
}
/** ws's README heartbeat, with `--keepalive`. */
function wsKeepalive(wss: WsServer): void {
  if (!keepalive) return;
  wss.on("connection", (socket) => {
    (socket as Alive).isAlive = true;
    socket.on("pong", heartbeat);
  });
  const interval = setInterval(() => {
    for (const socket of wss.clients) {
      if ((socket as Alive).isAlive === false) socket.terminate();
      else {
        (socket as Alive).isAlive = false;
        socket.ping();
      }
    }
  }, 30_000);
  wss.on("close", () => clearInterval(interval));
}

if (impl === "ours") {
  // "matched": ws's defaults (15-bit windows, memLevel 8, level 6, 1 KiB
  // threshold), so that both libraries do the same compression work;
  // "defaults": what serve() negotiates when not told (its default
  // compression); otherwise compression is off, as ws's is by default.
  const compression =
    deflate === "matched"
      ? {
          compression: [
            permessageDeflate({
              serverMaxWindowBits: 15,
              clientMaxWindowBits: 15,
              memLevel: 8,
              level: 6,
              thresholdBytes: 1024,
            }).server,
          ],
        }
      : deflate === "defaults"
        ? {}
        : { compression: null };
  let server: NodeServer | undefined;
  server = await serve(
    mode === "broadcast"
      ? async (connection) => {
          for await (const message of connection) broadcast(server!.connections, message);
        }
      : mode === "publish"
        ? async (connection) => {
            // Topics: every connection subscribes, the message is published to the topic.
            connection.subscribe("all");
            for await (const message of connection) server!.publish("all", message);
          }
        : async (connection) => {
            for await (const message of connection) await connection.send(message);
          },
    {
      host: "127.0.0.1",
      port: 0,
      // Over TLS, HTTP/1.1 only, as ws.
      ...(tls === undefined ? {} : { tls, http2: false }),
      ...compression,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      // ws sends no keepalive pings by default; neither do we here (unless --keepalive).
      ...ourPings,
      // Broadcast relays more than the default queue of 16 on the publisher.
      maxQueuedMessages: 1024,
    },
  );
  const address = server.address;
  port = typeof address === "object" && address !== null ? address.port : 0;
  stop = () => server!.close();
} else if (impl === "ws") {
  // Over TLS, on an https server, as ws's documentation shows for wss:.
  const https = tls === undefined ? undefined : createHttpsServer(tls);
  const wss = new WsServer({
    ...(https === undefined ? { host: "127.0.0.1", port: 0 } : { server: https }),
    perMessageDeflate: deflate !== undefined,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  if (https === undefined) {
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  } else await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  wsKeepalive(wss);
  wss.on("connection", (socket) => {
    socket.on("error", () => {});
    if (mode === "broadcast" || mode === "publish") {
      socket.on("message", (data, isBinary) => {
        for (const client of wss.clients) {
          if (client.readyState === 1) client.send(data, { binary: isBinary });
        }
      });
    } else socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const address = https === undefined ? wss.address() : https.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
  stop = () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      https?.close();
      wss.close(() => resolve());
    });
} else if (impl === "cli") {
  const { serveCommand } = await import("../../src/cli/serve.js");
  const devNull = openSync("/dev/null", "w");
  const log = { write: (text: string) => writeSync(devNull, text) } as unknown as Writable;
  const controller = new AbortController();
  let exited: Promise<unknown> = Promise.resolve();
  const url = await new Promise<URL>((resolve) => {
    exited = serveCommand(
      ["--port", "0", ...(mode === "broadcast" ? ["--broadcast"] : [])],
      { stdin: process.stdin, stdout: log, stderr: log },
      { onListening: resolve, signal: controller.signal, handleSignals: false },
    );
  });
  port = Number(url.port);
  stop = async () => {
    controller.abort();
    await exited;
  };
} else if (impl === "ours-attached" || impl === "ws-attached") {
  const http = createHttpServer((_request, response) => response.end("not a WebSocket\n"));
  let close: () => Promise<void>;
  if (impl === "ours-attached") {
    const server = await serve(
      async (connection) => {
        for await (const message of connection) await connection.send(message);
      },
      { server: http, compression: null, maxMessageBytes: MAX_MESSAGE_BYTES, ...ourPings },
    );
    close = () => server.close();
  } else {
    const wss = new WsServer({ server: http, maxPayload: MAX_MESSAGE_BYTES });
    wsKeepalive(wss);
    wss.on("connection", (socket) => {
      socket.on("error", () => {});
      socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    close = () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      });
  }
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  port = (http.address() as AddressInfo).port;
  stop = async () => {
    await close();
    http.closeAllConnections();
    http.close();
  };
} else if (impl === "ws-facade") {
  // The ws server above, word for word, on websocket-sansio/ws.
  const wss = new FacadeServer({
    host: "127.0.0.1",
    port: 0,
    perMessageDeflate: deflate !== undefined,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  wss.on("connection", (socket) => {
    socket.on("error", () => {});
    if (mode === "broadcast") {
      socket.on("message", (data, isBinary) => {
        for (const client of wss.clients!) {
          if (client.readyState === 1) client.send(data, { binary: isBinary });
        }
      });
    } else socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const address = wss.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
  stop = () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients!) client.terminate();
      wss.close(() => resolve());
    });
} else {
  throw new TypeError(`Unknown implementation: ${JSON.stringify(impl)}`);
}

process.stdout.write(`PORT ${port}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "gc") {
    gc?.();
    gc?.();
    process.stdout.write("GC\n");
  } else if (line === "spaces") {
    const spaces = getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]);
    process.stdout.write(`SPACES ${JSON.stringify(Object.fromEntries(spaces))}\n`);
  } else if (line.startsWith("heap ")) {
    gc?.();
    writeHeapSnapshot(line.slice(5));
    process.stdout.write("HEAP\n");
  }
}
await Promise.race([stop(), new Promise((resolve) => setTimeout(resolve, 1000))]);
process.exit(0);
