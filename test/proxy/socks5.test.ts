import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProxyUrl } from "../../src/proxy/proxy-url.js";
import { SOCKS5_REPLIES, Socks5Client } from "../../src/proxy/socks5.js";
import type { TunnelTarget } from "../../src/proxy/tunnel-client.js";
import { concat, driveSplits, hex } from "./helpers.js";

const TARGET: TunnelTarget = { host: "example.com", port: 443 };
const name = [...Buffer.from("example.com")];
const FRAME = [0x81, 0x02, 0x68, 0x69];
// VER REP RSV ATYP=IPv4 0.0.0.0 port 0
const SUCCESS = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0];
const REQUEST = [5, 1, 0, 3, name.length, ...name, 0x01, 0xbb];

const make =
  (proxy: string, target = TARGET) =>
  () =>
    new Socks5Client(parseProxyUrl(proxy), target);

describe("Socks5Client", () => {
  it("without credentials: greeting, request with the name, then the tunnel", () => {
    const outcome = driveSplits(make("socks5h://127.0.0.1:1080"), concat([5, 0], SUCCESS, FRAME));
    assert.equal(hex(outcome.written), hex(concat([5, 1, 0], REQUEST)));
    assert.equal(outcome.state, "established");
    assert.equal(hex(outcome.rest!), hex(Uint8Array.from(FRAME)));
  });

  it("with credentials (RFC 1929): offers both methods, authenticates, connects", () => {
    const proxy = "socks5://us%3Aer:p%40ss@127.0.0.1:1080";
    const outcome = driveSplits(make(proxy), concat([5, 2], [1, 0], SUCCESS, FRAME));
    const auth = [1, 5, ...Buffer.from("us:er"), 4, ...Buffer.from("p@ss")];
    assert.equal(hex(outcome.written), hex(concat([5, 2, 0, 2], auth, REQUEST)));
    assert.equal(hex(outcome.rest!), hex(Uint8Array.from(FRAME)));
    // The proxy may choose no authentication even when credentials are offered.
    const none = driveSplits(make(proxy), concat([5, 0], SUCCESS));
    assert.equal(hex(none.written), hex(concat([5, 2, 0, 2], REQUEST)));
    assert.equal(none.state, "established");
  });

  it("sends IP literals as addresses, IPv6 with or without brackets", () => {
    for (const [host, expected] of [
      ["10.1.2.3", [1, 10, 1, 2, 3]],
      ["[::1]", [4, ...new Array(15).fill(0), 1]],
      ["2001:db8::ff", [4, 0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 0xff]],
    ] as const) {
      const { written } = driveSplits(make("socks5h://p", { host, port: 80 }), Uint8Array.of(5, 0));
      assert.equal(hex(written), hex(concat([5, 1, 0], [5, 1, 0, ...expected, 0, 80])), host);
    }
  });

  it("reads bound addresses of every type before handing back the rest", () => {
    for (const bound of [
      [1, 127, 0, 0, 1],
      [4, ...new Array(16).fill(7)],
      [3, 9, ...Buffer.from("proxy.lan")],
    ]) {
      const reply = concat([5, 0], [5, 0, 0, ...bound, 0x1f, 0x90], FRAME);
      const outcome = driveSplits(make("socks5h://p"), reply);
      assert.equal(hex(outcome.rest!), hex(Uint8Array.from(FRAME)));
    }
  });

  it("reports every reply code with its RFC 1928 meaning", () => {
    for (let code = 1; code <= 9; code++) {
      // Some proxies close right after the refusal: only VER REP arrive.
      for (const reply of [
        concat([5, 0], [5, code]),
        concat([5, 0], [5, code, 0, 1, 0, 0, 0, 0, 0, 0]),
      ]) {
        const { error, state } = driveSplits(make("socks5h://127.0.0.1:1080"), reply);
        assert.equal(state, "failed");
        assert.equal(error?.replyCode, code);
        const hexCode = `0x0${code}`;
        const known = SOCKS5_REPLIES[code];
        assert.equal(
          error?.message,
          `Cannot open tunnel to example.com:443 through proxy socks5h://127.0.0.1:1080: SOCKS5 reply ${hexCode} (${known?.text ?? "unknown reply code"})`,
        );
        assert.equal(error?.isTransient, known?.isTransient ?? false);
      }
    }
  });

  it("reports authentication failures", () => {
    const refused = driveSplits(make("socks5://u:bad@p"), concat([5, 2], [1, 1])).error!;
    assert.match(refused.message, /: credentials refused \(RFC 1929 status 0x01\)$/);
    assert.doesNotMatch(refused.message, /bad/);
    const required = driveSplits(make("socks5://p"), Uint8Array.of(5, 0xff)).error!;
    assert.match(required.message, /: the proxy requires authentication \(no credentials given\)$/);
    const none = driveSplits(make("socks5://u:p@p"), Uint8Array.of(5, 0xff)).error!;
    assert.match(none.message, /accepts none of the offered authentication methods$/);
    const unoffered = driveSplits(make("socks5://p"), Uint8Array.of(5, 2)).error!;
    assert.match(unoffered.message, /invalid reply: authentication method 0x02 was not offered$/);
  });

  it("reports replies that are not SOCKS5", () => {
    for (const [reply, message] of [
      [[0x48, 0x54, 0x54, 0x50], /invalid reply: version 0x48 instead of SOCKS5 \(0x05\)$/],
      [[5, 0, 4, 0, 0, 1], /invalid reply: version 0x04 instead of SOCKS5/],
      [[5, 0, 5, 0, 0, 9, 0], /invalid reply: unknown address type 0x09$/],
      [[5, 2, 5, 0], /invalid reply: authentication version 0x05 instead of 0x01$/],
    ] as const) {
      const { error } = driveSplits(make("socks5://u:p@p"), Uint8Array.from(reply));
      assert.match(error!.message, message);
      assert.equal(error!.replyCode, undefined);
    }
  });

  it("reports a truncated reply at EOF", () => {
    const during = driveSplits(make("socks5h://p"), Uint8Array.of(5, 0, 5, 0, 0, 1, 127), true);
    assert.match(
      during.error!.message,
      /the proxy closed the connection in the middle of its reply$/,
    );
    const before = driveSplits(make("socks5h://p"), new Uint8Array(0), true);
    assert.match(before.error!.message, /the proxy closed the connection before its reply$/);
  });

  it("refuses credentials and names SOCKS5 cannot carry", () => {
    assert.throws(() => make(`socks5://${"u".repeat(256)}:p@h`)(), RangeError);
    assert.throws(() => make("socks5h://p", { host: "a".repeat(256), port: 1 })(), TypeError);
  });
});
