/**
 * Minimal raw HTTP/1.1 head handling for the fuzzer's opening handshakes (RFC 6455 section 4).
 *
 * Independent of `src/core/http1.ts` on purpose: the suite must be able to write malformed
 * requests and responses and to judge our parser, so it cannot reuse it.
 */
import { createHash, randomBytes } from "node:crypto";

/** The GUID of RFC 6455 4.2.2 step 5. */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)). */
export function acceptFor(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

/** A fresh `Sec-WebSocket-Key`: base64 of 16 random bytes (RFC 6455 4.1). */
export function newKey(): string {
  return randomBytes(16).toString("base64");
}

/** A parsed request or response head. */
export interface Head {
  /** The start line, e.g. `GET / HTTP/1.1` or `HTTP/1.1 101 Switching Protocols`. */
  readonly startLine: string;
  /** Header fields in order, names as sent. */
  readonly fields: readonly (readonly [string, string])[];
}

/** Every value of a header (case-insensitive name), in order. */
export function headerValues(head: Head, name: string): string[] {
  const lower = name.toLowerCase();
  return head.fields.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The comma-separated tokens of every field of a header, trimmed and lower-cased. */
export function headerTokens(head: Head, name: string): string[] {
  return headerValues(head, name)
    .flatMap((v) => v.split(","))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

/**
 * Finds the end of an HTTP head in `buffer`. Returns the parsed head and the bytes after it,
 * or `undefined` if the head is not complete yet.
 */
export function parseHead(buffer: Uint8Array): { head: Head; rest: Uint8Array } | undefined {
  const text = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const lines = text.subarray(0, end).toString("latin1").split("\r\n");
  const fields: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`Cannot parse HTTP head: malformed line "${line}"`);
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { head: { startLine: lines[0] ?? "", fields }, rest: buffer.subarray(end + 4) };
}

/** Serialises a head: the start line, each field, and the empty line. */
export function writeHead(startLine: string, fields: readonly (readonly [string, string])[]) {
  let s = `${startLine}\r\n`;
  for (const [n, v] of fields) s += `${n}: ${v}\r\n`;
  return Buffer.from(`${s}\r\n`, "latin1");
}

/** One element of a `Sec-WebSocket-Extensions` list: a name and its parameters in order. */
export interface ExtensionElement {
  readonly name: string;
  readonly params: readonly (readonly [string, string | true])[];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses a `Sec-WebSocket-Extensions` value strictly by the RFC 6455 9.1 ABNF (tokens, and
 * quoted-string values that unescape to tokens). Throws on anything else.
 */
export function parseExtensions(value: string): ExtensionElement[] {
  const out: ExtensionElement[] = [];
  for (const element of value.split(",")) {
    const parts = element.split(";").map((p) => p.trim());
    const name = parts[0] ?? "";
    if (!TOKEN.test(name)) throw new Error(`Cannot parse extensions: bad name "${name}"`);
    const params: [string, string | true][] = [];
    for (const p of parts.slice(1)) {
      const eq = p.indexOf("=");
      const key = (eq < 0 ? p : p.slice(0, eq)).trim();
      if (!TOKEN.test(key)) throw new Error(`Cannot parse extensions: bad parameter "${p}"`);
      if (eq < 0) {
        params.push([key, true]);
        continue;
      }
      let v = p.slice(eq + 1).trim();
      if (v.startsWith('"')) {
        if (!v.endsWith('"') || v.length < 2) throw new Error(`Cannot parse extensions: "${p}"`);
        v = v.slice(1, -1).replace(/\\(.)/g, "$1");
      }
      if (!TOKEN.test(v)) throw new Error(`Cannot parse extensions: bad value in "${p}"`);
      params.push([key, v]);
    }
    out.push({ name, params });
  }
  return out;
}
