/**
 * Section 0: the opening-handshake cases Autobahn never wrote, from the handshake lines of
 * RFC-CHECKLIST.md (RFC 6455 4.1, 4.2, 9.1 and RFC 7692 7.1), for both roles.
 *
 * - 0.1.x test a server (fuzzing client mode): malformed requests must be refused with an HTTP
 *   error and no upgrade; valid variants must be accepted with a correct 101 response.
 * - 0.2.x test a client (fuzzing server mode): malformed 101 responses must make the client fail
 *   the connection (close TCP, send no frame); valid variants must work.
 *
 * Every client request, in every case, is also checked against RFC 6455 4.1 by
 * {@link checkClientRequest}.
 */
import type { Socket } from "node:net";
import { runCase } from "./case-runner.js";
import type { Case } from "./catalogue.js";
import { encodeFrame, FrameReader, OPCODE } from "./frames.js";
import {
  acceptFor,
  type Head,
  headerTokens,
  headerValues,
  newKey,
  parseExtensions,
  writeHead,
} from "./http.js";
import type { CaseResult } from "./results.js";
import type { Verdict } from "./verdict.js";
import {
  checkUpgradeResponse,
  openSocket,
  readHead,
  requestFields,
  type Target,
  toResult,
} from "./wire.js";

/** A section-0 case. */
export interface HandshakeCase {
  readonly id: string;
  readonly description: string;
  /** The role under test. */
  readonly tests: "server" | "client";
}

type Fields = [string, string][];

/** A request-side case (tests a server). */
interface ServerCase extends HandshakeCase {
  readonly tests: "server";
  /** Builds the request head from the default fields. */
  readonly request: (defaults: Fields, path: string) => { startLine?: string; fields: Fields };
  /** `accept`: a valid 101 is required; `reject`: an HTTP error is required; `decline`: 101
   * without the offered extension, or an HTTP error. */
  readonly expect: "accept" | "reject" | "reject-version" | "decline";
  readonly offeredProtocols?: readonly string[];
}

/** A response-side case (tests a client). */
interface ClientCase extends HandshakeCase {
  readonly tests: "client";
  /** Builds the response for a request; `accept` cases must then echo, others must fail. */
  readonly response: (
    key: string,
    defaults: Fields,
  ) => { startLine?: string; fields: Fields; body?: string };
  readonly expect: "accept" | "fail";
  /** Delay the response (checks that the client sends nothing before it). */
  readonly delayMs?: number;
}

const without = (fields: Fields, name: string) => fields.filter(([n]) => n.toLowerCase() !== name);
const replace = (fields: Fields, name: string, value: string): Fields =>
  fields.map(([n, v]) => [n, n.toLowerCase() === name ? value : v]);

