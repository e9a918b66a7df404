import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  encodeFrame,
  encodeHeader,
  FrameReader,
  isSendableCloseCode,
  isValidUtf8,
  newMaskKey,
  PeerViolation,
  parseCloseBody,
} from "../../conformance/frames.js";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("conformance frame codec", () => {
  it("encodes lengths minimally across the 7/16/64-bit boundaries and round-trips them", () => {
    for (const len of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      const payload = new Uint8Array(len).map((_, i) => i & 0xff);
      const mask = newMaskKey();
      const frame = encodeFrame(2, payload, { mask });
      const headLen = (len < 126 ? 2 : len < 65536 ? 4 : 10) + 4;
      assert.equal(frame.length, headLen + len, `length ${len}`);
      const [f] = new FrameReader({ expectMasked: true }).push(frame);
      assert.equal(f?.opcode, 2);
      assert.deepEqual(f?.payload, payload);
    }
  });

  it("writes opcode, FIN and RSV exactly as told, even invalid ones", () => {
    const h = encodeHeader(0xb, 3, { fin: false, rsv: 7 });
    assert.deepEqual(h, bytes(0x7b, 3));
  });

  it("parses frames split at every byte position", () => {
    const wire = new Uint8Array([
      ...encodeFrame(1, new TextEncoder().encode("fragment1"), { fin: false, mask: newMaskKey() }),
      ...encodeFrame(9, new TextEncoder().encode("ping"), { mask: newMaskKey() }),
      ...encodeFrame(0, new Uint8Array(300).fill(42), { mask: newMaskKey() }),
    ]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const reader = new FrameReader({ expectMasked: true });
      const frames = [...reader.push(wire.subarray(0, cut)), ...reader.push(wire.subarray(cut))];
      assert.deepEqual(
        frames.map((f) => [f.opcode, f.fin, f.payload.length]),
        [
          [1, false, 9],
          [9, true, 4],
          [0, true, 300],
        ],
        `cut at ${cut}`,
      );
    }
  });

  const violations: [string, Uint8Array, boolean, boolean?][] = [
    ["unmasked frame from a client", encodeFrame(1, bytes(65)), true],
    ["masked frame from a server", encodeFrame(1, bytes(65), { mask: bytes(1, 2, 3, 4) }), false],
    ["16-bit length for a small payload", bytes(0x82, 126, 0, 5, 1, 2, 3, 4, 5), false],
    ["64-bit length for a small payload", bytes(0x82, 127, 0, 0, 0, 0, 0, 0, 1, 0), false],
    ["64-bit length with the MSB set", bytes(0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0), false],
    ["reserved opcode", bytes(0x83, 0), false],
    ["RSV bits without an extension", bytes(0xc1, 0), false],
    ["RSV1 on a control frame under deflate", bytes(0xc9, 0), false, true],
    ["fragmented control frame", bytes(0x09, 0), false],
    ["control frame over 125 bytes", encodeFrame(9, new Uint8Array(126)), false],
    ["1-byte close body", bytes(0x88, 1, 65), false],
    ["continuation with no message open", bytes(0x80, 0), false],
    ["new message inside a fragmented one", bytes(0x01, 0, 0x81, 0), false],
  ];
  for (const [name, wire, expectMasked, allowRsv1] of violations) {
    it(`reports a violation: ${name}`, () => {
      const reader = new FrameReader({ expectMasked, allowRsv1: allowRsv1 ?? false });
      assert.throws(() => reader.push(wire), PeerViolation);
    });
  }

  it("accepts RSV1 on the first data frame only when deflate is allowed", () => {
    const frame = bytes(0xc1, 0);
    assert.equal(new FrameReader({ expectMasked: false, allowRsv1: true }).push(frame).length, 1);
    const reader = new FrameReader({ expectMasked: false, allowRsv1: true });
    assert.throws(() => reader.push(bytes(0x41, 0, 0xc0, 0)), PeerViolation);
  });

  it("reports a client that reuses its masking key", () => {
    const key = bytes(9, 8, 7, 6);
    const reader = new FrameReader({ expectMasked: true });
    reader.push(encodeFrame(1, bytes(65), { mask: key }));
    assert.throws(() => reader.push(encodeFrame(1, bytes(66), { mask: key })), /masking key/);
  });

  it("checks close bodies: codes and UTF-8 reasons", () => {
    assert.deepEqual(parseCloseBody(bytes()), { code: null, reason: bytes() });
    assert.equal(parseCloseBody(bytes(0x03, 0xe8, 0x6f, 0x6b)).code, 1000);
    for (const code of [999, 1004, 1005, 1006, 1015, 2999, 5000]) {
      assert.equal(isSendableCloseCode(code), false, String(code));
      assert.throws(() => parseCloseBody(bytes(code >> 8, code & 0xff)), PeerViolation);
    }
    for (const code of [1000, 1003, 1007, 1014, 3000, 4999])
      assert.equal(isSendableCloseCode(code), true);
    assert.throws(() => parseCloseBody(bytes(0x03, 0xe8, 0xed, 0xa0, 0x80)), /UTF-8/);
  });

  it("validates UTF-8 strictly (surrogates, overlongs, above U+10FFFF) and accepts non-characters", () => {
    assert.equal(isValidUtf8(bytes(0xef, 0xbf, 0xbf)), true);
    assert.equal(isValidUtf8(bytes(0xf4, 0x8f, 0xbf, 0xbf)), true);
    for (const bad of [[0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xce]]) {
      assert.equal(isValidUtf8(new Uint8Array(bad)), false, bad.join(","));
    }
  });
});
