/**
 * Waiting for a socket to connect, for every dialer on Node: ours, the ones
 * built on a user's `createConnection` (the ws facade), and the proxy
 * composition's (to a proxy, and TLS inside its tunnel).
 *
 * @module
 */

import type { Socket } from "node:net";

/**
 * `wrap(socket)` once the socket is connected (after its TLS handshake when
 * `secure`), made in the connect event itself so that no error can fall
 * between the two with nobody listening; or the socket's error, the socket
 * destroyed.
 */
export function connected<T>(
  socket: Socket,
  secure: boolean,
  wrap: (socket: Socket) => T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    // A plain socket handed over already connected has no connect to wait for.
    if (!secure && !socket.connecting) {
      resolve(wrap(socket));
      return;
    }
    const event = secure ? "secureConnect" : "connect";
    const onError = (error: Error): void => {
      socket.off(event, onConnect);
      socket.destroy();
      reject(error);
    };
    const onConnect = (): void => {
      socket.off("error", onError);
      resolve(wrap(socket));
    };
    socket.once("error", onError);
    socket.once(event, onConnect);
  });
}