/** The server-role handshake cases (run by the fuzzing client). */
export const SERVER_CASES: readonly ServerCase[] = [
  {
    id: "0.1.1",
    description: "Valid request as Autobahn sends it (Upgrade: WebSocket, Host with port)",
    tests: "server",
    expect: "accept",
    request: (f) => ({ fields: f }),
  },
  {
    id: "0.1.2",
    description: "Lower-case header names and values; Connection: keep-alive, Upgrade",
    tests: "server",
    expect: "accept",
    request: (f) => ({
      fields: replace(
        replace(
          f.map(([n, v]) => [n.toLowerCase(), v]),
          "upgrade",
          "websocket",
        ),
        "connection",
        "keep-alive, upgrade",
      ),
    }),
  },
  {
    id: "0.1.3",
    description: "Upgrade: WEBSOCKET in upper case and a Host header with an explicit default port",
    tests: "server",
    expect: "accept",
    request: (f) => ({
      fields: replace(replace(f, "upgrade", "WEBSOCKET"), "host", "localhost:80"),
    }),
  },
  {
    id: "0.1.4",
    description: "Subprotocols offered in two header lines: any answer must be one offered, once",
    tests: "server",
    expect: "accept",
    offeredProtocols: ["chat", "superchat", "echo"],
    request: (f) => ({
      fields: [
        ...f,
        ["Sec-WebSocket-Protocol", "chat, superchat"],
        ["Sec-WebSocket-Protocol", "echo"],
      ],
    }),
  },
  {
    id: "0.1.5",
    description: "Unknown extension offered: the response must not include it",
    tests: "server",
    expect: "accept",
    request: (f) => ({ fields: [...f, ["Sec-WebSocket-Extensions", "x-unknown-extension; a=1"]] }),
  },
  {
    id: "0.1.6",
    description: "Method POST instead of GET",
    tests: "server",
    expect: "reject",
    request: (f, p) => ({
      startLine: `POST ${p} HTTP/1.1`,
      fields: [...f, ["Content-Length", "0"]],
    }),
  },
  {
    id: "0.1.7",
    description: "HTTP/1.0 request",
    tests: "server",
    expect: "reject",
    request: (f, p) => ({ startLine: `GET ${p} HTTP/1.0`, fields: f }),
  },
  {
    id: "0.1.8",
    description: "No Host header",
    tests: "server",
    expect: "reject",
    request: (f) => ({ fields: without(f, "host") }),
  },
  {
    id: "0.1.9",
    description: "Upgrade: h2c instead of websocket",
    tests: "server",
    expect: "reject",
    request: (f) => ({ fields: replace(f, "upgrade", "h2c") }),
  },
  {
    id: "0.1.10",
    description: "Connection: keep-alive without the Upgrade token",
    tests: "server",
    expect: "reject",
    request: (f) => ({ fields: replace(f, "connection", "keep-alive") }),
  },
  {
    id: "0.1.11",
    description: "Sec-WebSocket-Key of 15 bytes",
    tests: "server",
    expect: "reject",
    request: (f) => ({
      fields: replace(f, "sec-websocket-key", Buffer.alloc(15, 7).toString("base64")),
    }),
  },
  {
    id: "0.1.12",
    description: "No Sec-WebSocket-Key",
    tests: "server",
    expect: "reject",
    request: (f) => ({ fields: without(f, "sec-websocket-key") }),
  },
  {
    id: "0.1.13",
    description: "Sec-WebSocket-Key twice",
    tests: "server",
    expect: "reject",
    request: (f) => ({ fields: [...f, ["Sec-WebSocket-Key", newKey()]] }),
  },
  {
    id: "0.1.14",
    description: "Sec-WebSocket-Version: 99 (must be refused, with Sec-WebSocket-Version: 13)",
    tests: "server",
    expect: "reject-version",
    // Not 8: hybi drafts 08 to 12 used it, and a server may still understand it (ws does).
    request: (f) => ({ fields: replace(f, "sec-websocket-version", "99") }),
  },
  {
    id: "0.1.15",
    description: "No Sec-WebSocket-Version",
    tests: "server",
    expect: "reject",
    request: (f) => ({ fields: without(f, "sec-websocket-version") }),
  },
  {
    id: "0.1.16",
    description: "Sec-WebSocket-Version twice (13 and 13)",
    tests: "server",
    expect: "reject",
    request: (f) => ({ fields: [...f, ["Sec-WebSocket-Version", "13"]] }),
  },
  {
    id: "0.1.17",
    description: "Malformed Sec-WebSocket-Extensions (violates the RFC 6455 9.1 ABNF)",
    tests: "server",
    expect: "decline",
    request: (f) => ({ fields: [...f, ["Sec-WebSocket-Extensions", "permessage-deflate; =;;"]] }),
  },
  {
    id: "0.1.18",
    description: "permessage-deflate offer with an unknown parameter (RFC 7692 7.1: decline)",
    tests: "server",
    expect: "decline",
    request: (f) => ({ fields: [...f, ["Sec-WebSocket-Extensions", "permessage-deflate; foo=1"]] }),
  },
  {
    id: "0.1.19",
    description: "permessage-deflate offer with server_max_window_bits=16 (invalid value)",
    tests: "server",
    expect: "decline",
    request: (f) => ({
      fields: [...f, ["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=16"]],
    }),
  },
  {
    id: "0.1.20",
    description: "permessage-deflate offer with a duplicated parameter",
    tests: "server",
    expect: "decline",
    request: (f) => ({
      fields: [
        ...f,
        [
          "Sec-WebSocket-Extensions",
          "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        ],
      ],
    }),
  },
  {
    id: "0.1.21",
    description: "permessage-deflate offer with a leading zero (server_max_window_bits=09)",
    tests: "server",
    expect: "decline",
    request: (f) => ({
      fields: [...f, ["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=09"]],
    }),
  },
];

const good = (key: string, extra: Fields = []): Fields => [
  ["Upgrade", "websocket"],
  ["Connection", "Upgrade"],
  ["Sec-WebSocket-Accept", acceptFor(key)],
  ...extra,
];
const OK_LINE = "HTTP/1.1 101 Switching Protocols";

/** The client-role handshake cases (run by the fuzzing server). */
export const CLIENT_CASES: readonly ClientCase[] = [
  {
    id: "0.2.1",
    description: "Valid response sent after 250 ms: the client must send nothing before it",
    tests: "client",
    expect: "accept",
    delayMs: 250,
    response: (key) => ({ fields: good(key) }),
  },
  {
    id: "0.2.2",
    description: "Valid response with Upgrade: WEBSOCKET, Connection: upgrade and a reason phrase",
    tests: "client",
    expect: "accept",
    response: (key) => ({
      startLine: "HTTP/1.1 101 Web Socket Protocol Handshake",
      fields: [
        ["upgrade", "WEBSOCKET"],
        ["connection", "keep-alive, upgrade"],
        ["sec-websocket-accept", ` ${acceptFor(key)}`],
        ["X-Extra", "1"],
      ],
    }),
  },
  {
    id: "0.2.3",
    description: "Status 200 instead of 101",
    tests: "client",
    expect: "fail",
    response: () => ({ startLine: "HTTP/1.1 200 OK", fields: [["Content-Length", "0"]] }),
  },
  {
    id: "0.2.4",
    description: "Status 400",
    tests: "client",
    expect: "fail",
    response: () => ({ startLine: "HTTP/1.1 400 Bad Request", fields: [["Content-Length", "0"]] }),
  },
  {
    id: "0.2.5",
    description: "101 without Upgrade",
    tests: "client",
    expect: "fail",
    response: (key) => ({ fields: without(good(key), "upgrade") }),
  },
  {
    id: "0.2.6",
    description: "101 with Upgrade: h2c",
    tests: "client",
    expect: "fail",
    response: (key) => ({ fields: replace(good(key), "upgrade", "h2c") }),
  },
  {
    id: "0.2.7",
    description: "101 without Connection",
    tests: "client",
    expect: "fail",
    response: (key) => ({ fields: without(good(key), "connection") }),
  },
  {
    id: "0.2.8",
    description: "101 with a wrong Sec-WebSocket-Accept",
    tests: "client",
    expect: "fail",
    response: (key) => ({
      fields: replace(good(key), "sec-websocket-accept", acceptFor(`${key}x`)),
    }),
  },
  {
    id: "0.2.9",
    description: "101 without Sec-WebSocket-Accept",
    tests: "client",
    expect: "fail",
    response: (key) => ({ fields: without(good(key), "sec-websocket-accept") }),
  },
  {
    id: "0.2.10",
    description: "101 with Sec-WebSocket-Accept twice",
    tests: "client",
    expect: "fail",
    response: (key) => ({ fields: good(key, [["Sec-WebSocket-Accept", acceptFor(key)]]) }),
  },
  {
    id: "0.2.11",
    description: "101 selecting a subprotocol the client did not offer",
    tests: "client",
    expect: "fail",
    response: (key) => ({ fields: good(key, [["Sec-WebSocket-Protocol", "never-offered"]]) }),
  },
  {
    id: "0.2.12",
    description: "101 selecting an extension the client did not offer",
    tests: "client",
    expect: "fail",
    response: (key) => ({ fields: good(key, [["Sec-WebSocket-Extensions", "x-never-offered"]]) }),
  },
  {
    id: "0.2.13",
    description: "101 accepting permessage-deflate with an unknown parameter",
    tests: "client",
    expect: "fail",
    response: (key) => ({
      fields: good(key, [["Sec-WebSocket-Extensions", "permessage-deflate; foo=1"]]),
    }),
  },
  {
    id: "0.2.14",
    description: "101 accepting permessage-deflate with server_max_window_bits=16",
    tests: "client",
    expect: "fail",
    response: (key) => ({
      fields: good(key, [
        ["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=16"],
      ]),
    }),
  },
  {
    id: "0.2.15",
    description: "101 accepting permessage-deflate twice (two elements claim RSV1)",
    tests: "client",
    expect: "fail",
    response: (key) => ({
      fields: good(key, [["Sec-WebSocket-Extensions", "permessage-deflate, permessage-deflate"]]),
    }),
  },
  {
    id: "0.2.16",
    description: "101 with a malformed Sec-WebSocket-Extensions (violates the 9.1 ABNF)",
    tests: "client",
    expect: "fail",
    response: (key) => ({
      fields: good(key, [["Sec-WebSocket-Extensions", "permessage-deflate;;="]]),
    }),
  },
];

/** The echo case every accepted handshake continues with (7.1.1: echo, then clean close). */
function echoCase(catalogue: readonly Case[], id: string, description: string): Case {
  const base = catalogue.find((c) => c.id === "7.1.1");
  if (!base) throw new Error("Cannot build handshake cases: case 7.1.1 is missing");
  return {
    ...base,
    id,
    section: 0,
    description,
    expect: { ...base.expect, close: { ...base.expect.close, wrong_code_fails_case: false } },
  };
}

function result(
  c: HandshakeCase,
  behavior: Verdict,
  reason: string,
  started: number,
  remoteCloseCode: number | null = null,
): CaseResult {
  return {
    id: c.id,
    description: c.description,
    behavior,
    behaviorClose: behavior === "FAILED" ? "FAILED" : "OK",
    result: reason,
    resultClose: behavior === "FAILED" ? reason : "No WebSocket connection to close",
    durationMs: Math.round(performance.now() - started),
    remoteCloseCode,
  };
}

/** Runs a server-role case against the echo server at `target`. */
export async function runServerCase(
  c: ServerCase,
  target: Target,
  catalogue: readonly Case[],
): Promise<CaseResult> {
  const started = performance.now();
  let socket: Socket;
  try {
    socket = await openSocket(target);
  } catch (e) {
    return result(c, "FAILED", `Cannot connect: ${(e as Error).message}`, started);
  }
  const key = newKey();
  const fields = requestFields(target, key);
  const { startLine, fields: sent } = c.request(fields, target.path);
  socket.write(writeHead(startLine ?? `GET ${target.path} HTTP/1.1`, sent));
  let head: Head;
  let rest: Uint8Array;
  try {
    ({ head, rest } = await readHead(socket));
  } catch (e) {
    socket.destroy();
    const closed = (e as Error).message.includes("closed");
    // Closing TCP without an answer is an unhelpful but safe refusal.
    return c.expect === "accept"
      ? result(c, "FAILED", `No valid handshake response: ${(e as Error).message}`, started)
      : result(
          c,
          closed ? "NON-STRICT" : "FAILED",
          `No HTTP error response: ${(e as Error).message}`,
          started,
        );
  }
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.startLine)?.[1];
  if (c.expect !== "accept" && status !== "101") {
    socket.destroy();
    if (!status || !/^[45]/.test(status)) {
      return result(
        c,
        "FAILED",
        `Refused with "${head.startLine}", not a 4xx or 5xx error`,
        started,
      );
    }
    if (
      c.expect === "reject-version" &&
      !headerTokens(head, "sec-websocket-version").includes("13")
    ) {
      return result(
        c,
        "NON-STRICT",
        `Refused with ${status} but without Sec-WebSocket-Version: 13 (RFC 6455 4.4)`,
        started,
      );
    }
    return result(c, "OK", `Refused with ${status}`, started);
  }
  if (c.expect === "reject" || c.expect === "reject-version") {
    socket.destroy();
    return result(c, "FAILED", `Accepted an invalid request with "${head.startLine}"`, started);
  }
  const problems =
    status === "101" ? checkUpgradeResponse(head, key, c.offeredProtocols ?? []) : [];
  if (status !== "101") problems.push(`expected 101, got "${head.startLine}"`);
  const extensions = headerValues(head, "sec-websocket-extensions");
  if (extensions.length > 0) {
    problems.push(`Accepted extensions "${extensions.join(", ")}" from an offer it must decline`);
  }
  if (problems.length > 0) {
    socket.destroy();
    return result(c, "FAILED", problems.join("; "), started);
  }
  const run = await runCase(echoCase(catalogue, c.id, c.description), socket, rest, {
    role: "client",
    deflate: null,
    catalogue,
  });
  return { ...toResult(echoCase(catalogue, c.id, c.description), run.observation, run.durationMs) };
}

