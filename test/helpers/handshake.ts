/** Requests, responses and extension factories shared by the handshake tests (test/core/handshake/). */

import assert from "node:assert/strict";
import { HandshakeError } from "../../src/core/errors.js";
import type {
  ClientExtensionFactory,
  Extension,
  ExtensionParam,
  ServerExtensionFactory,
} from "../../src/core/extension.js";
import { checkResponse } from "../../src/core/handshake/http1-client.js";
import { acceptRequest } from "../../src/core/handshake/http1-server.js";
import type {
  ClientHandshakeOptions,
  ServerHandshakeOptions,
} from "../../src/core/handshake/options.js";
import { Headers } from "../../src/core/headers.js";
import type { Request, Response } from "../../src/core/http1/message.js";

// RFC 6455 1.3's example.
export const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
export const ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

export class FakeExtension implements Extension {
  readonly rsvBits = 0;
  disposed = false;
  constructor(
    readonly name: string,
    readonly params: readonly ExtensionParam[],
  ) {}
  encode(payload: Uint8Array) {
    return { payload, rsv: 0 };
  }
  decode(payload: Uint8Array) {
    return payload;
  }
  dispose() {
    this.disposed = true;
  }
}

/** A client factory that records its calls and accepts anything, or throws `refuse`. */
export function clientFactory(name: string, offer: ExtensionParam[] = [], refuse?: unknown) {
  const calls: { params: readonly ExtensionParam[]; accepted: readonly Extension[] }[] = [];
  const created: FakeExtension[] = [];
  const factory: ClientExtensionFactory = {
    name,
    offer: () => offer,
    accept(params, accepted) {
      calls.push({ params, accepted: [...accepted] });
      if (refuse !== undefined) throw refuse;
      const extension = new FakeExtension(name, params);
      created.push(extension);
      return extension;
    },
  };
  return { factory, calls, created };
}

/** A server factory that answers `answer(params)` (null declines). */
export function serverFactory(
  name: string,
  answer: (params: readonly ExtensionParam[]) => ExtensionParam[] | null = (params) => [...params],
) {
  const calls: { params: readonly ExtensionParam[]; accepted: readonly Extension[] }[] = [];
  const created: FakeExtension[] = [];
  const factory: ServerExtensionFactory = {
    name,
    negotiate(params, accepted) {
      calls.push({ params, accepted: [...accepted] });
      const answered = answer(params);
      if (answered === null) return null;
      const extension = new FakeExtension(name, answered);
      created.push(extension);
      return { params: answered, extension };
    },
  };
  return { factory, calls, created };
}

export function handshakeRequest(fields: [string, string][] = [], drop: string[] = []): Request {
  const headers = new Headers([
    ["Host", "server.example.com"],
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Key", KEY],
    ["Sec-WebSocket-Version", "13"],
  ]);
  for (const name of drop) headers.delete(name);
  for (const [name, value] of fields) headers.append(name, value);
  return { method: "GET", target: "/chat", headers, version: "1.1" };
}

export function switching(fields: [string, string][] = [], drop: string[] = []): Response {
  const headers = new Headers([
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Accept", ACCEPT],
  ]);
  for (const name of drop) headers.delete(name);
  for (const [name, value] of fields) headers.append(name, value);
  return { status: 101, reason: "Switching Protocols", headers, body: new Uint8Array(0) };
}

export function checkFails(
  response: Response,
  options: ClientHandshakeOptions,
  pattern: RegExp,
): HandshakeError {
  let caught: unknown;
  try {
    checkResponse(response, KEY, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof HandshakeError, `expected a HandshakeError, got ${caught}`);
  assert.match(caught.message, pattern);
  assert.equal(caught.status, response.status);
  assert.equal(caught.headers, response.headers);
  assert.equal(caught.body, response.body);
  return caught;
}

export function rejected(
  request: Request,
  options: ServerHandshakeOptions,
  status: number,
  pattern: RegExp,
) {
  const result = acceptRequest(request, options);
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.response.status, status);
  assert.equal(result.error.status, status);
  assert.match(result.error.message, pattern);
  assert.equal(new TextDecoder().decode(result.response.body), `${result.error.message}\n`);
  assert.equal(result.response.headers.get("connection"), "close");
  return result;
}
