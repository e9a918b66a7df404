import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClientProtocol } from "../../src/core/client.js";
import { HandshakeError, InvalidStateError } from "../../src/core/errors.js";
import { Opcode } from "../../src/core/frame.js";
import { acceptKey } from "../../src/core/handshake/accept-key.js";
import { Headers } from "../../src/core/headers.js";
import { bytewise, drain, feed } from "../helpers/drive.js";
import { bytes, concat, frame, text } from "../helpers/wire.js";

/** A client that has sent its request, with the key it used. */
function started(url = "ws://example.com/chat?x=1", options = {}) {
  const c = new ClientProtocol(url, { random: (b) => b.fill(7), ...options });
  const request = c.connect();
  c.sendRequest(request);
  const sent = text(concat(c.takeOutput().chunks));
  const key = request.headers.get("sec-websocket-key")!;
  return { c, sent, key };
}

function response101(key: string, extra = "") {
  return bytes(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${extra}\r\n`,
  );
}

describe("ClientProtocol: opening handshake (RFC 6455 4.1)", () => {
  it("sends a GET request with a fresh key, then opens on a valid 101", () => {
    const { c, sent, key } = started();
    assert.equal(c.state, "connecting");
    assert.match(sent, /^GET \/chat\?x=1 HTTP\/1\.1\r\n/);
    assert.match(sent, /\r\nHost: example\.com\r\n/);
    assert.match(sent, /\r\nSec-WebSocket-Version: 13\r\n/);
    assert.equal(c.request?.headers.get("sec-websocket-key"), key);
    assert.equal(c.url.resourceName, "/chat?x=1");
    // The response and the first frame arrive in one read, split anywhere.
    const input = concat([response101(key), frame({ opcode: Opcode.TEXT, payload: "hi" })]);
    for (const chunks of [[input], bytewise(input)]) {
      const { c: client, key: k } = started();
      assert.equal(k, key);
      const r = feed(client, ...chunks);
      assert.deepEqual(
        r.events.map((e) => e.type),
        ["response", "text"],
      );
      assert.equal(client.state, "open");
      assert.equal(client.subprotocol, null);
    }
    assert.deepEqual(c.takeEvents(), []);
  });

  it("accepts a URL object and negotiates a subprotocol", () => {
    const { c, key } = started(new URL("wss://h:8443/") as unknown as string, {
      subprotocols: ["a", "b"],
    });
    assert.equal(c.url.secure, true);
    feed(c, response101(key, "Sec-WebSocket-Protocol: b\r\n"));
    assert.equal(c.subprotocol, "b");
  });

  it("fails on a 101 with a wrong accept key, keeping the response (4.1)", () => {
    const { c } = started();
    const r = feed(c, response101("AAAAAAAAAAAAAAAAAAAAAA=="));
    const [response, closed] = r.events;
    assert.equal(response?.type, "response");
    assert.ok(response.type === "response" && response.error instanceof HandshakeError);
    assert.equal(closed?.type, "closed");
    assert.ok(closed.type === "closed" && closed.error instanceof HandshakeError);
    assert.equal(r.closeTransport, true);
    assert.equal(c.state, "closed");
  });

  it("a non-101 response is a handshake failure with status, headers and body (4.1)", () => {
    const { c } = started();
    const r = feed(
      c,
      bytes(
        "HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\nWWW-Authenticate: Basic\r\n\r\nno!!!",
      ),
    );
    const response = r.events[0]!;
    assert.ok(response.type === "response");
    assert.equal(response.response.status, 401);
    assert.equal(text(response.response.body), "no!!!");
    assert.equal(response.error?.status, 401);
    assert.equal(r.closeTransport, true);
  });

  it("a response whose body runs to the end of the stream completes on EOF", () => {
    const { c } = started();
    const r = feed(c, bytes("HTTP/1.1 503 Service Unavailable\r\n\r\nbusy"));
    assert.deepEqual(r.events, []);
    c.receiveEof();
    const d = drain(c);
    assert.deepEqual(
      d.events.map((e) => e.type),
      ["response", "closed"],
    );
    assert.ok(d.events[0]!.type === "response" && text(d.events[0]!.response.body) === "busy");
  });

  it("a 101 response followed by EOF opens then closes abnormally", () => {
    const { c, key } = started();
    feed(c, response101(key).subarray(0, 20));
    c.receiveEof();
    const d = drain(c);
    assert.equal(d.events.at(-1)?.type, "closed");
    assert.equal(c.state, "closed");
    const { c: c2, key: k2 } = started();
    c2.receiveData(response101(k2));
    c2.receiveEof();
    const d2 = drain(c2);
    assert.deepEqual(
      d2.events.map((e) => e.type),
      ["response", "closed"],
    );
  });

  it("malformed responses and EOF before any response fail the handshake", () => {
    const { c } = started();
    const r = feed(c, bytes("SMTP ready\r\n\r\n"));
    assert.equal(r.events.at(-1)?.type, "closed");
    assert.equal(r.closeTransport, true);
    const { c: c2 } = started();
    c2.receiveEof();
    const e = drain(c2).events.at(-1);
    assert.ok(e?.type === "closed" && e.error instanceof HandshakeError);
    assert.equal(e.code, 1006);
  });

  it("EOF before the request was sent fails the handshake", () => {
    const c = new ClientProtocol("ws://h/");
    c.receiveEof();
    const e = drain(c).events.at(-1);
    assert.ok(e?.type === "closed" && e.error instanceof HandshakeError);
  });

  it("data before the request was sent fails the handshake", () => {
    const c = new ClientProtocol("ws://h/");
    c.receiveData(bytes("HTTP/1.1 101\r\n\r\n"));
    assert.equal(c.state, "closed");
  });

  it("refuses to send the request before connect() or twice", () => {
    const c = new ClientProtocol("ws://h/");
    const fake = {
      method: "GET",
      target: "/",
      headers: new Headers(),
    };
    const d = new ClientProtocol("ws://h/");
    assert.throws(() => d.sendRequest(fake as never), InvalidStateError);
    c.sendRequest(c.connect());
    assert.throws(() => c.sendRequest(c.connect()), InvalidStateError);
    assert.throws(() => c.sendText("too early"), InvalidStateError);
  });

  it("checks the response against the key of the request sent, whatever connect() builds later", () => {
    let n = 0;
    const c = new ClientProtocol("ws://h/", { random: (b) => b.fill(n++) });
    const sent = c.connect();
    c.sendRequest(sent);
    const later = c.connect(); // builds a request with another key; too late to send it
    const key = sent.headers.get("sec-websocket-key")!;
    assert.notEqual(later.headers.get("sec-websocket-key"), key);
    feed(c, response101(key));
    assert.equal(c.state, "open");
    // Once open, connect() still builds a request, and sendRequest refuses it.
    assert.throws(() => c.sendRequest(c.connect()), InvalidStateError);
  });

  it("fail() during the handshake closes the transport", () => {
    const { c } = started();
    c.fail(1002);
    const d = drain(c);
    assert.equal(d.closeTransport, true);
    assert.deepEqual(d.events, [{ type: "closed", code: 1006, reason: "", wasClean: false }]);
  });

  it("rejects invalid URLs (RFC 6455 3)", () => {
    assert.throws(() => new ClientProtocol("http://example.com/"), TypeError);
    assert.throws(() => new ClientProtocol("ws://example.com/#frag"), TypeError);
  });
});
