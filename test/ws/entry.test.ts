// The entry point: what require() and import give, as ws's do.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import WebSocket, * as named from "../../src/ws/index.js";

test("require() returns the WebSocket class with ws's statics", () => {
  // The package's `require` condition points at the same ES module (Node ≥ 20.19 requires it).
  const required = createRequire(import.meta.url)("../../src/ws/index.js");
  assert.equal(required, WebSocket);
  assert.equal(required.WebSocket, WebSocket);
  assert.equal(required.WebSocketServer, named.WebSocketServer);
  assert.equal(required.Server, named.WebSocketServer);
  assert.equal(required.createWebSocketStream, named.createWebSocketStream);
  assert.deepEqual(
    [required.CONNECTING, required.OPEN, required.CLOSING, required.CLOSED],
    [0, 1, 2, 3],
  );
});

test("import gives the default class and the named exports", () => {
  assert.equal(named.default, WebSocket);
  assert.equal(named.WebSocket, WebSocket);
  assert.equal(typeof named.WebSocketServer, "function");
  assert.equal(typeof named.createWebSocketStream, "function");
  assert.equal(WebSocket.prototype.OPEN, 1);
  assert.ok(Object.keys(WebSocket.prototype).includes("readyState"), "enumerable, as ws's");
});
