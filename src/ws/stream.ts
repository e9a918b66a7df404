/**
 * ws's `createWebSocketStream`: a Node `Duplex` over a ws-style WebSocket,
 * written (as ws's is) against the WebSocket's public API only: messages are
 * pushed (the WebSocket pauses when the readable side is full), writes are
 * sends, ending the writable side closes the WebSocket.
 *
 * @module
 */

import { Duplex, type DuplexOptions } from "node:stream";
import type { WebSocket } from "./websocket.js";

function emitClose(stream: Duplex): void {
  stream.emit("close");
}

function duplexOnEnd(this: Duplex): void {
  if (!this.destroyed && this.writableFinished) this.destroy();
}

// ws destroys the duplex once both sides are done; here the writable side
// finishes on the WebSocket's `close`, which may come before or after `end`.
function duplexOnFinish(this: Duplex): void {
  if (!this.destroyed && this.readableEnded) this.destroy();
}

function duplexOnError(this: Duplex, error: Error): void {
  this.removeListener("error", duplexOnError);
  this.destroy();
  // Do not suppress the throwing behaviour.
  if (this.listenerCount("error") === 0) this.emit("error", error);
}

/**
 * Wraps `ws` in a `Duplex`: what the peer sends is read from it, what is
 * written to it is sent (one message per write).
 *
 * @example
 * ```ts
 * const duplex = createWebSocketStream(ws, { encoding: "utf8" });
 * duplex.pipe(process.stdout);
 * process.stdin.pipe(duplex);
 * ```
 */
export function createWebSocketStream(ws: WebSocket, options?: DuplexOptions): Duplex {
  let terminateOnDestroy = true;
  const duplex = new Duplex({
    ...options,
    autoDestroy: false,
    emitClose: false,
    objectMode: false,
    writableObjectMode: false,
  });

  ws.on("message", (message: Buffer, isBinary: boolean) => {
    const data = !isBinary && duplex.readableObjectMode ? message.toString() : message;
    if (!duplex.push(data)) ws.pause();
  });

  ws.once("error", (error: Error) => {
    if (duplex.destroyed) return;
    // The WebSocket already closes itself (with a close frame) after an error.
    terminateOnDestroy = false;
    duplex.destroy(error);
  });

  ws.once("close", () => {
    if (duplex.destroyed) return;
    duplex.push(null);
  });

  duplex._destroy = (error, callback) => {
    if (ws.readyState === ws.CLOSED) {
      callback(error);
      process.nextTick(emitClose, duplex);
      return;
    }
    let called = false;
    ws.once("error", (err: Error) => {
      called = true;
      callback(err);
    });
    ws.once("close", () => {
      if (!called) callback(error);
      process.nextTick(emitClose, duplex);
    });
    if (terminateOnDestroy) ws.terminate();
  };

  duplex._final = (callback) => {
    if (ws.readyState === ws.CONNECTING) {
      ws.once("open", () => duplex._final(callback));
      return;
    }
    if (ws.readyState === ws.CLOSED) {
      callback();
      if (duplex.readableEnded) duplex.destroy();
      return;
    }
    ws.once("close", () => callback());
    ws.close();
  };

  duplex._read = () => {
    if (ws.isPaused) ws.resume();
  };

  duplex._write = (chunk, encoding, callback) => {
    if (ws.readyState === ws.CONNECTING) {
      ws.once("open", () => duplex._write(chunk, encoding, callback));
      return;
    }
    ws.send(chunk, callback);
  };

  duplex.on("end", duplexOnEnd);
  duplex.on("finish", duplexOnFinish);
  duplex.on("error", duplexOnError);
  return duplex;
}
