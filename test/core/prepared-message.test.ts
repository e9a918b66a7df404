import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Extension } from "../../src/core/extension.js";
import { Opcode } from "../../src/core/frame.js";
import { PreparedMessage, prepareMessage, sharedKeyOf } from "../../src/core/prepared-message.js";
import { bytes, parseFrames, text } from "../helpers/wire.js";

function extension(name: string, sharedKey?: string | null): Extension & { encoded: number } {
  const e = {
    name,
    rsvBits: 0x40,
    encoded: 0,
    encode(payload: Uint8Array) {
      e.encoded++;
      return { payload: Uint8Array.from([...payload, name.charCodeAt(0)]), rsv: 0x40 };
    },
    decode: (payload: Uint8Array) => payload,
    ...(sharedKey === undefined ? {} : { sharedKey }),
  };
  return e;
}

describe("prepareMessage", () => {
  it("sends strings as text (UTF-8) and bytes as binary", () => {
    const t = prepareMessage("hé");
    assert.equal(t.opcode, Opcode.TEXT);
    assert.deepEqual(t.payload, bytes("hé"));
    const b = prepareMessage(new Uint8Array([1, 2]));
    assert.equal(b.opcode, Opcode.BINARY);
    assert.deepEqual([...b.payload], [1, 2]);
  });
});

describe("PreparedMessage.serverFrame", () => {
  for (const size of [0, 125, 126, 65535, 65536]) {
    it(`is one unmasked FIN frame of ${size} bytes with the minimal length, built once`, () => {
      const message = new PreparedMessage(Opcode.BINARY, new Uint8Array(size).fill(7));
      const frame = message.serverFrame;
      assert.equal(message.serverFrame, frame, "built on first use, then kept");
      const [parsed, ...rest] = parseFrames(frame);
      assert.equal(rest.length, 0);
      assert.equal(parsed!.fin, true);
      assert.equal(parsed!.masked, false);
      assert.equal(parsed!.opcode, Opcode.BINARY);
      assert.equal(parsed!.payload.length, size);
      assert.equal(parsed!.headerBytes, size < 126 ? 2 : size < 65536 ? 4 : 10);
    });
  }
});

describe("PreparedMessage.encodedFor", () => {
  it("encodes once per key, through every extension in order", () => {
    const a = extension("a", "1");
    const b = extension("b", "2");
    const message = prepareMessage("x");
    const first = message.encodedFor("k", [a, b]);
    assert.equal(text(first.payload), "xab");
    assert.equal(first.rsv, 0x40);
    assert.equal(message.encodedFor("k", [a, b]), first, "the same bytes for the same key");
    assert.equal(a.encoded, 1);
    assert.notEqual(message.encodedFor("other", [a, b]), first);
    assert.equal(a.encoded, 2);
  });
});

describe("sharedKeyOf", () => {
  it('is "" for no extension, the joined keys when all share, null when one cannot', () => {
    assert.equal(sharedKeyOf([]), "");
    assert.equal(sharedKeyOf([extension("a", "1"), extension("b", "2")]), "a=1;b=2;");
    assert.equal(sharedKeyOf([extension("a", "1"), extension("b", null)]), null);
    assert.equal(sharedKeyOf([extension("a")]), null);
  });
});
