// Protocol.sendPreparedAlone: the frame of a prepared message handed back to
// be written at once (the topics' end-of-turn delivery), only when it is
// exactly what sendPrepared then takeOutput would give.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Extension } from "../../src/core/extension.js";
import { Opcode } from "../../src/core/frame.js";
import { prepareMessage } from "../../src/core/prepared-message.js";
import { Protocol } from "../../src/core/protocol.js";
import { drain, feed } from "../helpers/drive.js";
import { clientFrame, text } from "../helpers/wire.js";

const plain: Extension = {
  name: "x-plain",
  rsvBits: 0,
  decode: (payload) => payload,
  encode: (payload) => ({ payload, rsv: 0 }),
};

describe("Protocol: a prepared message sent alone", () => {
  it("an idle open server hands back the shared frame and queues nothing", () => {
    const p = new Protocol("server");
    const message = prepareMessage("hello");
    assert.equal(p.sendPreparedAlone(message), message.serverFrame);
    assert.equal(p.hasOutput, false);
    // A message sent after it is framed as usual.
    p.sendText("next");
    assert.deepEqual(
      drain(p).frames.map((f) => [f.opcode, text(f.payload)]),
      [[Opcode.TEXT, "next"]],
    );
  });

  it("sends nothing when the frame would not leave alone, as it is", () => {
    const message = prepareMessage("hello");
    const refused = (p: Protocol, why: string) => {
      const before = p.bufferedBytes;
      assert.equal(p.sendPreparedAlone(message), undefined, why);
      assert.equal(p.bufferedBytes, before, `${why}: nothing queued`);
    };
    refused(new Protocol("client"), "a client masks its frames");
    refused(new Protocol("server", { extensions: [plain] }), "extensions encode payloads");

    const waiting = new Protocol("server");
    waiting.sendText("first");
    refused(waiting, "output is waiting");

    const fragments = new Protocol("server");
    fragments.sendText("frag", false);
    drain(fragments);
    assert.equal(fragments.sendingFragments, true);
    refused(fragments, "a fragmented message is open");
    fragments.sendContinuation("ment", true);
    assert.equal(fragments.sendingFragments, false);
    drain(fragments);
    assert.equal(fragments.sendPreparedAlone(message), message.serverFrame);

    const pong = new Protocol("server");
    pong.holdPongs = true;
    feed(pong, clientFrame({ opcode: Opcode.PING, payload: "p" }));
    assert.equal(pong.hasOutput, false);
    refused(pong, "a pong is held back");

    const closing = new Protocol("server");
    closing.sendClose(1000);
    drain(closing);
    refused(closing, "closing");
  });
});
