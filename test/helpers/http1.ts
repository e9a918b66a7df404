/** Inputs and helpers shared by the HTTP/1.1 parser tests (test/core/http1/). */

import assert from "node:assert/strict";
import { HandshakeError } from "../../src/core/errors.js";
import type { HttpLimits, Request, Response } from "../../src/core/http1/message.js";
import { RequestParser } from "../../src/core/http1/request-parser.js";
import { ResponseParser } from "../../src/core/http1/response-parser.js";

export const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const text = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

// RFC 6455 1.3's example handshake request.
export const HANDSHAKE =
  "GET /chat HTTP/1.1\r\n" +
  "Host: server.example.com\r\n" +
  "Upgrade: websocket\r\n" +
  "Connection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Origin: http://example.com\r\n" +
  "Sec-WebSocket-Protocol: chat, superchat\r\n" +
  "Sec-WebSocket-Version: 13\r\n" +
  "\r\n";

export const FRAME = "\x81\x05Hello";

export function parseRequest(input: string, limits?: Partial<HttpLimits>) {
  return new RequestParser(limits).feed(latin1(input));
}

export function requestError(input: string, limits?: Partial<HttpLimits>): HandshakeError {
  try {
    parseRequest(input, limits);
  } catch (error) {
    assert.ok(error instanceof HandshakeError, String(error));
    return error;
  }
  assert.fail(`no error for ${JSON.stringify(input)}`);
}

export function responseError(input: string, limits?: Partial<HttpLimits>): HandshakeError {
  try {
    new ResponseParser(limits).feed(latin1(input));
  } catch (error) {
    assert.ok(error instanceof HandshakeError, String(error));
    return error;
  }
  assert.fail(`no error for ${JSON.stringify(input)}`);
}

/** A request head as plain data, for deepEqual. */
export function plainRequest({ method, target, version, headers }: Request) {
  return { method, target, version, headers: [...headers] };
}

/** A response as plain data (the body as text), for deepEqual. */
export function plainResponse({ status, reason, version, headers, body }: Response) {
  return { status, reason, version, headers: [...headers], body: text(body) };
}

/** Feeds `chunks` one at a time; every feed but the last must return undefined. */
export function feedChunks<T>(feed: (bytes: Uint8Array) => T | undefined, chunks: Uint8Array[]): T {
  for (let i = 0; i < chunks.length - 1; i++) {
    assert.equal(feed(chunks[i]!), undefined, `chunk ${i} completed early`);
  }
  const result = feed(chunks[chunks.length - 1]!);
  assert.notEqual(result, undefined);
  return result!;
}

export function splitAt(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

export const RESPONSE_101 =
  "HTTP/1.1 101 Switching Protocols\r\n" +
  "Upgrade: websocket\r\n" +
  "Connection: Upgrade\r\n" +
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
  "\r\n";

export const CHUNKED =
  "HTTP/1.1 403 Forbidden\r\n" +
  "Transfer-Encoding: chunked\r\n" +
  "\r\n" +
  "5\r\nhello\r\n" +
  "A;ext=1\r\n, world!!!\r\n" +
  "0\r\n" +
  "Trailer-Field: x\r\n" +
  "\r\n";

export function parseResponse(input: string, limits?: Partial<HttpLimits>) {
  return new ResponseParser(limits).feed(latin1(input));
}

/** Checks that `input` parses the same (response and rest) at every single split point. */
export function checkEverySplit(
  input: string,
  expectedRest: string,
): ReturnType<typeof plainResponse> {
  const bytes = latin1(input);
  const whole = new ResponseParser().feed(bytes);
  assert.ok(whole);
  assert.equal(text(whole.rest), expectedRest);
  const expected = plainResponse(whole.response);
  const end = input.length - expectedRest.length;
  for (let i = 0; i <= end; i++) {
    const parser = new ResponseParser();
    const result = feedChunks((b) => parser.feed(b), i === end ? [bytes] : splitAt(bytes, [i]));
    assert.deepEqual(plainResponse(result.response), expected, `split at ${i}`);
    assert.equal(text(result.rest), expectedRest, `split at ${i}`);
  }
  return expected;
}
