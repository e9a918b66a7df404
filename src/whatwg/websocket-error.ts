/**
 * `WebSocketError` of the WHATWG WebSockets Standard (WebSocketStream): a
 * `DOMException` with a close code and reason. It closes a connection when
 * passed to `abort()` of a WebSocketStream's writable or `cancel()` of its
 * readable, and it rejects `closed` after an unclean close.
 *
 * Not to be confused with the library's own error base class of the same
 * name exported by `websocket-sansio` (the core's error tree).
 *
 * @module
 */

import { checkCloseCode, checkCloseReason, clampUnsignedShort, toUSVString } from "./webidl.js";

/** The close code and reason of a `WebSocketError` or of `WebSocketStream.close()`. */
export interface WebSocketCloseInfo {
  /** 1000 or 3000 to 4999; `reason` without a code means 1000. */
  closeCode?: number;
  /** At most 123 bytes of UTF-8. */
  reason?: string;
}

/** Checks a close info as `close()` and the constructor do: `{ code: null }` means no code. */
export function checkCloseInfo(
  info: WebSocketCloseInfo | null | undefined,
  context: string,
): { code: number | null; reason: string } {
  let code: number | null = null;
  if (info?.closeCode !== undefined) {
    // [Clamp], as Chromium converts it: 70000 is refused as a close code
    // (InvalidAccessError), not as a number (TypeError).
    code = clampUnsignedShort(info.closeCode);
    checkCloseCode(code, context);
  }
  const reason = info?.reason === undefined ? "" : toUSVString(info.reason);
  checkCloseReason(reason, context);
  if (code === null && reason !== "") code = 1000;
  return { code, reason };
}

let setFields: (error: WebSocketError, code: number | null, reason: string) => void;

/**
 * An error with a WebSocket close code and reason.
 *
 * @example
 * ```ts
 * const { writable } = await stream.opened;
 * await writable.abort(new WebSocketError("done", { closeCode: 4000, reason: "bye" }));
 * ```
 */
export class WebSocketError extends DOMException {
  #closeCode: number | null;
  #reason: string;

  static {
    setFields = (error, code, reason) => {
      error.#closeCode = code;
      error.#reason = reason;
    };
  }

  /**
   * @throws {DOMException} `InvalidAccessError` for a code other than 1000 or
   *   3000 to 4999; `SyntaxError` for a reason over 123 bytes of UTF-8
   */
  constructor(message = "", init: WebSocketCloseInfo = {}) {
    super(message, "WebSocketError");
    const { code, reason } = checkCloseInfo(init, "Failed to construct 'WebSocketError'");
    this.#closeCode = code;
    this.#reason = reason;
  }

  /** The close code, or `null`. */
  get closeCode(): number | null {
    return this.#closeCode;
  }

  /** The close reason. */
  get reason(): string {
    return this.#reason;
  }
}

/** A `WebSocketError` with any code (1006 for an unclean close), unchecked. */
export function webSocketError(
  message: string,
  code: number | null,
  reason: string,
): WebSocketError {
  const error = new WebSocketError(message);
  setFields(error, code, reason);
  return error;
}
