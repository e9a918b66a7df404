import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HandshakeError, InvalidStateError } from "../../../src/core/errors.js";
import { Opcode } from "../../../src/core/frame.js";
import { declaresBody, requestFromHead } from "../../../src/core/http1/parsed-request.js";
import { RequestParser } from "../../../src/core/http1/request-parser.js";
import { ServerProtocol } from "../../../src/core/server.js";
import { drain, feed } from "../../helpers/drive.js";
import { bytes, clientFrame, text } from "../../helpers/wire.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
// As node:http's rawHeaders has them: names as sent, in order.
const FIELDS = [
  "Host",
  "server.example.com",
  "Upgrade",
  "websocket",
  "Connection",
  "Upgrade",
  "Sec-WebSocket-Key",
  KEY,
  "Sec-WebSocket-Version",
  "13",
  "X-Custom",
  "a value of some length",
];
const HEAD = bytes(
  "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nX-Custom: a value of some length\r\n\r\n`,
);

/** A copy of `text` that is not the same string (as another parser would make it). */
function fresh(text: string): string {
  return [...text].join("");
}

describe("requestFromHead", () => {
  it("builds the request the core's parser builds from the same head", () => {
    const parsed = new RequestParser().feed(HEAD)!.request;
    const built = requestFromHead("GET", "/chat", "1.1", FIELDS);
    assert.equal(built.method, parsed.method);
    assert.equal(built.target, parsed.target);
    assert.equal(built.version, parsed.version);
    assert.deepEqual([...built.headers], [...parsed.headers]);
    assert.equal(built.headers.get("sec-websocket-key"), KEY);
  });

  it("takes names and values made by another parser; copies the fields, leaving the array as it was", () => {
    const fields = FIELDS.map(fresh);
    const before = [...fields];
    const built = requestFromHead(fresh("GET"), "/chat", fresh("1.1"), fields);
    const parsed = new RequestParser().feed(HEAD)!.request;
    const pairs = [...built.headers];
    const expected = [...parsed.headers];
    assert.deepEqual(pairs, expected);
    assert.deepEqual(fields, before);
    built.headers.append("X-Later", "1");
    assert.equal(fields.length, FIELDS.length, "the caller's array is not the request's");
  });

  it("drops an unpaired last name", () => {
    const built = requestFromHead("GET", "/", "1.1", ["Host", "a", "Stray"]);
    assert.deepEqual([...built.headers], [["Host", "a"]]);
  });

  it("declaresBody: a length other than 0, or any transfer coding", () => {
    const head = (fields: string[]) => requestFromHead("GET", "/", "1.1", fields).headers;
    assert.equal(declaresBody(head([])), false);
    assert.equal(declaresBody(head(["Content-Length", " 0 "])), false);
    assert.equal(declaresBody(head(["Content-Length", "5"])), true);
    assert.equal(declaresBody(head(["Transfer-Encoding", "chunked"])), true);
  });
});

describe("ServerProtocol.receiveRequest", () => {
  it("opens with a 101 as for the same head in bytes, then reads the frames after it", () => {
    const fromBytes = new ServerProtocol();
    const a = feed(fromBytes, HEAD);
    const s = new ServerProtocol();
    s.receiveRequest(requestFromHead("GET", "/chat", "1.1", FIELDS));
    const b = drain(s);
    assert.equal(b.events.length, 1);
    assert.equal(b.events[0]!.type, "request");
    assert.equal(s.request?.target, "/chat");
    s.sendResponse(s.accept(s.request!));
    assert.equal(a.events[0]?.type, "request");
    fromBytes.sendResponse(fromBytes.accept(fromBytes.request!));
    assert.equal(text(drain(s).output), text(drain(fromBytes).output));
    assert.equal(s.state, "open");
    const message = feed(s, clientFrame({ opcode: Opcode.TEXT, payload: "hi" }));
    assert.deepEqual(message.events, [{ type: "text", data: "hi" }]);
  });

  it("keeps the client's early frames until the response, as after parsed bytes", () => {
    const s = new ServerProtocol();
    s.receiveRequest(requestFromHead("GET", "/", "1.1", FIELDS));
    s.receiveData(clientFrame({ opcode: Opcode.TEXT, payload: "early" }));
    drain(s);
    assert.ok(s.acceptAndSend(s.request!) === null);
    assert.deepEqual(s.takeEvents(), [{ type: "text", data: "early" }]);
  });

  it("answers a request with a body 400, as the parser does", () => {
    const s = new ServerProtocol();
    s.receiveRequest(requestFromHead("GET", "/", "1.1", [...FIELDS, "Content-Length", "3"]));
    const r = drain(s);
    assert.match(text(r.output), /^HTTP\/1\.1 400 /);
    assert.ok(r.closeTransport);
    const failed = r.events.find((event) => event.type === "closed");
    assert.ok(failed?.type === "closed" && failed.error instanceof HandshakeError);
    assert.equal(
      failed.error.message,
      "Cannot parse HTTP request: a handshake request must not have a body",
    );
  });

  it("throws once a request was received", () => {
    const s = new ServerProtocol();
    s.receiveRequest(requestFromHead("GET", "/", "1.1", FIELDS));
    assert.throws(
      () => s.receiveRequest(requestFromHead("GET", "/", "1.1", FIELDS)),
      InvalidStateError,
    );
    const parsed = new ServerProtocol();
    feed(parsed, HEAD);
    assert.throws(() => parsed.receiveRequest(parsed.request!), InvalidStateError);
    const closed = new ServerProtocol();
    closed.receiveEof();
    assert.throws(
      () => closed.receiveRequest(requestFromHead("GET", "/", "1.1", FIELDS)),
      InvalidStateError,
    );
  });
});