const BASE64_16 = /^[A-Za-z0-9+/]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Checks a client's opening handshake request against RFC 6455 4.1. `host` and `port` are the
 * fuzzer's; `seenKeys` collects keys across the run (each must be fresh).
 */
export function checkClientRequest(head: Head, port: number, seenKeys: Set<string>): string[] {
  const problems: string[] = [];
  const line = /^GET (\S+) HTTP\/1\.(\d)$/.exec(head.startLine);
  if (!line || Number(line[2]) < 1)
    problems.push(`request line "${head.startLine}" is not GET ... HTTP/1.1`);
  else if (!line[1]!.startsWith("/"))
    problems.push(`request target "${line[1]}" is not a resource name`);
  const host = headerValues(head, "host");
  if (host.length !== 1) problems.push(`Host appears ${host.length} times`);
  else if (!host[0]!.endsWith(`:${port}`))
    problems.push(`Host "${host[0]}" lacks the non-default port ${port}`);
  if (!headerTokens(head, "upgrade").includes("websocket"))
    problems.push("Upgrade lacks websocket");
  if (!headerTokens(head, "connection").includes("upgrade"))
    problems.push("Connection lacks Upgrade");
  const key = headerValues(head, "sec-websocket-key");
  if (key.length !== 1) problems.push(`Sec-WebSocket-Key appears ${key.length} times`);
  else if (!BASE64_16.test(key[0]!))
    problems.push(`Sec-WebSocket-Key "${key[0]}" is not 16 bytes of base64`);
  else if (seenKeys.has(key[0]!)) problems.push(`Sec-WebSocket-Key "${key[0]}" was used before`);
  else seenKeys.add(key[0]!);
  const version = headerValues(head, "sec-websocket-version");
  if (version.length !== 1 || version[0] !== "13") {
    problems.push(`Sec-WebSocket-Version is ${JSON.stringify(version)}, not exactly one 13`);
  }
  const protocols = headerValues(head, "sec-websocket-protocol").flatMap((v) =>
    v.split(",").map((p) => p.trim()),
  );
  if (protocols.some((p) => !TOKEN.test(p)))
    problems.push("Sec-WebSocket-Protocol has a value that is not a token");
  if (new Set(protocols).size !== protocols.length)
    problems.push("Sec-WebSocket-Protocol repeats a value");
  for (const v of headerValues(head, "sec-websocket-extensions")) {
    try {
      parseExtensions(v);
    } catch (e) {
      problems.push(`Sec-WebSocket-Extensions: ${(e as Error).message}`);
    }
  }
  return problems;
}

