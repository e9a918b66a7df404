/**
 * Diagnostics channels: what observability tools (APM agents, tracers,
 * a test's own subscriber) hook into without any option on the server or
 * the client, as they do with undici's `undici:websocket:*` channels and
 * Node's own `http.*`/`net.*` ones.
 *
 * | channel                        | published when                                          | message             |
 * |--------------------------------|---------------------------------------------------------|---------------------|
 * | `websocket-sansio:handshake`   | a server answers a handshake request (accepted or refused), a client receives the answer | {@link HandshakeDiagnostic} |
 * | `websocket-sansio:open`        | a connection opens (the handshake succeeded)            | {@link OpenDiagnostic} |
 * | `websocket-sansio:close`       | a connection's protocol is closed (every connection, opened or not) | {@link CloseDiagnostic} |
 * | `websocket-sansio:error`       | a connection closes with an error (just before its close); a server's handler or hook threw | {@link ErrorDiagnostic} |
 *
 * They are published at the points where the `logger` option's `handshake`,
 * `open`, `closed` and `error` records are made, by the connection layer, so
 * every runtime and every facade (ws, WHATWG) built on it publishes them.
 *
 * # How the layer finds the channels
 *
 * The connection layer runs on every runtime and imports nothing from one
 * (`src/connection/tsconfig.json` checks it). A static
 * `import "node:diagnostics_channel"` would break it in browsers and in
 * bundles for them; a dynamic `import()` resolves a turn late (the first
 * connections of a process would go unreported) and makes bundlers split a
 * chunk. `process.getBuiltinModule` (Node 20.16 and 22.3, Bun, Deno 2; tested
 * on each) loads the module synchronously, once, when this module loads:
 * that feature test is the seam, and where it fails (a browser, Node before
 * 20.16, a runtime without Node's `process`) nothing is published and
 * nothing is paid.
 *
 * # Cost
 *
 * Nothing is published per message: only at a connection's handshake, open,
 * close and failure. At each of those points the cost with no subscriber is
 * one `hasSubscribers` read, and no message object is built. Measured with
 * instruction counts (bench/connection-fixed.ts, `node --predictable` under
 * callgrind): the 64 B echo and opening and closing connections cost the
 * same as before the channels, within the spread; loading the module costs
 * about 4 million instructions once.
 *
 * @module
 */

import type { Request } from "../core/http1/message.js";
import type { Connection } from "./connection.js";
import type { ConnectionState } from "./state.js";

/** The names of the channels, for `diagnostics_channel.channel(name)` or `subscribe(name, fn)`. */
export const diagnosticsChannels = {
  handshake: "websocket-sansio:handshake",
  open: "websocket-sansio:open",
  close: "websocket-sansio:close",
  error: "websocket-sansio:error",
} as const;

/**
 * `websocket-sansio:handshake`: a server answered a handshake request (101,
 * or 200 for a WebSocket over HTTP/2; any other status refused it), or a
 * client received the server's answer. The full response is
 * `connection.response` (a server builds an accepted one on demand).
 */
export interface HandshakeDiagnostic {
  readonly connection: Connection;
  /** The handshake request (received by a server, sent by a client). */
  readonly request: Request;
  /** The status of the response. */
  readonly status: number;
}

/** `websocket-sansio:open`: a connection opened; its subprotocol, extensions and peer address are on it. */
export interface OpenDiagnostic {
  readonly connection: Connection;
  /** The handshake request; undefined for a connection built on a protocol that starts open. */
  readonly request: Request | undefined;
}

/**
 * `websocket-sansio:close`: a connection's protocol is closed (the same
 * values `connection.closed` resolves with, which it does once the transport
 * has closed too). Published once for every connection, refused handshakes
 * included.
 */
export interface CloseDiagnostic {
  readonly connection: Connection;
  /** The close code received (1005: a close frame without one; 1006: none received). */
  readonly code: number;
  readonly reason: string;
  /** Whether close frames went both ways before the transport closed. */
  readonly wasClean: boolean;
  /** Why the connection failed, if it did (also published on `websocket-sansio:error`). */
  readonly error: Error | undefined;
}

/**
 * `websocket-sansio:error`: a connection closes with an error (the `error`
 * of its `closed`: the peer's protocol error, a refused handshake, a
 * timeout, a transport failure, a local abort), published once, just before
 * its `websocket-sansio:close`; or a server's handler or hook threw (the
 * connection then closes with 1011, or the handshake is answered 500),
 * unless what it threw is the `ConnectionClosed` error of its connection's
 * close.
 */
export interface ErrorDiagnostic {
  readonly connection: Connection;
  readonly error: Error;
}

/** What the layer uses of a `diagnostics_channel` channel. */
interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

/** The four channels, or undefined where the runtime has no `diagnostics_channel`. */
interface Channels {
  readonly handshake: Channel;
  readonly open: Channel;
  readonly close: Channel;
  readonly error: Channel;
}

/** The bit of `process` the feature test reads, typed here: the layer sees no runtime's types. */
interface ProcessWithBuiltins {
  getBuiltinModule?(id: string): unknown;
}

function findChannels(): Channels | undefined {
  try {
    const process = (globalThis as { process?: ProcessWithBuiltins }).process;
    const module = process?.getBuiltinModule?.("node:diagnostics_channel") as
      | { channel?: (name: string) => Channel }
      | undefined;
    const channel = module?.channel;
    if (typeof channel !== "function") return undefined;
    return {
      handshake: channel(diagnosticsChannels.handshake),
      open: channel(diagnosticsChannels.open),
      close: channel(diagnosticsChannels.close),
      error: channel(diagnosticsChannels.error),
    };
  } catch {
    // A runtime that has the function but refuses the module (a sandbox).
    return undefined;
  }
}

// Held for the life of the process: Node keeps channels weakly, by name.
const channels: Channels | undefined = findChannels();

// The publishers take the state class, which every class of the chain is, so
// that the chain's files can call them with `this`; every connection is a
// Connection at run time (the chain ends there).
type Publisher = ConnectionState;

/** Publishes on `websocket-sansio:handshake` when someone listens. */
export function publishHandshake(connection: Publisher, request: Request, status: number): void {
  const channel = channels?.handshake;
  if (channel?.hasSubscribers) {
    channel.publish({
      connection: connection as Connection,
      request,
      status,
    } satisfies HandshakeDiagnostic);
  }
}

/** Publishes on `websocket-sansio:open` when someone listens. */
export function publishOpen(connection: Publisher): void {
  const channel = channels?.open;
  if (channel?.hasSubscribers) {
    const open = connection as Connection;
    channel.publish({ connection: open, request: open.request } satisfies OpenDiagnostic);
  }
}

/** Publishes on `websocket-sansio:close` when someone listens. */
export function publishClose(
  connection: Publisher,
  code: number,
  reason: string,
  wasClean: boolean,
  error: Error | undefined,
): void {
  const channel = channels?.close;
  if (channel?.hasSubscribers) {
    channel.publish({
      connection: connection as Connection,
      code,
      reason,
      wasClean,
      error,
    } satisfies CloseDiagnostic);
  }
}

/** Publishes on `websocket-sansio:error` when someone listens. */
export function publishError(connection: Publisher, error: unknown): void {
  const channel = channels?.error;
  if (channel?.hasSubscribers) {
    // A handler may throw anything; subscribers get an Error, with the value as its cause.
    const wrapped =
      error instanceof Error
        ? error
        : new Error(`Non-error thrown: ${String(error)}`, { cause: error });
    channel.publish({
      connection: connection as Connection,
      error: wrapped,
    } satisfies ErrorDiagnostic);
  }
}
