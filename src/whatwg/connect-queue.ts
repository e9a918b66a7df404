/**
 * One opening handshake at a time to each host and port, as RFC 6455 4.1
 * requires of a client (item 2 of the client's requirements: "If the client
 * already has a WebSocket connection to the remote host ... in the
 * CONNECTING state, ... the client MUST wait until that connection has been
 * established or for that connection to have failed"), and as browsers do
 * (Chromium's WebSocketEndpointLockManager). It keeps a page that opens many
 * WebSockets at once from flooding a server with handshakes.
 *
 * The key is the URL's host name and port, not the address it resolves to:
 * the facade does not resolve names itself (a proxy may do it), and the RFC
 * lets a client that cannot know the address take each host name as a host
 * of its own.
 *
 * Shared by `WebSocket` and `WebSocketStream`; a module-level map, so no
 * field on any connection.
 *
 * @module
 */

import type { ClientConnection } from "../connection/client.js";

/** Per host and port: the starts waiting for the handshake in progress to end. */
const waiting = new Map<string, (() => void)[]>();

function keyOf(url: URL): string {
  const port = url.port !== "" ? url.port : url.protocol === "wss:" ? "443" : "80";
  return `${url.hostname}:${port}`;
}

/** Lets the next handshake to `key` start, or frees the key. */
function release(key: string): void {
  const queue = waiting.get(key);
  const next = queue?.shift();
  if (next !== undefined) next();
  else waiting.delete(key);
}

/**
 * Runs `connect()` once no other handshake to `url`'s host and port is in
 * progress (through this module), and lets the next one start when it
 * settles. Aborting `signal` while waiting rejects without connecting and
 * without letting a later one pass the handshake in progress.
 */
export function connectInTurn(
  url: URL,
  signal: AbortSignal,
  connect: () => Promise<ClientConnection>,
): Promise<ClientConnection> {
  const key = keyOf(url);
  const started = (): Promise<ClientConnection> => {
    let attempt: Promise<ClientConnection>;
    try {
      attempt = connect();
    } catch (error) {
      // A throw must not keep the key for ever.
      attempt = Promise.reject(error);
    }
    const done = (): void => release(key);
    attempt.then(done, done);
    return attempt;
  };
  const queue = waiting.get(key);
  if (queue === undefined) {
    waiting.set(key, []);
    return started();
  }
  return new Promise((resolve, reject) => {
    const turn = (): void => {
      signal.removeEventListener("abort", aborted);
      started().then(resolve, reject);
    };
    // Given up while waiting: leave the queue; the handshake in progress
    // still holds the key.
    const aborted = (): void => {
      queue.splice(queue.indexOf(turn), 1);
      reject(signal.reason);
    };
    queue.push(turn);
    signal.addEventListener("abort", aborted, { once: true });
  });
}
