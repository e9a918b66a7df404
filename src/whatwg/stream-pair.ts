/**
 * A readable and a writable stream over one `Connection`, with backpressure
 * both ways: the readable pulls from the connection's incoming queue (which
 * pauses the transport when full), and a write resolves when `send()` does
 * (when the write buffer is under its high-water mark). `WebSocketStream`
 * gives it to clients; {@link webSocketStreams} to a server's handler.
 *
 * @module
 */

import type { Connection, Message } from "../connection/connection.js";
import type { CloseInfo } from "../connection/errors.js";
import { toUSVString } from "./webidl.js";
import { type WebSocketCloseInfo, WebSocketError, webSocketError } from "./websocket-error.js";

/** What `WebSocketStream.opened` resolves with. */
export interface WebSocketOpenInfo {
  /** Received messages: text as strings, binary as `ArrayBuffer` (as in Chromium). */
  readonly readable: ReadableStream<string | ArrayBuffer>;
  /** Messages to send: strings as text, `ArrayBuffer`s and views as binary. */
  readonly writable: WritableStream<string | ArrayBuffer | ArrayBufferView>;
  /** The negotiated extensions (`Sec-WebSocket-Extensions`). */
  readonly extensions: string;
  /** The negotiated subprotocol, `""` for none. */
  readonly protocol: string;
}

/** What `WebSocketStream.closed` resolves with after a clean close. */
export interface WebSocketClosed {
  readonly closeCode: number;
  readonly reason: string;
}

/** The streams of one connection, its `closed` promise and its `close()`. */
export interface WebSocketStreams extends WebSocketOpenInfo {
  /** Resolves after a clean close; rejects with a `WebSocketError` after an unclean one. */
  readonly closed: Promise<WebSocketClosed>;
  /** Starts the closing handshake (no code: a close frame without one). */
  close(code: number | null, reason: string): void;
}

function bytesOf(chunk: ArrayBuffer | ArrayBufferView): Uint8Array {
  // Copied: the connection may write large buffers without a copy, and the
  // writer may reuse its buffer once write() resolves.
  return chunk instanceof ArrayBuffer
    ? new Uint8Array(chunk.slice(0))
    : new Uint8Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength));
}

/** An `ArrayBuffer` holding exactly `bytes` (the message's own buffer when it is exactly that). */
export function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  const buffer = bytes.buffer;
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength &&
    buffer instanceof ArrayBuffer
  ) {
    return buffer;
  }
  // Uint8Array.slice, not ArrayBuffer.slice: on Node 20 the latter takes
  // V8's slow path (species lookup), 4.8 µs against 0.95 µs for 64 bytes,
  // and was 18% of the client's time in the 64 B echo benchmark.
  return bytes.slice().buffer as ArrayBuffer;
}

/**
 * The WebSocketStream pair over `connection`, which is open. For a server:
 * `serve((connection) => { const { readable, writable } = webSocketStreams(connection); ... })`.
 */
export function webSocketStreams(connection: Connection): WebSocketStreams {
  let unclean: WebSocketError | undefined;
  const failure = (info: CloseInfo): WebSocketError =>
    (unclean ??= webSocketError("WebSocket closed uncleanly", info.code, info.reason));
  const close = (code: number | null, reason: string): void => {
    if (connection.state !== "open") return;
    stopHoldingMessages();
    void connection.close(code, reason).catch(() => {});
  };
  const closeUsing = (reason: unknown): void => {
    if (reason instanceof WebSocketError) close(reason.closeCode, reason.reason);
    else close(null, "");
  };

  let readableController: ReadableStreamDefaultController<string | ArrayBuffer> | undefined;
  let writableController: WritableStreamDefaultController | undefined;
  // Set once the readable is closed, errored or cancelled: nothing more goes in.
  let readableDone = false;
  // The read in progress, if any (pull asks for one message at a time).
  let pulling: Promise<void> | undefined;
  const chunkOf = (message: Message): string | ArrayBuffer =>
    typeof message === "string" ? message : arrayBufferOf(message);
  const endReadable = (info: CloseInfo): void => {
    if (readableDone) return;
    readableDone = true;
    if (info.wasClean) readableController?.close();
    else readableController?.error(failure(info));
  };
  /**
   * After a clean close, the messages still in the connection's queue go
   * into the stream and the stream closes, so that `reader.closed` resolves
   * and `read()` ends once they are read, as in Chromium, whose readable
   * holds its messages itself (ours asks for none ahead of a read, so
   * without this a stream nobody reads would never close).
   */
  const endCleanly = async (info: CloseInfo): Promise<void> => {
    await pulling;
    for (;;) {
      if (readableDone) return;
      let message: Message;
      try {
        message = await connection.recv();
      } catch {
        break;
      }
      if (!readableDone) readableController?.enqueue(chunkOf(message));
    }
    endReadable(info);
  };
  /**
   * Once our side starts the closing handshake, messages stop waiting in
   * the connection's queue: the peer's close frame comes behind them, and a
   * full queue, which pauses the transport, would hold it back until the
   * close timeout (10 s) and close uncleanly. They go into the readable's
   * own queue (to be read before it ends), or nowhere once it is cancelled;
   * what the peer sends until its close frame, within the close timeout.
   */
  let holding = true;
  const stopHoldingMessages = (): void => {
    if (!holding) return;
    holding = false;
    connection.observe((event) => {
      if ((event.type === "text" || event.type === "binary") && !readableDone) {
        readableController?.enqueue(chunkOf(event.data));
      }
    });
  };
  const readable = new ReadableStream<string | ArrayBuffer>(
    {
      start: (controller) => {
        readableController = controller;
      },
      pull: (controller) =>
        (pulling = connection.recv().then(
          (message: Message) => {
            if (!readableDone) controller.enqueue(chunkOf(message));
          },
          () => connection.closed.then(endReadable),
        )),
      cancel: (reason) => {
        readableDone = true;
        closeUsing(reason);
      },
    },
    // Nothing is pulled ahead of a read: messages wait in the connection's
    // queue, whose marks pause the transport.
    { highWaterMark: 0 },
  );
  const writable = new WritableStream<string | ArrayBuffer | ArrayBufferView>(
    {
      start: (controller) => {
        writableController = controller;
      },
      write: (chunk) =>
        connection.send(
          chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)
            ? bytesOf(chunk)
            : toUSVString(chunk),
        ),
      close: () => close(null, ""),
      abort: closeUsing,
    },
    { highWaterMark: 1 },
  );

  const closed = connection.closed.then((info): WebSocketClosed => {
    if (!info.wasClean) {
      // As in Chromium, an unclean close errors both streams at once:
      // messages not yet read are dropped.
      endReadable(info);
      writableController?.error(failure(info));
      throw failure(info);
    }
    void endCleanly(info);
    writableController?.error(
      new DOMException("Cannot write: the WebSocket is closed", "InvalidStateError"),
    );
    return { closeCode: info.code, reason: info.reason };
  });
  // A handled rejection: the caller may watch only `opened` or the streams.
  closed.catch(() => {});
  return {
    readable,
    writable,
    extensions: connection.response?.headers.get("sec-websocket-extensions") ?? "",
    protocol: connection.subprotocol ?? "",
    closed,
    close,
  };
}

export type { WebSocketCloseInfo };
