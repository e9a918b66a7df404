/**
 * The Node ceiling for the echo benchmarks: a bare WebSocket echo on
 * `node:net`, no library, no validation (no UTF-8 check, no limits, no close
 * handshake). It answers the upgrade, then unmasks each frame's payload in
 * place as it arrives and writes it straight back behind an unmasked header
 * (cut-through: a 1 MiB message is never assembled), all output of one read
 * in one write. What a library on Node cannot beat; Bun beside it shows what
 * the runtime costs.
 *
 * With `--http`, the same behind a plain `node:http` server's `upgrade`
 * event: the ceiling of the attached mode (a library on an application's
 * `node:http` server pays that server's parser and request object first).
 *
 * Usage: `node bare.js [--tls DIR | --http]` (DIR holding key.pem and cert.pem). Prints
 * `PORT <n>`; stdin: `gc` answers `GC`, the end of stdin stops the server.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { createServer as createTlsServer } from "node:tls";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const tlsDir = process.argv.includes("--tls")
  ? process.argv[process.argv.indexOf("--tls") + 1]
  : "";

/** XORs data[start..end) with `key` (big-endian, its first byte for data[start]); returns the key rotated past it. */
function unmask(data: Buffer, start: number, end: number, key: number): number {
  let j = start;
  for (; j < end && (data.byteOffset + j) & 3; j++) {
    data[j]! ^= key >>> 24;
    key = ((key << 8) | (key >>> 24)) >>> 0;
  }
  const words = (end - j) >>> 2;
  if (words > 0) {
    const view = new Uint32Array(data.buffer, data.byteOffset + j, words);
    // The key's bytes in memory order, as a little-endian word.
    const word =
      ((key >>> 24) | ((key >>> 8) & 0xff00) | ((key << 8) & 0xff0000) | (key << 24)) >>> 0;
    for (let w = 0; w < words; w++) view[w]! ^= word;
    j += words * 4;
  }
  for (; j < end; j++) {
    data[j]! ^= key >>> 24;
    key = ((key << 8) | (key >>> 24)) >>> 0;
  }
  return key;
}

/** Writes the 101 for a request with this Sec-WebSocket-Key (nothing else checked). */
function switchingProtocols(socket: Socket, key: string | undefined): void {
  const accept = createHash("sha1").update(`${key}${GUID}`).digest("base64");
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
}

/** The frame echo on `socket`, once the 101 is written. */
function echoFrames(socket: Socket): (chunk: Buffer) => void {
  let need = 0; // payload bytes of the current frame still to come
  let key = 0; // its mask, rotated to the next byte's phase
  let partial: Buffer | undefined; // a frame header cut by a read
  const onFrames = (chunk: Buffer): void => {
    const data = partial === undefined ? chunk : Buffer.concat([partial, chunk]);
    partial = undefined;
    const out: Buffer[] = [];
    let i = 0;
    while (i < data.length) {
      if (need === 0) {
        const b1 = data[i + 1] ?? 0;
        const len7 = b1 & 0x7f;
        const size = (len7 === 126 ? 4 : len7 === 127 ? 10 : 2) + 4;
        if (data.length - i < size) break;
        need =
          len7 === 126
            ? data.readUInt16BE(i + 2)
            : len7 === 127
              ? Number(data.readBigUInt64BE(i + 2))
              : len7;
        key = data.readUInt32BE(i + size - 4);
        const header = Buffer.allocUnsafe(size - 4);
        header[0] = data[i]!;
        header[1] = len7;
        data.copy(header, 2, i + 2, i + size - 4);
        out.push(header);
        i += size;
        continue;
      }
      const end = Math.min(data.length, i + need);
      key = unmask(data, i, end, key);
      out.push(data.subarray(i, end));
      need -= end - i;
      i = end;
    }
    if (i < data.length) partial = Buffer.from(data.subarray(i));
    if (out.length === 1) socket.write(out[0]!);
    else if (out.length > 1) socket.write(Buffer.concat(out));
  };
  return onFrames;
}

function onConnection(socket: Socket): void {
  socket.setNoDelay(true);
  let head = "";
  socket.on("error", () => {});
  socket.on("data", function onHead(chunk: Buffer) {
    head += chunk.toString("latin1");
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    switchingProtocols(socket, /sec-websocket-key: *(\S+)/i.exec(head)?.[1]);
    const onFrames = echoFrames(socket);
    socket.off("data", onHead).on("data", onFrames);
    if (end + 4 < chunk.length) onFrames(Buffer.from(head.slice(end + 4), "latin1"));
  });
}

/** `--http`: the upgrade as node:http parsed it. */
function onUpgrade(request: IncomingMessage, socket: Socket, rest: Buffer): void {
  socket.on("error", () => {});
  switchingProtocols(socket, request.headers["sec-websocket-key"]);
  const onFrames = echoFrames(socket);
  socket.on("data", onFrames);
  if (rest.length > 0) onFrames(rest);
}

const server = tlsDir
  ? createTlsServer(
      { key: readFileSync(`${tlsDir}/key.pem`), cert: readFileSync(`${tlsDir}/cert.pem`) },
      onConnection,
    )
  : process.argv.includes("--http")
    ? createHttpServer((_request, response) => response.end("not a WebSocket\n")).on(
        "upgrade",
        onUpgrade,
      )
    : createServer(onConnection);
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `PORT ${typeof address === "object" && address !== null ? address.port : 0}\n`,
  );
});
const gc = (globalThis as { gc?: () => void }).gc;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "gc") {
    gc?.();
    process.stdout.write("GC\n");
  }
}
process.exit(0);
