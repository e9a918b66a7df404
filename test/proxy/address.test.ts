import assert from "node:assert/strict";
import { isIP } from "node:net";
import { describe, it } from "node:test";
import fc from "fast-check";
import { inRange, parseIp, parseIpv4, parseIpv6 } from "../../src/proxy/address.js";

const hex = (bytes: Uint8Array | undefined): string | undefined =>
  bytes && Buffer.from(bytes).toString("hex");

describe("IP address literals", () => {
  it("parses dotted quads only", () => {
    assert.equal(hex(parseIpv4("127.0.0.1")), "7f000001");
    assert.equal(hex(parseIpv4("255.255.255.255")), "ffffffff");
    for (const bad of [
      "127.1",
      "1.2.3.256",
      "1.2.3.4.5",
      "0x7f.0.0.1",
      "1..2.3",
      "",
      "a.b.c.d",
      "1.2.3.-4",
    ]) {
      assert.equal(parseIpv4(bad), undefined, bad);
    }
  });

  it("parses IPv6 with :: and an IPv4 tail", () => {
    for (const [text, expected] of [
      ["::", "00000000000000000000000000000000"],
      ["::1", "00000000000000000000000000000001"],
      ["1::", "00010000000000000000000000000000"],
      ["2001:DB8::8:800:200C:417A", "20010db8000000000008080020 0c417a".replace(" ", "")],
      ["::ffff:192.0.2.128", "00000000000000000000ffffc0000280"],
      ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
      ["1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"],
    ] as const) {
      assert.equal(hex(parseIpv6(text)), expected, text);
    }
    for (const bad of [
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "::g",
      ":1",
      "1:",
      "1:2:3:4:5:6:7::8:9",
      "fe80::1%eth0",
      "::1.2.3",
    ]) {
      assert.equal(parseIpv6(bad), undefined, bad);
    }
  });

  it("agrees with node:net on random input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV6(), fc.ipV4(), fc.string({ maxLength: 12 })), (text) => {
        const ours = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
        // node:net accepts IPv4 with leading zeros as written; so do we.
        assert.equal(ours !== undefined, isIP(text) !== 0, text);
      }),
    );
  });

  it("brackets and ranges", () => {
    assert.equal(hex(parseIp("[::1]")), hex(parseIpv6("::1")));
    assert.equal(parseIp("[127.0.0.1]"), undefined);
    assert.ok(inRange(parseIp("10.1.2.3")!, parseIp("10.0.0.0")!, 8));
    assert.ok(!inRange(parseIp("11.1.2.3")!, parseIp("10.0.0.0")!, 8));
    assert.ok(inRange(parseIp("192.168.1.130")!, parseIp("192.168.1.128")!, 25));
    assert.ok(!inRange(parseIp("192.168.1.127")!, parseIp("192.168.1.128")!, 25));
    assert.ok(inRange(parseIp("fd00::5")!, parseIp("fc00::")!, 7));
    assert.ok(!inRange(parseIp("::1")!, parseIp("0.0.0.0")!, 0), "families differ");
    assert.ok(!inRange(parseIp("1.2.3.4")!, parseIp("1.2.3.4")!, 33));
  });
});
