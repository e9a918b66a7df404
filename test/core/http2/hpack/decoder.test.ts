import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type HeaderField,
  HeaderListTooLargeError,
  HpackDecoder,
  HpackError,
} from "../../../../src/core/http2/hpack/index.js";
import { C3, C4, C5, C6, hex, type Step } from "./rfc-examples.js";

function tableOf(decoder: HpackDecoder): HeaderField[] {
  const table = decoder.table;
  return Array.from({ length: table.length }, (_, i) => table.get(i));
}

/**
 * A decoder whose setting of `maxTableBytes` the peer acknowledged and applied: below the
 * initial 4096 that takes a size update (C.5 and C.6 assume one happened before them).
 */
function decoderAt(maxTableBytes: number): HpackDecoder {
  const decoder = new HpackDecoder({ maxTableBytes });
  if (maxTableBytes < 4096) {
    decoder.setMaxTableBytes(maxTableBytes);
    assert.equal(maxTableBytes, 256);
    assert.deepEqual(decoder.decode(Uint8Array.of(0x3f, 0xe1, 0x01)), []); // 31 + 225 = 256
  }
  assert.equal(decoder.table.maxBytes, maxTableBytes);
  return decoder;
}

function decodeSeries(steps: Step[], maxTableBytes: number): void {
  const decoder = decoderAt(maxTableBytes);
  steps.forEach((step, i) => {
    assert.deepEqual(decoder.decode(hex(step.block)), step.fields, `fields of block ${i + 1}`);
    assert.deepEqual(tableOf(decoder), step.table, `table after block ${i + 1}`);
    assert.equal(decoder.table.bytes, step.tableBytes, `table size after block ${i + 1}`);
  });
}

function throwsHpack(block: Uint8Array | number[], message: RegExp, decoder = new HpackDecoder()) {
  assert.throws(
    () => decoder.decode(Uint8Array.from(block)),
    (error: unknown) =>
      error instanceof HpackError &&
      !(error instanceof HeaderListTooLargeError) &&
      error.name === "HpackError" &&
      message.test(error.message) &&
      /\(peer's fault\)$/.test(error.message),
  );
}

describe("HpackDecoder: RFC 7541 Appendix C", () => {
  it("C.2.1 literal with indexing adds the field to the table", () => {
    const decoder = new HpackDecoder();
    const block = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
    assert.deepEqual(decoder.decode(block), [["custom-key", "custom-header"]]);
    assert.deepEqual(tableOf(decoder), [["custom-key", "custom-header"]]);
    assert.equal(decoder.table.bytes, 55);
  });

  it("C.2.2 literal without indexing leaves the table empty", () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(decoder.decode(hex("040c 2f73 616d 706c 652f 7061 7468")), [
      [":path", "/sample/path"],
    ]);
    assert.equal(decoder.table.length, 0);
  });

  it("C.2.3 literal never indexed leaves the table empty", () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(decoder.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74")), [
      ["password", "secret"],
    ]);
    assert.equal(decoder.table.length, 0);
  });

  it("C.2.4 indexed field from the static table", () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(decoder.decode(hex("82")), [[":method", "GET"]]);
    assert.equal(decoder.table.length, 0);
  });

  it("C.3 requests without Huffman coding, with the table after each", () => {
    decodeSeries(C3, 4096);
  });

  it("C.4 requests with Huffman coding, with the table after each", () => {
    decodeSeries(C4, 4096);
  });

  it("C.5 responses without Huffman coding, evicting at table size 256", () => {
    decodeSeries(C5, 256);
  });

  it("C.6 responses with Huffman coding, evicting at table size 256", () => {
    decodeSeries(C6, 256);
  });

  it("a block cut anywhere decodes to a prefix of its fields or throws HpackError", () => {
    for (const [steps, size] of [
      [C3, 4096],
      [C4, 4096],
      [C5, 256],
      [C6, 256],
    ] as const) {
      const block = hex(steps[0]!.block);
      for (let cut = 0; cut < block.length; cut++) {
        const decoder = decoderAt(size);
        let fields: HeaderField[];
        try {
          fields = decoder.decode(block.subarray(0, cut));
        } catch (error) {
          assert.ok(error instanceof HpackError, `cut at ${cut}: ${error}`);
          continue;
        }
        assert.deepEqual(fields, steps[0]!.fields.slice(0, fields.length), `cut at ${cut}`);
      }
    }
  });
});

