// The server the WHATWG scenarios run against: our server behind node:http,
// with a few raw endpoints for what our server would never do (drop the TCP
// connection, send a bad frame, refuse the handshake).
//
//   GET /page     200, an empty page (plain HTTP, for Chromium's page origin)
//   /            echo; "close:<code>:<reason>" closes, "burst:<n>" sends n messages at once
//   /drop        101, a text message "x", then the TCP connection is reset
//   /bad-frame   101, then a frame with reserved opcode 0x3
//   /reject      403
//   /protocol/<p> 101 choosing subprotocol <p> whatever was offered, then silence
//   /auth         401 with a Basic challenge unless the request carries user:pass;
//                 then the first message says how many 401s were answered since
//                 the last success
//   /hold?<group> the handshake answered after 200 ms; the first message says how
//                 many other handshakes of its group were waiting when it arrived
//                 (a group per run: Deno's and Node's runs share this peer at once)

import { createHash } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { ServerConnection } from "../../src/connection/server.js";
import { createServer } from "../../src/node/index.js";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

async function scripted(connection: ServerConnection): Promise<void> {
  for await (const message of connection) {
    if (typeof message === "string" && message.startsWith("close:")) {
      const [, code, reason] = message.split(":");
      await connection.close(Number(code), reason ?? "");
      return;
    }
    if (typeof message === "string" && message.startsWith("burst:")) {
      const count = Number(message.slice(6));
      for (let i = 0; i < count; i++) void connection.send(`b${i}`);
      continue;
    }
    await connection.send(message);
  }
}

function switchingProtocols(socket: Duplex, key: string): void {
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
}

/** A running peer: its base URL (`ws://127.0.0.1:PORT`) and how to stop it. */
export interface Peer {
  readonly base: string;
  close(): Promise<void>;
}

export async function startPeer(): Promise<Peer> {
  // /hold: handshakes in progress by group, and what each found on arrival (by its key).
  const holding = new Map<string, number>();
  const othersByKey = new Map<string, number>();
  // /auth: the 401s answered since the last handshake accepted there.
  let challenged = 0;
  const authenticated = createServer(async (connection) => {
    await connection.send(String(challenged));
    challenged = 0;
    for await (const _ of connection);
  });
  const held = createServer(async (connection) => {
    const key = connection.request?.headers.get("sec-websocket-key") ?? "";
    await connection.send(String(othersByKey.get(key)));
    othersByKey.delete(key);
    for await (const _ of connection);
  });
  const ws = createServer(scripted, {
    subprotocols: ["chat"],
    maxMessageBytes: 4 * 1024 * 1024,
    openTimeoutMs: 5000,
    closeTimeoutMs: 2000,
  });
  // GET /page: an empty page of the peer's origin, for Chromium to run a scenario from.
  const http: Server = createHttpServer((request, response) =>
    response.writeHead(request.url === "/page" ? 200 : 404).end(),
  );
  const sockets = new Set<Duplex>();
  http.on("upgrade", (request, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const key = String(request.headers["sec-websocket-key"]);
    if (request.url?.startsWith("/hold?")) {
      const group = request.url;
      const others = holding.get(group) ?? 0;
      othersByKey.set(key, others);
      holding.set(group, others + 1);
      setTimeout(() => {
        const left = (holding.get(group) ?? 1) - 1;
        if (left === 0) holding.delete(group);
        else holding.set(group, left);
        held.handleUpgrade(request, socket, head);
      }, 200);
      return;
    }
    switch (request.url) {
      case "/drop":
        switchingProtocols(socket, key);
        socket.write(Uint8Array.of(0x81, 1, 0x78));
        setTimeout(() => socket.destroy(), 50);
        return;
      case "/bad-frame":
        switchingProtocols(socket, key);
        setTimeout(() => socket.write(Uint8Array.of(0x83, 0)), 20);
        setTimeout(() => socket.destroy(), 1000);
        return;
      case "/protocol/none":
      case "/protocol/other": {
        const chosen = request.url.endsWith("other") ? "Sec-WebSocket-Protocol: other\r\n" : "";
        const accept = createHash("sha1")
          .update(key + GUID)
          .digest("base64");
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${chosen}\r\n`,
        );
        // Answer the client's close frame with an empty one, then close.
        socket.once("data", () => socket.end(Uint8Array.of(0x88, 0)));
        return;
      }
      case "/auth":
        if (request.headers.authorization === `Basic ${btoa("user:pass")}`) {
          authenticated.handleUpgrade(request, socket, head);
        } else {
          challenged++;
          socket.end(
            'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="peer"\r\nContent-Length: 0\r\n\r\n',
          );
        }
        return;
      case "/reject":
        socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
      default:
        ws.handleUpgrade(request, socket, head);
    }
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    base: `ws://127.0.0.1:${port}`,
    async close() {
      await ws.close();
      await held.close();
      await authenticated.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
