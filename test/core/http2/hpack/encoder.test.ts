import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type HeaderField,
  HpackDecoder,
  HpackEncoder,
} from "../../../../src/core/http2/hpack/index.js";
import { C3, hex, toHex } from "./rfc-examples.js";

describe("HpackEncoder: what it sends for each kind of field", () => {
  it("encodes C.3.1 and C.3.2 as RFC 7541 does (index, literal with indexing, dynamic index)", () => {
    const encoder = new HpackEncoder();
    assert.equal(toHex(encoder.encode(C3[0]!.fields)), toHex(hex(C3[0]!.block)));
    assert.equal(toHex(encoder.encode(C3[1]!.fields)), toHex(hex(C3[1]!.block)));
  });

  it("indexes an exact static match in one byte", () => {
    assert.equal(toHex(new HpackEncoder().encode([[":status", "200"]])), "88");
  });

  it("indexes a repeating field once, then sends it as its dynamic index", () => {
    const encoder = new HpackEncoder();
    const fields: HeaderField[] = [
      [":method", "CONNECT"],
      [":protocol", "websocket"],
      ["sec-websocket-version", "13"],
    ];
    const first = encoder.encode(fields);
    // :method by static name index 2 with indexing (0x42), then two literal names with indexing.
    assert.equal(toHex(first.subarray(0, 2)), "4207");
    assert.equal(first[9], 0x40);
    // Newest first: sec-websocket-version is 62, :protocol 63, :method 64.
    assert.equal(toHex(encoder.encode(fields)), "c0bfbe");
  });

  it("sends per-request values without indexing, by static name when there is one", () => {
    const encoder = new HpackEncoder();
    const block = encoder.encode([
      ["sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="],
      ["content-length", "5"],
    ]);
    assert.equal(block[0], 0x00); // without indexing, literal name
    assert.equal(block[1], 17); // name length
    assert.equal(toHex(block.subarray(-4)), "0f0d0135"); // content-length is static 28: 15 + 13
    assert.equal(toHex(encoder.encode([["content-length", "5"]])), "0f0d0135");
  });

  it("sends credentials as never indexed (RFC 7541 7.1.3)", () => {
    const encoder = new HpackEncoder();
    // authorization is static 23: 4-bit prefix 15, then 8.
    assert.equal(toHex(encoder.encode([["authorization", "x"]])), "1f080178");
    assert.equal(toHex(encoder.encode([["authorization", "x"]])), "1f080178");
    assert.equal(toHex(encoder.encode([["cookie", "a=b"]])).slice(0, 4), "1f11");
  });

  it("does not index a field larger than a quarter of the table", () => {
    const encoder = new HpackEncoder();
    const path = `/${"p".repeat(1024 - 32 - 5 - 1)}`; // entry of 1024 bytes: indexed
    const longer = `${path}q`; // 1025: not
    assert.equal(encoder.encode([[":path", path]])[0], 0x44);
    assert.equal(encoder.encode([[":path", longer]])[0], 0x04);
    assert.equal(toHex(encoder.encode([[":path", path]])), "be");
  });

  it("refuses characters above U+00FF, and its next block resynchronises the peer's table", () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    decoder.decode(encoder.encode([[":authority", "a.example"]]));
    assert.throws(
      () =>
        encoder.encode([
          [":authority", "b.example"],
          ["user-agent", "caf\u00e9 \u2603"],
        ]),
      (error: unknown) => error instanceof TypeError && /above U\+00FF at 5/.test(error.message),
    );
    const fields: HeaderField[] = [
      [":authority", "a.example"],
      ["user-agent", "caf\u00e9"],
    ];
    const block = encoder.encode(fields);
    assert.equal(toHex(block.subarray(0, 4)), "203fe11f"); // size 0, then 4096
    assert.deepEqual(decoder.decode(block), fields);
    assert.deepEqual(decoder.decode(encoder.encode(fields)), fields);
  });
});