describe("HpackDecoder: dynamic table size updates (RFC 7541 4.2, 6.3)", () => {
  it("applies updates at the start of a block, evicting, two in a row allowed", () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex(C3[0]!.block));
    assert.equal(decoder.table.length, 1);
    // 0x20: size 0 (evicts all), then 0x3f e1 1f: size 4096, then :method GET.
    assert.deepEqual(decoder.decode(Uint8Array.of(0x20, 0x3f, 0xe1, 0x1f, 0x82)), [
      [":method", "GET"],
    ]);
    assert.equal(decoder.table.length, 0);
    throwsHpack([0xbe], /index 62 is past the table of 61 entries/, decoder);
  });

  it("a smaller table evicts on later inserts", () => {
    const decoder = new HpackDecoder();
    // Size 57 holds one ":authority: abc" (10 + 3 + 32 = 45), not two.
    const first = hex("3f1a 4103 6162 63");
    assert.deepEqual(decoder.decode(first), [[":authority", "abc"]]);
    assert.equal(decoder.table.maxBytes, 57);
    decoder.decode(hex("4103 7879 7a"));
    assert.deepEqual(tableOf(decoder), [[":authority", "xyz"]]);
  });

  it("the table starts at 4096, and updates up to the larger of it and our setting are accepted", () => {
    const small = new HpackDecoder({ maxTableBytes: 100 });
    assert.equal(small.table.maxBytes, 4096);
    assert.deepEqual(small.decode(Uint8Array.of(0x3f, 0xe1, 0x1f)), []); // 4096: before the ack
    throwsHpack([0x3f, 0xe2, 0x1f], /size update to 4097 exceeds our setting of 4096/, small);
    const large = new HpackDecoder({ maxTableBytes: 8192 });
    assert.equal(large.table.maxBytes, 4096);
    assert.deepEqual(large.decode(Uint8Array.of(0x3f, 0xe1, 0x3f)), []); // 31 + 97 + 8064 = 8192
    assert.equal(large.table.maxBytes, 8192);
    throwsHpack([0x3f, 0xe2, 0x3f], /size update to 8193 exceeds our setting of 8192/, large);
    throwsHpack([0x3f, 0xe2, 0x1f], /size update to 4097 exceeds our setting of 4096/);
  });

  it("once our smaller setting is acknowledged, the next block must shrink the table to it", () => {
    const decoder = new HpackDecoder({ maxTableBytes: 100 });
    decoder.decode(hex(C3[0]!.block));
    decoder.setMaxTableBytes(100);
    throwsHpack(
      [0x82],
      /does not begin with a dynamic table size update to our setting of 100/,
      decoder,
    );

    const shrunk = new HpackDecoder({ maxTableBytes: 100 });
    shrunk.setMaxTableBytes(100);
    throwsHpack([0x3f, 101 - 31], /size update to 101 exceeds our setting of 100/, shrunk);
    const fine = new HpackDecoder({ maxTableBytes: 100 });
    fine.decode(hex(C3[0]!.block));
    fine.setMaxTableBytes(100);
    assert.deepEqual(fine.decode(Uint8Array.of(0x3f, 100 - 31, 0x82)), [[":method", "GET"]]);
    assert.equal(fine.table.maxBytes, 100);
    assert.equal(fine.table.length, 1); // the 57-byte entry still fits
    assert.deepEqual(fine.decode(Uint8Array.of(0x82)), [[":method", "GET"]]); // once is enough
  });

  it("a larger or equal acknowledged setting asks for no update", () => {
    const decoder = new HpackDecoder({ maxTableBytes: 8192 });
    decoder.setMaxTableBytes(8192);
    assert.deepEqual(decoder.decode(Uint8Array.of(0x82)), [[":method", "GET"]]);
    assert.throws(() => decoder.setMaxTableBytes(-1), RangeError);
  });

  it("an update after a field is an error", () => {
    throwsHpack([0x82, 0x20], /size update follows a header field/);
    throwsHpack([0x82, 0x3f, 0xe1, 0x1f], /size update follows a header field/);
  });
});

