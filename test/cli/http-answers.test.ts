import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { httpAnswers } from "../../src/cli/http-answers.js";
import { Headers } from "../../src/core/headers.js";
import type { Request } from "../../src/core/http1/message.js";
import { ServerProtocol } from "../../src/core/index.js";
import type { ServerConnection } from "../../src/node/index.js";

const decoder = new TextDecoder();
const protocol = new ServerProtocol();
// The hook needs only `reject` of the connection.
const connection = {
  reject: (status: number, body?: string | Uint8Array) => protocol.reject(status, body),
} as unknown as ServerConnection;
const answer = httpAnswers("<!doctype html><title>t</title>");

function request(method: string, target: string, headers: Record<string, string> = {}): Request {
  return { method, target, headers: new Headers({ Host: "example.test", ...headers }) };
}

describe("httpAnswers", () => {
  test("WebSocket requests go on to the handshake, whatever their path", () => {
    for (const upgrade of ["websocket", "WebSocket", "h2c, websocket"]) {
      assert.equal(answer(request("GET", "/any", { Upgrade: upgrade }), connection), undefined);
    }
    // An extended CONNECT over HTTP/2 (RFC 8441 4) has no Upgrade header.
    assert.equal(answer(request("CONNECT", "/chat"), connection), undefined);
  });

  test("the page at / and /index.html, with its security headers", () => {
    for (const target of ["/", "/index.html", "/?room=1"]) {
      const response = answer(request("GET", target), connection);
      assert.equal(response?.status, 200, target);
      assert.equal(decoder.decode(response.body), "<!doctype html><title>t</title>");
      assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
      assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'none'/);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    }
  });

  test("HEAD has the GET's headers and no body", () => {
    const get = answer(request("GET", "/"), connection)!;
    const head = answer(request("HEAD", "/"), connection)!;
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers.get("content-length"), get.headers.get("content-length"));
    assert.equal(head.headers.get("content-length"), String(get.body.length));
  });

  test("a health check, 404 elsewhere, 405 with Allow for other methods", () => {
    const health = answer(request("GET", "/healthz"), connection)!;
    assert.equal(health.status, 200);
    assert.equal(decoder.decode(health.body), "OK\n");
    assert.equal(answer(request("GET", "/favicon.ico"), connection)?.status, 404);
    // The absolute-form of a target names the same resource (RFC 9112 3.2.2).
    assert.equal(answer(request("GET", "http://localhost:8080/healthz"), connection)?.status, 200);
    assert.equal(answer(request("GET", "http://localhost:8080"), connection)?.status, 200);
    const post = answer(request("POST", "/"), connection)!;
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
  });
});
