/**
 * How the command line shows messages, close codes and errors to a person,
 * and how it reads binary data typed by one.
 *
 * @module
 */

import { CloseCode } from "../core/close.js";
import { HandshakeError } from "../core/errors.js";
import type { CloseInfo, Message } from "../node/index.js";

const CLOSE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(CloseCode).map(([name, code]) => [code, name.toLowerCase().replaceAll("_", " ")]),
);

/** Bytes of a binary message shown in full; longer ones are cut (the length is always shown). */
const SHOWN_BINARY_BYTES = 64;

/**
 * Makes text safe to print on a terminal: C0 and C1 control characters (other
 * than tab and newline) become visible escapes, so a peer cannot move the
 * cursor, retitle the window or hide text with escape sequences.
 */
export function escapeControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters escaped
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (char) => {
    const code = char.charCodeAt(0);
    if (code === 0x0d) return "\\r";
    return `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/** Lines for a message shown in the interactive client: `mark` on the first, aligned continuation lines. */
export function showMessage(mark: string, message: Message): string {
  if (typeof message === "string") {
    return escapeControls(message)
      .split("\n")
      .map((line, i) => (i === 0 ? mark : " ".repeat(mark.length)) + line)
      .join("\n");
  }
  const hex = Buffer.from(
    message.buffer,
    message.byteOffset,
    Math.min(message.length, SHOWN_BINARY_BYTES),
  ).toString("hex");
  const cut = message.length > SHOWN_BINARY_BYTES ? "…" : "";
  return `${mark}[binary, ${message.length} bytes] ${hex.replace(/(..)(?!$)/g, "$1 ")}${cut}`;
}

/** `1000 (normal closure) "bye"`: a close code with its name and the reason, if any. */
export function showClose(code: number, reason: string): string {
  const name = CLOSE_NAMES.get(code);
  return `${code}${name === undefined ? "" : ` (${name})`}${reason === "" ? "" : ` ${JSON.stringify(reason)}`}`;
}

/** One sentence on how a connection ended. */
export function showClosed(info: CloseInfo): string {
  const how = info.wasClean ? "" : ", not cleanly";
  const why = info.error === undefined ? "" : `: ${info.error.message}`;
  return `Connection closed: ${showClose(info.code, info.reason)}${how}${why}`;
}

/**
 * Reads the bytes of `/binary <data>`: hex (an even number of hex digits,
 * spaces allowed) or else base64 (standard or URL-safe alphabet, padding
 * optional). Returns `undefined` when `text` is neither.
 */
export function parseBytes(text: string): Uint8Array | undefined {
  const compact = text.replace(/\s+/g, "");
  if (compact === "") return new Uint8Array(0);
  if (/^(?:[0-9a-fA-F]{2})+$/.test(compact)) return new Uint8Array(Buffer.from(compact, "hex"));
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact) && compact.replace(/=+$/, "").length % 4 !== 1) {
    return new Uint8Array(Buffer.from(compact, "base64"));
  }
  return undefined;
}

/**
 * The message for an error that kept a connection from opening; for a
 * refused handshake, the start of the response body too (servers often
 * explain there).
 */
export function showConnectError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.message;
  if (error instanceof HandshakeError && error.body !== undefined && error.body.length > 0) {
    const body = new TextDecoder().decode(error.body.subarray(0, 500)).trim();
    if (body !== "") text += `\n${escapeControls(body.split("\n").slice(0, 5).join("\n"))}`;
  }
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    text += "\n(use --insecure to skip certificate verification)";
  }
  return text;
}
