// Shared by the ws facade's tests: servers on free loopback ports, waiting for
// events, a recorder of ws-style event traces.

import type { EventEmitter } from "node:events";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "../../src/ws/index.js";

/** A facade server listening on a free loopback port, once it listens. */
export async function listening(
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
  await once(wss, "listening");
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
}

/** Resolves with the arguments of the next `event`. */
export function next<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
): Promise<T> {
  return once(emitter, event) as Promise<T>;
}

/** Resolves when the server has emitted `close` (after its clients closed). */
export function closeServer(wss: { close(cb?: () => void): void }): Promise<void> {
  return new Promise((resolve) => wss.close(() => resolve()));
}

/** Resolves with the code and reason of `ws`'s close event. */
export function closed(ws: EventEmitter): Promise<{ code: number; reason: string }> {
  // Not events.once, which rejects on an `error` event.
  return new Promise((resolve) =>
    ws.once("close", (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString() }),
    ),
  );
}

/** Opens a client (any ws-like class) and resolves when it is open. */
export async function open<C extends EventEmitter>(client: C): Promise<C> {
  await once(client, "open");
  return client;
}

// Not `unexpected-response`: a listener for it makes ws leave a refused handshake to it.
const EVENTS = ["open", "upgrade", "message", "ping", "pong", "close", "error"];

/**
 * Records a WebSocket's events as comparable strings: the event, then its
 * arguments as ws gives them (Buffers as text, errors by class, code and message).
 */
export function record(ws: EventEmitter | WebSocket, trace: string[], prefix = ""): void {
  for (const event of EVENTS) {
    ws.on(event, (...args: unknown[]) => {
      const shown = args.map((arg) => {
        if (Buffer.isBuffer(arg)) return JSON.stringify(arg.toString());
        if (arg instanceof Error) {
          return `${arg.constructor.name}(${(arg as { code?: string }).code ?? ""}: ${arg.message})`;
        }
        if (typeof arg === "object" && arg !== null && "statusCode" in arg) {
          return `status ${(arg as { statusCode: number }).statusCode}`;
        }
        return typeof arg === "object" ? typeof arg : String(arg);
      });
      trace.push(
        `${prefix}${event}${shown.length > 0 ? ` ${shown.join(" ")}` : ""} [${(ws as { readyState: number }).readyState}]`,
      );
    });
  }
}
