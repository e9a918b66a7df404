import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ByteWriter } from "../../../../src/core/http2/hpack/byte-writer.js";
import { HpackError } from "../../../../src/core/http2/hpack/errors.js";
import {
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from "../../../../src/core/http2/hpack/huffman.js";
import { HUFFMAN_CODE_TABLE } from "../../../../src/core/http2/hpack/huffman-table.js";
import { hex, toHex } from "./rfc-examples.js";

function encode(s: string): Uint8Array {
  const writer = new ByteWriter(4);
  huffmanEncode(writer, s);
  return writer.take();
}

function decode(bytes: Uint8Array): string {
  return huffmanDecode(bytes, 0, bytes.length);
}

/** The Huffman-coded strings of RFC 7541 C.4 and C.6. */
const examples: [string, string][] = [
  ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
  ["no-cache", "a8eb 1064 9cbf"],
  ["custom-key", "25a8 49e9 5ba9 7d7f"],
  ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
  ["302", "6402"],
  ["307", "640e ff"],
  ["private", "aec3 771a 4b"],
  ["Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff"],
  ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
  ["gzip", "9bd9 ab"],
  [
    "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
  ],
];

describe("Huffman code table (RFC 7541 Appendix B)", () => {
  it("refuses to encode a code unit above U+00FF (the caller's fault)", () => {
    assert.throws(() => encode("caf\u00e9\u0100"), {
      name: "TypeError",
      message: /character above U\+00FF at 4/,
    });
  });

  it("has 257 codes forming a complete prefix code (Kraft sum exactly 1, no code a prefix of another)", () => {
    assert.equal(HUFFMAN_CODE_TABLE.length, 257);
    // Sum of 2^(30 - bits) over all codes must be 2^30 (lengths run 5..30).
    let kraft = 0;
    for (const [code, bits] of HUFFMAN_CODE_TABLE) {
      assert.ok(bits >= 5 && bits <= 30 && code < 2 ** bits);
      kraft += 2 ** (30 - bits);
    }
    assert.equal(kraft, 2 ** 30);
    const padded = HUFFMAN_CODE_TABLE.map(([code, bits]) => ({
      bits,
      left: code * 2 ** (30 - bits),
    }));
    padded.sort((a, b) => a.left - b.left);
    for (let i = 1; i < padded.length; i++) {
      const previous = padded[i - 1]!;
      assert.ok(padded[i]!.left >= previous.left + 2 ** (30 - previous.bits), "prefix-free");
    }
    assert.deepEqual(HUFFMAN_CODE_TABLE[256], [0x3fffffff, 30]); // EOS: 30 ones
  });
});

describe("Huffman decode and encode (RFC 7541 5.2)", () => {
  it("decodes and encodes the strings of RFC 7541 C.4 and C.6", () => {
    for (const [text, coded] of examples) {
      assert.equal(decode(hex(coded)), text);
      assert.equal(toHex(encode(text)), toHex(hex(coded)));
      assert.equal(huffmanEncodedLength(text), hex(coded).length);
    }
  });

  it("round-trips every single octet, and all 256 in one string", () => {
    for (let octet = 0; octet < 256; octet++) {
      const s = String.fromCharCode(octet);
      assert.equal(decode(encode(s)), s, `octet ${octet}`);
      assert.equal(encode(s).length, Math.ceil(HUFFMAN_CODE_TABLE[octet]![1] / 8));
    }
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
    assert.equal(decode(encode(all)), all);
    assert.equal(decode(encode(all + all + all)), all + all + all);
  });

  it("round-trips random octet strings", () => {
    const octets = fc.string({
      unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      maxLength: 200,
    });
    fc.assert(
      fc.property(octets, (s) => decode(encode(s)) === s),
      { numRuns: 2000 },
    );
  });

  it("decodes an empty string from no bytes", () => {
    assert.equal(decode(new Uint8Array(0)), "");
    assert.equal(encode("").length, 0);
  });

  it("rejects EOS, padding over 7 bits and padding that is not ones", () => {
    const bad: [number[], RegExp][] = [
      [[0xff, 0xff, 0xff, 0xff], /EOS/],
      [[0xff, 0xff, 0xff, 0xfc], /EOS/], // exactly EOS, then 2 zero bits
      [[0xff], /longer than 7 bits/],
      [[0x1f, 0xff], /longer than 7 bits/], // 'a' then 11 ones
      [[0x18], /not all ones/], // 'a' then 000
      [[0x1e], /not all ones/], // 'a' then 110
      [[0x00], /not all ones/], // '0' (00000) then 000
    ];
    for (const [bytes, message] of bad) {
      assert.throws(
        () => decode(Uint8Array.from(bytes)),
        (error: unknown) => error instanceof HpackError && message.test(error.message),
        toHex(Uint8Array.from(bytes)),
      );
    }
    // Up to 7 bits of ones are fine: '0' (00000) and 111.
    assert.equal(decode(Uint8Array.of(0x07)), "0");
  });

  it("every symbol's code followed by each legal padding decodes, each illegal one does not", () => {
    for (let octet = 0; octet < 256; octet++) {
      const [code, bits] = HUFFMAN_CODE_TABLE[octet]!;
      const pad = (8 - (bits % 8)) % 8;
      const total = bits + pad;
      // code, then `pad` ones: legal.
      const ones = code * 2 ** pad + (2 ** pad - 1);
      const bytes = new Uint8Array(total / 8);
      for (let i = 0; i < bytes.length; i++) {
        bytes[i] = Math.floor(ones / 2 ** (total - 8 * (i + 1))) % 256;
      }
      assert.equal(decode(bytes), String.fromCharCode(octet));
      if (pad > 0) {
        bytes[bytes.length - 1] = bytes[bytes.length - 1]! & ~1; // last padding bit zero
        assert.throws(() => decode(bytes), HpackError, `octet ${octet} with a zero in its padding`);
      }
    }
  });
});
