/**
 * Connection helpers shared by both fuzzer modes and the handshake cases: targets, TCP connect,
 * reading an HTTP head, the fuzzer's request fields, response checks and result records.
 */
import { connect, type Socket } from "node:net";
import type { Case } from "./catalogue.js";
import { acceptFor, type Head, headerTokens, headerValues, parseHead } from "./http.js";
import type { CaseResult } from "./results.js";
import { judge, type Observation } from "./verdict.js";

/** The parts of a ws:// URL the fuzzer needs. */
export interface Target {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** Parses a `ws://` URL (wss is not supported by the fuzzer: it speaks raw TCP). */
export function parseTarget(url: string): Target {
  const u = new URL(url);
  if (u.protocol !== "ws:")
    throw new TypeError(`Cannot fuzz "${url}": only ws:// URLs are supported`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: Number(u.port || 80),
    path: `${u.pathname || "/"}${u.search}`,
  };
}

/** Opens TCP and resolves once connected (bounded by `timeoutMs`). */
export function openSocket(target: Target, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Cannot connect to ${target.host}:${target.port}: timed out`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * Reads an HTTP head from a socket, with the bytes that followed it. Rejects on timeout (the
 * opening handshake timeout, 5 s in Autobahn) or when the peer closes first.
 */
export function readHead(
  socket: Socket,
  timeoutMs = 5000,
): Promise<{ head: Head; rest: Uint8Array }> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const done = (error?: Error, value?: { head: Head; rest: Uint8Array }) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.off("error", onClose);
      // Hold further bytes until the case runner listens (a flowing stream would drop them).
      socket.pause();
      if (error) reject(error);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        const parsed = parseHead(buffer);
        if (parsed) done(undefined, parsed);
        else if (buffer.length > 64 * 1024) done(new Error("HTTP head larger than 64 KiB"));
      } catch (e) {
        done(e as Error);
      }
    };
    const onClose = () => done(new Error("the peer closed the connection during the handshake"));
    const timer = setTimeout(() => done(new Error("no handshake within 5 s")), timeoutMs);
    socket.on("data", onData);
    socket.on("close", onClose);
    socket.on("error", onClose);
  });
}

/** The fuzzer's handshake request fields (Autobahn's, including `Upgrade: WebSocket`). */
export function requestFields(
  target: Target,
  key: string,
  extensions?: string,
): [string, string][] {
  const fields: [string, string][] = [
    ["User-Agent", "websocket-sansio-conformance"],
    ["Host", `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`],
    ["Upgrade", "WebSocket"],
    ["Connection", "Upgrade"],
    ["Pragma", "no-cache"],
    ["Cache-Control", "no-cache"],
    ["Sec-WebSocket-Key", key],
    ["Sec-WebSocket-Version", "13"],
  ];
  if (extensions) fields.push(["Sec-WebSocket-Extensions", extensions]);
  return fields;
}

/**
 * Checks a server's handshake response (RFC 6455 4.2.2 and 4.1 steps 1 to 6 of the client's
 * validation). Returns the problems found; an empty list means the upgrade is valid.
 */
export function checkUpgradeResponse(
  head: Head,
  key: string,
  offeredProtocols: readonly string[] = [],
) {
  const problems: string[] = [];
  const status = /^HTTP\/1\.1 (\d{3})(?: .*)?$/.exec(head.startLine)?.[1];
  if (status !== "101") return [`status line "${head.startLine}" is not 101`];
  if (!headerTokens(head, "upgrade").includes("websocket"))
    problems.push("Upgrade is not websocket");
  if (!headerTokens(head, "connection").includes("upgrade")) {
    problems.push("Connection lacks the Upgrade token");
  }
  const accept = headerValues(head, "sec-websocket-accept");
  if (accept.length !== 1) problems.push(`Sec-WebSocket-Accept appears ${accept.length} times`);
  else if (accept[0] !== acceptFor(key)) problems.push(`wrong Sec-WebSocket-Accept "${accept[0]}"`);
  const protocols = headerValues(head, "sec-websocket-protocol");
  if (protocols.length > 1) problems.push("Sec-WebSocket-Protocol appears more than once");
  if (protocols.length === 1 && !offeredProtocols.includes(protocols[0]!)) {
    problems.push(`server selected subprotocol "${protocols[0]}" that was not offered`);
  }
  return problems;
}

/** Judges an observation into a result record. */
export function toResult(
  c: Case,
  o: Observation,
  durationMs: number,
  loopCount?: number,
): CaseResult {
  const v = judge(c, o);
  return {
    id: c.id,
    description: c.description,
    ...v,
    durationMs: Math.round(durationMs),
    remoteCloseCode: o.peerCloseCode,
    ...(loopCount === undefined ? {} : { loopCount }),
  };
}