describe("HpackDecoder: bad blocks are HpackError, the peer's fault", () => {
  it("index 0, as a field and as a name", () => {
    throwsHpack([0x80], /index 0 is not valid/);
    // A literal's name index 0 means "name follows", so 0x40 0x00 is an empty name, not an error.
    assert.deepEqual(new HpackDecoder().decode(Uint8Array.of(0x40, 0x00, 0x00)), [["", ""]]);
  });

  it("an index past the table, as a field and as a literal's name", () => {
    throwsHpack([0xbe], /index 62 is past the table of 61 entries/);
    throwsHpack([0xff, 0x00], /index 127 is past the table/);
    throwsHpack([0x7e, 0x00], /index 62 is past the table/); // with indexing, 6-bit name index
    throwsHpack([0x0f, 0x2f, 0x00], /index 62 is past the table/); // without indexing
    throwsHpack([0x1f, 0x2f, 0x00], /index 62 is past the table/); // never indexed
    const decoder = new HpackDecoder();
    decoder.decode(hex(C3[0]!.block));
    assert.deepEqual(decoder.decode(Uint8Array.of(0xbe)), [[":authority", "www.example.com"]]);
    throwsHpack([0xbf], /index 63 is past the table of 62 entries/, decoder);
  });

  it("an integer that ends with the block, is too large or too long", () => {
    throwsHpack([0xff], /ends inside an integer/);
    throwsHpack([0xff, 0x80], /ends inside an integer/);
    throwsHpack([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], /integer is larger than 2147483647/);
    throwsHpack([0x3f, 0xe1, 0xff, 0xff, 0xff, 0x7f], /integer is larger than 2147483647/);
    throwsHpack([0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], /more than 5 continuation bytes/);
    // Five (non-minimal) continuation bytes are still read.
    throwsHpack([0xff, 0x80, 0x80, 0x80, 0x80, 0x00], /index 127 is past the table/);
  });

  it("a string whose length runs past the block, or that is missing", () => {
    throwsHpack([0x00, 0x05, 0x61], /string literal of 5 bytes runs 4 bytes past the block's end/);
    throwsHpack([0x04, 0x81], /string literal of 1 bytes runs 1 bytes past/);
    throwsHpack([0x04, 0xff, 0xff, 0xff, 0xff, 0x07], /string literal of \d+ bytes runs/);
    throwsHpack([0x00], /ends where a string literal should start/);
    throwsHpack([0x04], /ends where a string literal should start/);
    throwsHpack([0x40, 0x01, 0x61], /ends where a string literal should start/);
  });

  it("Huffman strings with EOS, long padding or padding not all ones (RFC 7541 5.2)", () => {
    // 'a' is 00011 (5 bits): 0x1f is 'a' and 3 bits of ones padding.
    assert.deepEqual(new HpackDecoder().decode(Uint8Array.of(0x04, 0x81, 0x1f)), [[":path", "a"]]);
    throwsHpack([0x04, 0x81, 0x18], /padding that is not all ones/);
    throwsHpack([0x04, 0x82, 0x1f, 0xff], /padding longer than 7 bits/);
    throwsHpack([0x04, 0x81, 0xff], /padding longer than 7 bits/);
    throwsHpack([0x04, 0x84, 0xff, 0xff, 0xff, 0xff], /holds the EOS symbol/);
    // EOS (30 ones) after 'a', then 5 bits of padding.
    throwsHpack([0x04, 0x85, 0x1f, 0xff, 0xff, 0xff, 0xff], /holds the EOS symbol/);
  });

  it("any bytes decode or throw HpackError, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (block) => {
        try {
          new HpackDecoder().decode(block);
        } catch (error) {
          if (!(error instanceof HpackError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("HpackDecoder: header list size (RFC 9113 6.5.2)", () => {
  it("accepts a list of exactly maxHeaderListBytes", () => {
    // ":path: /" is 5 + 1 + 32 = 38 bytes; twice 76.
    const decoder = new HpackDecoder({ maxHeaderListBytes: 76 });
    assert.deepEqual(decoder.decode(Uint8Array.of(0x84, 0x84)), [
      [":path", "/"],
      [":path", "/"],
    ]);
  });

  it("decodes the whole block past the limit, then throws a stream error; the table stays in step", () => {
    const decoder = new HpackDecoder({ maxHeaderListBytes: 75 });
    // :path /, :path /, then ":authority: abc" with indexing (after the limit is passed).
    const block = Uint8Array.of(0x84, 0x84, 0x41, 0x03, 0x61, 0x62, 0x63);
    assert.throws(
      () => decoder.decode(block),
      (error: unknown) =>
        error instanceof HeaderListTooLargeError &&
        error instanceof HpackError &&
        error.name === "HeaderListTooLargeError" &&
        error.headerListBytes === 38 + 38 + 45 &&
        error.maxHeaderListBytes === 75 &&
        /header list is 121 bytes, more than the 75 allowed \(peer's fault\)/.test(error.message),
    );
    assert.deepEqual(decoder.decode(Uint8Array.of(0xbe)), [[":authority", "abc"]]);
  });

  it("an HPACK bomb (one large entry indexed over and over) stops at the limit, not in memory", () => {
    const decoder = new HpackDecoder();
    const value = "x".repeat(4000);
    // x-big: 4000 x's with indexing, then 100,000 one-byte references to it: 400 MB decoded.
    // 4000 = 127 + 33 + 30 * 128: 7f a1 1e.
    const head = [0x40, 0x05, ...Array.from("x-big", (c) => c.charCodeAt(0)), 0x7f, 0xa1, 0x1e];
    const block = new Uint8Array(head.length + 100_000 + 4000);
    block.set(head);
    block.fill(0x78, head.length, head.length + 4000);
    block.fill(0xbe, head.length + 4000);
    const started = performance.now();
    assert.throws(
      () => decoder.decode(block),
      (error: unknown) =>
        error instanceof HeaderListTooLargeError &&
        error.headerListBytes === 100_001 * (5 + 4000 + 32),
    );
    assert.ok(performance.now() - started < 1000, "decoding stays linear in the block");
    assert.deepEqual(decoder.table.get(0), ["x-big", value]);
  });

  it("counts 32 bytes per field even for empty ones", () => {
    const decoder = new HpackDecoder({ maxHeaderListBytes: 63 });
    assert.throws(
      () => decoder.decode(Uint8Array.of(0x40, 0, 0, 0x40, 0, 0)),
      HeaderListTooLargeError,
    );
  });
});

describe("HpackDecoder: strings are octets", () => {
  it("every octet round-trips as the code unit of the same number", () => {
    const block = new Uint8Array(4 + 256);
    // 0x04: name :path; 0x7f 0x81 0x01: a raw string of 127 + 1 + 128 = 256 octets.
    block.set([0x04, 0x7f, 0x81, 0x01]);
    block.set(
      Uint8Array.from({ length: 256 }, (_, i) => i),
      4,
    );
    const [[name, value]] = new HpackDecoder().decode(block) as [HeaderField];
    assert.equal(name, ":path");
    assert.equal(value.length, 256);
    for (let i = 0; i < 256; i++) assert.equal(value.charCodeAt(i), i);
  });
});

describe("HpackDecoder options", () => {
  it("rejects sizes that are not non-negative integers", () => {
    assert.throws(() => new HpackDecoder({ maxTableBytes: -1 }), RangeError);
    assert.throws(() => new HpackDecoder({ maxHeaderListBytes: 1.5 }), RangeError);
  });
});