/** Watches a socket for `ms`: resolves with the bytes received and whether the peer closed. */
function watch(
  socket: Socket,
  ms: number,
): Promise<{ bytes: number; closed: boolean; data: Buffer[] }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const data: Buffer[] = [];
    const onData = (b: Buffer) => {
      bytes += b.length;
      data.push(b);
    };
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      resolve({ bytes, closed, data });
    };
    const onEnd = () => finish(true);
    const timer = setTimeout(() => finish(false), ms);
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    socket.resume();
  });
}

/** Runs a client-role case on a connection whose request head has been read. */
export async function runClientCase(
  c: ClientCase,
  socket: Socket,
  head: Head,
  rest: Uint8Array,
  catalogue: readonly Case[],
): Promise<CaseResult> {
  const started = performance.now();
  const key = headerValues(head, "sec-websocket-key")[0] ?? "";
  if (c.delayMs) {
    const early = await watch(socket, c.delayMs);
    if (early.bytes + rest.length > 0) {
      socket.destroy();
      return result(
        c,
        "FAILED",
        "The client sent data before the handshake response (RFC 6455 4.1)",
        started,
      );
    }
  }
  const { startLine, fields, body } = c.response(key, []);
  socket.write(writeHead(startLine ?? OK_LINE, fields));
  if (body) socket.write(body);
  if (c.expect === "accept") {
    const echo = echoCase(catalogue, c.id, c.description);
    const run = await runCase(echo, socket, new Uint8Array(0), {
      role: "server",
      deflate: null,
      catalogue,
    });
    return toResult(echo, run.observation, run.durationMs);
  }
  // A client that failed the handshake sends nothing more; one that did not echoes the probe.
  socket.write(encodeFrame(OPCODE.text, new TextEncoder().encode("probe")));
  const seen = await watch(socket, 2000);
  socket.destroy();
  if (seen.bytes > 0) {
    return result(
      c,
      "FAILED",
      `The client accepted the handshake and sent ${describeFrames(seen.data)}`,
      started,
    );
  }
  if (!seen.closed) {
    return result(
      c,
      "NON-STRICT",
      "The client sent nothing but kept TCP open for 2 s (Fail = close the connection)",
      started,
    );
  }
  return result(c, "OK", "The client failed the connection without sending a frame", started);
}

/** Names the frames in bytes a client sent, for the report (`text "probe"`, `close 1002`). */
function describeFrames(data: readonly Buffer[]): string {
  try {
    const frames = new FrameReader({ expectMasked: true, allowRsv1: true }).push(
      Buffer.concat(data),
    );
    return frames
      .map((f) => {
        if (f.opcode === OPCODE.close) {
          const code = f.payload.length >= 2 ? (f.payload[0]! << 8) | f.payload[1]! : "(no code)";
          return `close ${code} ${JSON.stringify(Buffer.from(f.payload.subarray(2)).toString())}`;
        }
        return `opcode ${f.opcode} ${JSON.stringify(Buffer.from(f.payload).toString("latin1"))}`;
      })
      .join(", ");
  } catch {
    return `${Buffer.concat(data).length} bytes that are not frames`;
  }
}
