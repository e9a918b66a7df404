import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidStateError } from "../../src/core/errors.js";
import { ProxyError } from "../../src/proxy/errors.js";
import { HttpConnectClient, type HttpConnectOptions } from "../../src/proxy/http-connect.js";
import { parseProxyUrl } from "../../src/proxy/proxy-url.js";
import type { TunnelTarget } from "../../src/proxy/tunnel-client.js";
import { drive, driveSplits, latin1, text } from "./helpers.js";

const TARGET: TunnelTarget = { host: "example.com", port: 443 };

function client(
  proxy = "http://127.0.0.1:3128",
  target = TARGET,
  options: HttpConnectOptions = { userAgent: null },
): () => HttpConnectClient {
  return () => new HttpConnectClient(parseProxyUrl(proxy), target, options);
}

const FRAME = "\x81\x05Hello";

describe("HttpConnectClient", () => {
  it("sends CONNECT with the authority as target and Host", () => {
    const { written } = drive(client()(), new Uint8Array(0));
    assert.equal(
      text(written),
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    );
  });

  it("brackets an IPv6 target and sends a User-Agent by default", () => {
    const machine = new HttpConnectClient(parseProxyUrl("http://proxy"), {
      host: "::1",
      port: 8080,
    });
    assert.match(
      text(machine.takeOutput()[0]!),
      /^CONNECT \[::1\]:8080 HTTP\/1\.1\r\nHost: \[::1\]:8080\r\nUser-Agent: websocket-sansio\/[\d.]+\r\n\r\n$/,
    );
  });

  it("sends Basic credentials from the URL, percent-decoded, in UTF-8", () => {
    const { written } = drive(client("http://us%40er:p%3As%C3%A9@proxy:3128")(), new Uint8Array(0));
    const expected = Buffer.from("us@er:p:sé", "utf8").toString("base64");
    assert.match(text(written), new RegExp(`\r\nProxy-Authorization: Basic ${expected}\r\n`));
  });

  it("sends extra headers to the proxy; a Proxy-Authorization there wins", () => {
    const { written } = drive(
      client("http://u:p@proxy", TARGET, {
        userAgent: null,
        headers: { "Proxy-Authorization": "Bearer t", "X-Trace": "1" },
      })(),
      new Uint8Array(0),
    );
    assert.equal(
      text(written),
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Bearer t\r\nX-Trace: 1\r\n\r\n",
    );
  });

  it("opens the tunnel on 200 and hands back the bytes after the reply, at every split", () => {
    const reply = latin1(`HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n${FRAME}`);
    const outcome = driveSplits(client(), reply);
    assert.equal(outcome.state, "established");
    assert.equal(text(outcome.rest!), FRAME);
  });

  it("accepts any 2xx, ignores its Content-Length (RFC 9112 6.3), skips 1xx", () => {
    for (const head of [
      "HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n",
      "HTTP/1.1 204 No Content\r\n\r\n",
      "HTTP/1.1 299\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
      "HTTP/1.1 200 OK\n\n",
    ]) {
      const outcome = driveSplits(client(), latin1(`${head}${FRAME}`));
      assert.equal(outcome.state, "established", head);
      assert.equal(text(outcome.rest!), FRAME, head);
    }
  });

  it("reports a 407 with the challenge, and whether credentials were sent", () => {
    const reply = latin1(
      'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="squid"\r\nContent-Length: 5\r\n\r\nDenied',
    );
    const { error } = driveSplits(client(), reply);
    assert.ok(error instanceof ProxyError);
    assert.equal(error.status, 407);
    assert.equal(error.statusLine, "HTTP/1.1 407 Proxy Authentication Required");
    assert.equal(error.headers?.get("proxy-authenticate"), 'Basic realm="squid"');
    assert.equal(error.proxy, "http://127.0.0.1:3128");
    assert.equal(error.isTransient, false);
    assert.equal(
      error.message,
      'Cannot open tunnel to example.com:443 through proxy http://127.0.0.1:3128: 407 Proxy Authentication Required (no credentials given); Proxy-Authenticate: Basic realm="squid"',
    );
    const refused = driveSplits(client("http://me:wrong@127.0.0.1:3128"), reply).error!;
    assert.match(refused.message, /407 Proxy Authentication Required \(credentials refused\)/);
    assert.doesNotMatch(refused.message, /wrong/);
  });

  it("reports other refusals with their status; 5xx is transient", () => {
    for (const [status, transient] of [
      [403, false],
      [502, true],
      [503, true],
      [429, true],
      [301, false],
    ] as const) {
      const { error, state } = driveSplits(
        client(),
        latin1(`HTTP/1.1 ${status} Whatever\r\nContent-Length: 0\r\n\r\n`),
      );
      assert.equal(state, "failed");
      assert.equal(error?.status, status);
      assert.equal(error?.isTransient, transient, String(status));
      assert.match(error!.message, new RegExp(`: ${status} Whatever$`));
    }
  });

  it("reports a reply that is not HTTP, with the parser's error as cause", () => {
    const { error } = driveSplits(client(), latin1("SSH-2.0-OpenSSH_9.2\r\n"));
    assert.ok(error instanceof ProxyError);
    assert.equal(error.status, 0);
    assert.match(
      error.message,
      /^Cannot open tunnel to example\.com:443 through proxy http:\/\/127\.0\.0\.1:3128: invalid reply: invalid status line "SSH-2\.0-OpenSSH_9\.2"$/,
    );
    assert.ok(error.cause instanceof Error);
  });

  it("reports the proxy closing before or during its reply", () => {
    const before = driveSplits(client(), new Uint8Array(0), true).error!;
    assert.match(before.message, /: the proxy closed the connection before its reply$/);
    assert.equal(before.isTransient, true);
    const during = driveSplits(client(), latin1("HTTP/1.1 200 OK\r\nVia: x\r\n"), true).error!;
    assert.match(during.message, /: the proxy closed the connection in the middle of its reply$/);
  });

  it("bounds the reply it reads", () => {
    const long = latin1(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(10_000)}\r\n\r\n`);
    const { error } = drive(client()(), long);
    assert.match(error!.message, /invalid reply: header line longer than 8192 bytes/);
    const small = client("http://p", TARGET, { userAgent: null, limits: { maxHeadBytes: 64 } });
    const many = latin1(`HTTP/1.1 200 OK\r\n${"A: b\r\n".repeat(20)}\r\n`);
    assert.match(drive(small(), many).error!.message, /head longer than 64 bytes/);
  });

  it("refuses input once established, ignores it once failed", () => {
    const machine = client()();
    machine.takeOutput();
    machine.receiveData(latin1("HTTP/1.1 200 OK\r\n\r\n"));
    assert.equal(machine.takeEvents().length, 1);
    assert.throws(() => machine.receiveData(latin1("x")), InvalidStateError);
    machine.receiveEof(); // the target's EOF is not the machine's business
    assert.deepEqual(machine.takeEvents(), []);
    const failed = client()();
    failed.receiveData(latin1("HTTP/1.1 403 No\r\n\r\n"));
    failed.receiveData(latin1("more"));
    failed.receiveEof();
    assert.equal(failed.takeEvents().length, 1);
    assert.equal(failed.state, "failed");
  });

  it("refuses an invalid target port", () => {
    assert.throws(() => client("http://p", { host: "a", port: 0 })(), RangeError);
    assert.throws(() => client("http://p", { host: "a", port: 65536 })(), RangeError);
  });
});
