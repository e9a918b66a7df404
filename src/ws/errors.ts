/**
 * ws's errors, made from ours: code that migrates from ws tests `err.code`
 * (`WS_ERR_INVALID_UTF8`...) and sometimes the message, so a protocol error
 * of the core is re-issued with ws's message, class and code, keeping the
 * core's error as `cause`. Also ws's argument checks for `close()`, which
 * throw before anything is sent.
 *
 * @module
 */

import { ProtocolError } from "../core/errors.js";

/** An error with ws's `code` (`WS_ERR_*`) and the close code it failed the connection with. */
export type WsError = (Error | RangeError) & { code?: string; closeCode?: number };

interface Mapping {
  readonly pattern: RegExp;
  readonly make: (match: RegExpExecArray, error: ProtocolError) => [string, string, boolean];
}

const frame = (message: string): string => `Invalid WebSocket frame: ${message}`;

// The core's messages (src/core/protocol.ts, extensions) and ws's for the same fault
// (ws/lib/receiver.js). The boolean says whether ws throws a RangeError.
const MAPPINGS: readonly Mapping[] = [
  {
    pattern: /masked frame from the server/,
    make: () => [frame("MASK must be clear"), "WS_ERR_UNEXPECTED_MASK", true],
  },
  {
    pattern: /unmasked frame from the client/,
    make: () => [frame("MASK must be set"), "WS_ERR_EXPECTED_MASK", true],
  },
  {
    pattern: /reserved opcode 0x([0-9a-f]+)/,
    make: (m) => [
      frame(`invalid opcode ${Number.parseInt(m[1]!, 16)}`),
      "WS_ERR_INVALID_OPCODE",
      true,
    ],
  },
  {
    pattern: /reserved bits 0x([0-7])/,
    make: (m) =>
      (Number(m[1]) & 3) !== 0
        ? [frame("RSV2 and RSV3 must be clear"), "WS_ERR_UNEXPECTED_RSV_2_3", true]
        : [frame("RSV1 must be clear"), "WS_ERR_UNEXPECTED_RSV_1", true],
  },
  {
    pattern: /RSV1 set on a continuation frame/,
    make: () => [frame("RSV1 must be clear"), "WS_ERR_UNEXPECTED_RSV_1", true],
  },
  {
    pattern: /fragmented control frame/,
    make: () => [frame("FIN must be set"), "WS_ERR_EXPECTED_FIN", true],
  },
  {
    pattern: /control frame of (\d+) bytes/,
    make: (m) => [
      frame(`invalid payload length ${m[1]}`),
      "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH",
      true,
    ],
  },
  {
    pattern: /close frame: 1-byte payload/,
    make: () => [frame("invalid payload length 1"), "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH", true],
  },
  {
    pattern: /continuation frame without a message/,
    make: () => [frame("invalid opcode 0"), "WS_ERR_INVALID_OPCODE", true],
  },
  {
    // The core does not say which opcode; ws names it (1 or 2).
    pattern: /new message before the previous one ended/,
    make: () => [frame("invalid opcode 1"), "WS_ERR_INVALID_OPCODE", true],
  },
  {
    pattern: /invalid close code (\d+)/,
    make: (m) => [frame(`invalid status code ${m[1]}`), "WS_ERR_INVALID_CLOSE_CODE", true],
  },
  {
    pattern: /64-bit length with the most significant bit set/,
    make: () => [
      "Unsupported WebSocket frame: payload length > 2^53 - 1",
      "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH",
      true,
    ],
  },
];

/**
 * The error ws emits for a protocol error of the peer: ws's message, class and
 * `code`, with ours as `cause` and the close code sent as `closeCode`.
 */
export function wsErrorFrom(error: Error): WsError {
  if (!(error instanceof ProtocolError)) return error;
  let result: WsError;
  const mapping = MAPPINGS.find((m) => m.pattern.test(error.message));
  if (mapping !== undefined) {
    const [message, code, range] = mapping.make(mapping.pattern.exec(error.message)!, error);
    result = range
      ? new RangeError(message, { cause: error })
      : new Error(message, { cause: error });
    result.code = code;
  } else if (error.closeCode === 1009) {
    result = new RangeError("Max payload size exceeded", { cause: error });
    result.code = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";
  } else if (error.closeCode === 1007 && /UTF-8/.test(error.message)) {
    result = new Error(frame("invalid UTF-8 sequence"), { cause: error });
    result.code = "WS_ERR_INVALID_UTF8";
  } else {
    // No ws counterpart (an invalid DEFLATE stream...): ours, as is.
    result = new Error(error.message, { cause: error });
  }
  result.closeCode = error.closeCode;
  return result;
}

/** ws's test of a close code a peer may send: 1000-1014 but 1004-1006, and 3000-4999. */
export function isValidStatusCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * Checks `close(code, reason)` arguments as ws's Sender does, with its
 * messages; returns the reason as a string.
 */
export function checkClose(code: unknown, reason: unknown): string {
  if (code === undefined) return "";
  if (typeof code !== "number" || !isValidStatusCode(code)) {
    throw new TypeError("First argument must be a valid error code number");
  }
  if (reason === undefined || reason === null) return "";
  const text =
    typeof reason === "string" ? reason : Buffer.from(reason as Uint8Array).toString("utf8");
  if (Buffer.byteLength(text) > 123) {
    throw new RangeError("The message must not be greater than 123 bytes");
  }
  return text;
}

/** ws's error for an action in the wrong state: `WebSocket is not open: readyState 0 (CONNECTING)`. */
export function notOpen(readyState: number): Error {
  const names = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];
  return new Error(`WebSocket is not open: readyState ${readyState} (${names[readyState]})`);
}
