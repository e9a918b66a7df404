import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  checkFrameHeader,
  FIN,
  HeaderCheck,
  headerProblem,
  headerSize,
  headerSizeOf,
  MAX_HEADER_SIZE,
  Opcode,
  readMaskKey,
  readPayloadLength,
  writeHeader,
} from "../../src/core/frame.js";
import { frame } from "../helpers/wire.js";

describe("frame header: write and read back (RFC 6455 5.2)", () => {
  it("reads what writeHeader wrote, for every length form, masked or not", () => {
    const length = fc.oneof(
      fc.integer({ min: 0, max: 125 }),
      fc.integer({ min: 126, max: 0xffff }),
      fc.integer({ min: 0x10000, max: Number.MAX_SAFE_INTEGER }),
    );
    fc.assert(
      fc.property(length, fc.boolean(), fc.integer({ min: 0, max: 0xff }), (n, masked, first) => {
        const buffer = new Uint8Array(MAX_HEADER_SIZE + 3);
        const end = writeHeader(buffer, 3, first, n, masked);
        const size = headerSize(n, masked);
        assert.equal(end, 3 + size - (masked ? 4 : 0), "writeHeader leaves the key to the caller");
        assert.equal(buffer[3], first);
        assert.equal(headerSizeOf(buffer[4]!), size);
        assert.equal(readPayloadLength(buffer, 3), n);
      }),
    );
  });

  it("reads the lengths and key of headers another encoder made, non-minimal ones too", () => {
    const key = [0xde, 0xad, 0xbe, 0xef];
    for (const [bits, n] of [
      [7, 5],
      [16, 5],
      [64, 5],
      [16, 300],
      [64, 70000],
    ] as const) {
      const bytes = frame({
        opcode: Opcode.BINARY,
        payload: new Uint8Array(n),
        lengthBits: bits,
        mask: key,
      });
      const size = headerSizeOf(bytes[1]!);
      assert.equal(size, (bits === 7 ? 2 : bits === 16 ? 4 : 10) + 4);
      assert.equal(readPayloadLength(bytes, 0), n);
      assert.equal(readMaskKey(bytes, 0, size), 0xdeadbeef);
    }
  });

  it("answers -1 for a 64-bit length with the most significant bit set", () => {
    const header = Uint8Array.from([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]);
    assert.equal(readPayloadLength(header, 0), -1);
    header.set([0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2);
    assert.equal(readPayloadLength(header, 0), Number.MAX_SAFE_INTEGER);
  });
});

describe("checkFrameHeader (RFC 6455 5.1, 5.2, 5.4, 5.5)", () => {
  const data = (opcode: number, fin = true, rsv = 0) => (fin ? FIN : 0) | rsv | opcode;
  // [b0, masked, length, expectMasked, rsvAllowed, inMessage, verdict, problem]
  const cases: [number, boolean, number, boolean, number, boolean, HeaderCheck, string][] = [
    [data(Opcode.TEXT), true, 5, true, 0, false, HeaderCheck.OK, ""],
    [data(Opcode.BINARY, false), false, 5, false, 0, false, HeaderCheck.OK, ""],
    [data(Opcode.CONTINUATION), true, 5, true, 0, true, HeaderCheck.OK, ""],
    [data(Opcode.PING), true, 125, true, 0, true, HeaderCheck.OK, ""],
    [data(Opcode.TEXT, true, 0x40), true, 5, true, 0x40, false, HeaderCheck.OK, ""],
    [
      data(Opcode.TEXT),
      false,
      5,
      true,
      0,
      false,
      HeaderCheck.WRONG_MASKING,
      "unmasked frame from the client",
    ],
    [
      data(Opcode.TEXT),
      true,
      5,
      false,
      0,
      false,
      HeaderCheck.WRONG_MASKING,
      "masked frame from the server",
    ],
    [data(0x3), true, 5, true, 0, false, HeaderCheck.RESERVED_OPCODE, "reserved opcode 0x3"],
    [data(0xb), true, 5, true, 0, false, HeaderCheck.RESERVED_OPCODE, "reserved opcode 0xb"],
    [
      data(Opcode.TEXT, true, 0x20),
      true,
      5,
      true,
      0x40,
      false,
      HeaderCheck.RESERVED_BITS,
      "reserved bits 0x2 set",
    ],
    [
      data(Opcode.PING, true, 0x40),
      true,
      5,
      true,
      0x40,
      false,
      HeaderCheck.RESERVED_BITS,
      "reserved bits 0x4 set",
    ],
    [
      data(Opcode.PING, false),
      true,
      5,
      true,
      0,
      false,
      HeaderCheck.FRAGMENTED_CONTROL,
      "fragmented control frame",
    ],
    [
      data(Opcode.CLOSE),
      true,
      126,
      true,
      0,
      false,
      HeaderCheck.CONTROL_TOO_LONG,
      "control frame of 126 bytes, at most 125",
    ],
    [
      data(Opcode.CONTINUATION),
      true,
      5,
      true,
      0,
      false,
      HeaderCheck.CONTINUATION_WITHOUT_MESSAGE,
      "continuation frame without a message to continue",
    ],
    [
      data(Opcode.BINARY),
      true,
      5,
      true,
      0,
      true,
      HeaderCheck.MESSAGE_INTERRUPTED,
      "new message before the previous one ended",
    ],
  ];
  for (const [b0, masked, length, expectMasked, rsvAllowed, inMessage, verdict, problem] of cases) {
    it(`0x${b0.toString(16)} masked=${masked} length=${length} expectMasked=${expectMasked} rsv=0x${rsvAllowed.toString(16)} inMessage=${inMessage} → ${problem || "OK"}`, () => {
      const check = checkFrameHeader(b0, masked, length, expectMasked, rsvAllowed, inMessage);
      assert.equal(check, verdict);
      if (check !== HeaderCheck.OK) assert.equal(headerProblem(check, b0, masked, length), problem);
    });
  }
});
