import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProxyUrl } from "../../src/proxy/proxy-url.js";
import { SOCKS4_REPLIES, Socks4Client } from "../../src/proxy/socks4.js";
import type { TunnelTarget } from "../../src/proxy/tunnel-client.js";
import { concat, driveSplits, hex } from "./helpers.js";

const FRAME = [0x81, 0x02, 0x68, 0x69];
const GRANTED = [0, 0x5a, 0, 0, 0, 0, 0, 0];

const make =
  (proxy: string, target: TunnelTarget, socks4a = false) =>
  () =>
    new Socks4Client(parseProxyUrl(proxy), target, { socks4a });

describe("Socks4Client", () => {
  it("SOCKS4: port, IPv4 address, user ID; the tunnel after the 8-byte reply", () => {
    const outcome = driveSplits(
      make("socks4://alice@127.0.0.1:1080", { host: "10.0.0.2", port: 8080 }),
      concat(GRANTED, FRAME),
    );
    assert.equal(
      hex(outcome.written),
      hex(concat([4, 1, 0x1f, 0x90, 10, 0, 0, 2], Buffer.from("alice"), [0])),
    );
    assert.equal(outcome.state, "established");
    assert.equal(hex(outcome.rest!), hex(Uint8Array.from(FRAME)));
  });

  it("SOCKS4a: address 0.0.0.1 and the name after the user ID", () => {
    const outcome = driveSplits(
      make("socks4a://127.0.0.1:1080", { host: "example.com", port: 80 }, true),
      Uint8Array.from(GRANTED),
    );
    assert.equal(
      hex(outcome.written),
      hex(concat([4, 1, 0, 80, 0, 0, 0, 1, 0], Buffer.from("example.com"), [0])),
    );
    assert.equal(outcome.rest?.length, 0);
  });

  it("reports the reply codes", () => {
    for (const code of [0x5b, 0x5c, 0x5d, 0x42]) {
      const { error } = driveSplits(
        make("socks4://127.0.0.1:1080", { host: "10.0.0.2", port: 80 }),
        Uint8Array.of(0, code, 0, 0, 0, 0, 0, 0),
      );
      assert.equal(error?.replyCode, code);
      assert.equal(
        error?.message,
        `Cannot open tunnel to 10.0.0.2:80 through proxy socks4://127.0.0.1:1080: SOCKS4 reply 0x${code.toString(16)} (${SOCKS4_REPLIES[code]?.text ?? "unknown reply code"})`,
      );
      assert.equal(error?.isTransient, code === 0x5b);
    }
  });

  it("reports a reply that is not SOCKS4, or one cut short", () => {
    const target = { host: "10.0.0.2", port: 80 };
    const garbage = driveSplits(make("socks4://p", target), Uint8Array.of(5, 0)).error!;
    assert.match(garbage.message, /invalid reply: version 0x05 instead of SOCKS4's 0x00$/);
    const cut = driveSplits(make("socks4://p", target), Uint8Array.of(0, 0x5a, 0), true).error!;
    assert.match(cut.message, /the proxy closed the connection in the middle of its reply$/);
  });

  it("refuses targets SOCKS4 cannot name", () => {
    assert.throws(
      () => make("socks4://p", { host: "example.com", port: 80 })(),
      /socks4a:\/\/ sends names/,
    );
    assert.throws(
      () => make("socks4a://p", { host: "::1", port: 80 }, true)(),
      /SOCKS4 has no IPv6/,
    );
  });
});
