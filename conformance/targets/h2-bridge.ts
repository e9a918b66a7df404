/**
 * Runs the conformance suite's frame-level cases over the HTTP/2 transport
 * (RFC 8441) of this library, in both roles, by bridging the suite's
 * HTTP/1.1 peers to HTTP/2 streams. The bridge only translates the opening
 * handshake (Upgrade/101 on one side, extended CONNECT/200 on the other,
 * passing subprotocol and extension offers and answers through) and then
 * copies bytes both ways unchanged, so every frame the suite sends or judges
 * crosses our HTTP/2 stream transport, and every close is END_STREAM on the
 * stream side, FIN on the TCP side.
 *
 * - `server --port P`: our echo server with h2c in this process; the bridge
 *   listens on P (TCP, HTTP/1.1) for the suite's fuzzing client.
 * - `client --url U --agent A`: an h2c bridge that forwards each stream to the
 *   suite's fuzzing server at U; the Autobahn client driver runs against it
 *   with `--http2`.
 *
 * `node .build/conformance/cli.js --server-cmd "node .build/conformance/targets/h2-bridge.js server --port {port}" --client-cmd "node .build/conformance/targets/h2-bridge.js client --url {url} --agent {agent}" --agent websocket-sansio-h2`
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createServer as createHttp2Server, connect as http2Connect } from "node:http2";
import { createServer, type Socket, connect as tcpConnect } from "node:net";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { ECHO_MAX_MESSAGE_BYTES, echoEveryMessage } from "../../autobahn/echo.js";
import { acceptKey, generateKey } from "../../src/core/handshake/accept-key.js";
import { serve } from "../../src/node/index.js";
import { permessageDeflate } from "../../src/node/permessage-deflate.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const PASSED = ["sec-websocket-protocol", "sec-websocket-extensions"];

/** Reads an HTTP/1.1 head from `socket`; resolves with its lines and the bytes after it. */
function readHead(socket: Socket): Promise<{ lines: string[]; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      socket.pause();
      resolve({
        lines: buffered.subarray(0, end).toString("latin1").split("\r\n"),
        rest: buffered.subarray(end + 4),
      });
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("end", () => reject(new Error("the peer closed during the handshake")));
  });
}

function fields(lines: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    map.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return map;
}

/**
 * Copies bytes both ways. `tcp` is the suite's side: its FIN ends the
 * stream; the stream's end ends TCP only on the server side (our server
 * closes first, as RFC 6455 7.1.1 wants), while a client bridge waits for the
 * suite's server to close TCP, whose close order it judges.
 */
function pipe(tcp: Socket, stream: Duplex, endTcpOnStreamEnd: boolean): void {
  tcp.on("data", (chunk: Buffer) => {
    if (!stream.write(chunk)) tcp.pause();
  });
  stream.on("drain", () => tcp.resume());
  stream.on("data", (chunk: Buffer) => {
    if (!tcp.write(chunk)) stream.pause();
  });
  tcp.on("drain", () => stream.resume());
  tcp.on("end", () => stream.end());
  stream.on("end", () => {
    if (endTcpOnStreamEnd) tcp.end();
  });
  const destroy = (): void => {
    tcp.destroy();
    stream.destroy();
  };
  tcp.on("error", destroy);
  stream.on("error", destroy);
  tcp.on("close", () => stream.end());
  stream.on("close", () => {
    // Whatever the suite's side still has to do, it has a moment for it.
    setTimeout(() => tcp.destroy(), 2000).unref();
  });
  tcp.resume();
}

async function serverBridge(port: number): Promise<void> {
  const server = await serve(echoEveryMessage, {
    host: "127.0.0.1",
    port: 0,
    h2c: true,
    maxMessageBytes: ECHO_MAX_MESSAGE_BYTES,
    compression: [permessageDeflate().server],
    pingIntervalMs: null,
    maxConcurrentStreams: 1000,
  });
  const upstream = (server.address as { port: number }).port;
  const session = http2Connect(`http://127.0.0.1:${upstream}`);
  await new Promise((resolve) => session.once("remoteSettings", resolve));
  createServer(async (tcp) => {
    tcp.on("error", () => {});
    const { lines, rest } = await readHead(tcp).catch(() => ({ lines: [], rest: Buffer.alloc(0) }));
    if (lines.length === 0) return void tcp.destroy();
    const head = fields(lines);
    const request: Record<string, string> = {
      ":method": "CONNECT",
      ":protocol": "websocket",
      ":scheme": "http",
      ":path": lines[0]!.split(" ")[1] ?? "/",
      ":authority": head.get("host") ?? "127.0.0.1",
      "sec-websocket-version": head.get("sec-websocket-version") ?? "",
    };
    for (const name of PASSED) if (head.has(name)) request[name] = head.get(name)!;
    const stream = session.request(request, { endStream: false });
    stream.on("error", () => {});
    stream.once("response", (response) => {
      const status = Number(response[":status"]);
      if (status !== 200) {
        tcp.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\n\r\n`);
        stream.close();
        return;
      }
      let answer = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(head.get("sec-websocket-key") ?? "")}\r\n`;
      for (const name of PASSED) {
        if (response[name] !== undefined) answer += `${name}: ${String(response[name])}\r\n`;
      }
      tcp.write(`${answer}\r\n`);
      if (rest.length > 0) stream.write(rest);
      pipe(tcp, stream, true);
    });
  }).listen(port, "127.0.0.1");
}

async function clientBridge(url: URL, agent: string): Promise<void> {
  const bridge = createHttp2Server({
    settings: { enableConnectProtocol: true, maxConcurrentStreams: 1000 },
  });
  bridge.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    const tcp = tcpConnect({ host: url.hostname, port: Number(url.port) });
    tcp.on("error", () => stream.close(0x8));
    tcp.once("connect", async () => {
      const key = generateKey();
      let request = `GET ${headers[":path"]} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
      for (const name of PASSED) {
        if (headers[name] !== undefined) request += `${name}: ${String(headers[name])}\r\n`;
      }
      tcp.write(`${request}\r\n`);
      const { lines, rest } = await readHead(tcp).catch(() => ({
        lines: [] as string[],
        rest: Buffer.alloc(0),
      }));
      if (!lines[0]?.includes(" 101 ")) {
        if (!stream.headersSent) stream.respond({ ":status": 502 }, { endStream: true });
        tcp.destroy();
        return;
      }
      const head = fields(lines);
      const response: Record<string, string | number> = { ":status": 200 };
      for (const name of PASSED) if (head.has(name)) response[name] = head.get(name)!;
      stream.respond(response, { endStream: false });
      if (rest.length > 0) stream.write(rest);
      pipe(tcp, stream, false);
    });
  });
  await new Promise<void>((resolve) => bridge.listen(0, "127.0.0.1", resolve));
  const port = (bridge.address() as { port: number }).port;
  const driver = fileURLToPath(new URL("../../autobahn/client.js", import.meta.url));
  const child = spawn(
    process.execPath,
    [driver, "--url", `ws://127.0.0.1:${port}`, "--agent", agent, "--http2"],
    { stdio: "inherit" },
  );
  const code = await new Promise<number>((resolve) => child.once("exit", (c) => resolve(c ?? 1)));
  process.exit(code);
}

if (args[0] === "server") await serverBridge(Number(option("--port") ?? 9001));
else if (args[0] === "client") {
  await clientBridge(new URL(option("--url") ?? "ws://127.0.0.1:9001"), option("--agent") ?? "h2");
} else {
  console.error("Usage: h2-bridge.js server --port P | client --url U --agent A");
  process.exit(2);
}