describe("HpackEncoder: table size (RFC 7541 4.2, 6.3)", () => {
  it("announces a smaller table in its next block, once", () => {
    const encoder = new HpackEncoder();
    encoder.setPeerMaxTableBytes(1000);
    // 1000 = 31 + 969; 969 = 0x3c9 -> c9 07.
    assert.equal(toHex(encoder.encode([[":status", "200"]])), "3fc90788");
    assert.equal(toHex(encoder.encode([[":status", "200"]])), "88");
  });

  it("announces the smallest size since the last block, then the size in force", () => {
    const encoder = new HpackEncoder();
    encoder.setPeerMaxTableBytes(0);
    encoder.setPeerMaxTableBytes(100);
    encoder.setPeerMaxTableBytes(4096);
    assert.equal(toHex(encoder.encode([])), "203fe11f");
  });

  it("stays at 4096 when the peer allows more, without an update", () => {
    const encoder = new HpackEncoder({ maxTableBytes: 65536 });
    assert.equal(toHex(encoder.encode([[":status", "200"]])), "88");
    encoder.setPeerMaxTableBytes(1 << 20);
    assert.equal(toHex(encoder.encode([[":status", "200"]])), "88");
  });

  it("starts with an update when the peer's setting is below the initial 4096", () => {
    const encoder = new HpackEncoder({ maxTableBytes: 0 });
    const block = encoder.encode([[":status", "101"]]);
    assert.equal(toHex(block), "200803313031"); // size 0; :status by static name, not indexed
    assert.deepEqual(new HpackDecoder().decode(block), [[":status", "101"]]);
  });

  it("rejects sizes that are not non-negative integers", () => {
    assert.throws(() => new HpackEncoder({ maxTableBytes: -5 }), RangeError);
    assert.throws(() => new HpackEncoder().setPeerMaxTableBytes(Number.NaN), RangeError);
  });
});

/** Names from every class the encoder treats apart: static, indexed, sensitive, others. */
const names = [
  ":authority",
  ":method",
  ":path",
  ":protocol",
  ":scheme",
  ":status",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-key",
  "user-agent",
  "cookie",
  "authorization",
  "content-length",
  "accept-encoding",
  "x-custom",
  "date",
];
const field = fc.tuple(
  fc.oneof(fc.constantFrom(...names), fc.string({ unit: "binary-ascii", maxLength: 12 })),
  fc.oneof(
    fc.constantFrom("", "GET", "200", "/", "websocket", "13", "gzip, deflate", "a.example"),
    fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) }),
    fc.string({ maxLength: 600, unit: "binary-ascii" }),
  ),
) as fc.Arbitrary<HeaderField>;
const step = fc.oneof(
  { weight: 5, arbitrary: fc.array(field, { maxLength: 12 }).map((fields) => ({ fields })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 8192 }).map((size) => ({ size })) },
);

describe("HpackEncoder -> HpackDecoder round trips", () => {
  it("random header lists, table size changes and evictions decode to what was encoded", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const encoder = new HpackEncoder();
        const decoder = new HpackDecoder({ maxTableBytes: 8192, maxHeaderListBytes: 1 << 20 });
        for (const s of steps) {
          if ("size" in s) encoder.setPeerMaxTableBytes(s.size);
          else assert.deepEqual(decoder.decode(encoder.encode(s.fields)), s.fields);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a long run of distinct values keeps evicting and stays in step", () => {
    const encoder = new HpackEncoder({ maxTableBytes: 256 });
    const decoder = new HpackDecoder({ maxTableBytes: 256 });
    for (let i = 0; i < 2000; i++) {
      const fields: HeaderField[] = [
        [":authority", `host-${i % 7}.example`],
        [":path", `/${i % 13}`],
        ["user-agent", `agent ${i % 5}`],
      ];
      assert.deepEqual(decoder.decode(encoder.encode(fields)), fields);
      assert.ok(decoder.table.bytes <= 256);
    }
  });
});

describe("HpackEncoder: headroom for the frame header", () => {
  it("leaves zeroed bytes before the block, the block unchanged", () => {
    const fields: HeaderField[] = [
      [":status", "200"],
      ["sec-websocket-extensions", "permessage-deflate"],
    ];
    const plain = new HpackEncoder().encode(fields);
    new HpackEncoder().encode([["x-fill", "\u00ff".repeat(100)]]); // dirties the shared buffer
    const framed = new HpackEncoder().encode(fields, 9);
    assert.equal(toHex(framed.subarray(0, 9)), "000000000000000000");
    assert.equal(toHex(framed.subarray(9)), toHex(plain));
    assert.throws(() => new HpackEncoder().encode(fields, -1), RangeError);
  });

  it("blocks from encoders sharing the output buffer stay apart", () => {
    const a = new HpackEncoder();
    const b = new HpackEncoder();
    const blockA = a.encode([[":authority", "a.example"]]);
    const blockB = b.encode([[":authority", "b.example"]]);
    assert.deepEqual(new HpackDecoder().decode(blockA), [[":authority", "a.example"]]);
    assert.deepEqual(new HpackDecoder().decode(blockB), [[":authority", "b.example"]]);
  });
});
