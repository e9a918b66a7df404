import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  joinStream,
  type MessageStream,
  ReceivedStream,
} from "../../src/connection/message-stream.js";
import { InvalidStateError } from "../../src/core/errors.js";

/** A stream whose owner records what left its buffer. */
function stream(type: "text" | "binary" = "binary") {
  const taken: number[] = [];
  const s = new ReceivedStream(type, { fragmentsTaken: (bytes) => taken.push(bytes) });
  return { s, taken };
}

const bytes = (...values: number[]) => new Uint8Array(values);

// src/connection/message-stream.ts: one stream's buffer, its reader and its end.
describe("ReceivedStream", () => {
  test("buffers fragments until read, and tells the owner what each read took", async () => {
    const { s, taken } = stream();
    assert.equal(s.add(bytes(1, 2), false), true, "buffered: it counts in the queue");
    assert.equal(s.add(bytes(3), true), true);
    assert.deepEqual(await s.next(), { value: bytes(1, 2), done: false });
    assert.deepEqual(await s.next(), { value: bytes(3), done: false });
    assert.deepEqual(await s.next(), { value: undefined, done: true });
    assert.deepEqual(taken, [2, 1]);
  });

  test("hands a fragment straight to a waiting read (not buffered, not counted)", async () => {
    const { s, taken } = stream("text");
    const read = s.next();
    assert.equal(s.add("hé", false), false);
    assert.deepEqual(await read, { value: "hé", done: false });
    const end = s.next();
    assert.equal(s.add("", true), false, "the empty last fragment only ends the stream");
    assert.deepEqual(await end, { value: undefined, done: true });
    assert.deepEqual(taken, []);
  });

  test("a second read while one waits rejects with InvalidStateError", async () => {
    const { s } = stream();
    const first = s.next();
    await assert.rejects(s.next(), InvalidStateError);
    s.add(bytes(9), true);
    assert.deepEqual(await first, { value: bytes(9), done: false });
  });

  test("after a failure: the buffer first, then the error, every time", async () => {
    const { s } = stream();
    s.add(bytes(1), false);
    const error = new Error("closed");
    s.fail(error);
    assert.deepEqual(await s.next(), { value: bytes(1), done: false });
    await assert.rejects(s.next(), error);
    await assert.rejects(s.next(), error);
    // A failure after the end changes nothing.
    const ended = stream().s;
    ended.add(bytes(2), true);
    ended.fail(error);
    assert.deepEqual(await ended.next(), { value: bytes(2), done: false });
    assert.deepEqual(await ended.next(), { value: undefined, done: true });
  });

  test("return() discards the buffer (told to the owner) and what comes after", async () => {
    const { s, taken } = stream();
    s.add(bytes(1, 1), false);
    s.add(bytes(2, 2, 2), false);
    const waiting = stream();
    const read = waiting.s.next();
    await waiting.s.return();
    assert.deepEqual(await read, { value: undefined, done: true }, "a waiting read ends");
    assert.deepEqual(await s.return(), { value: undefined, done: true });
    assert.deepEqual(taken, [5]);
    assert.equal(s.add(bytes(3), false), false, "dropped");
    assert.equal(s.add(bytes(4), true), false, "dropped");
    assert.deepEqual(await s.next(), { value: undefined, done: true });
  });

  test("of(): a message that arrived whole is one fragment (none when empty)", async () => {
    const text = ReceivedStream.of("whole") as MessageStream;
    assert.equal(text.type, "text");
    assert.deepEqual(await joinStream(text), "whole");
    const empty = ReceivedStream.of(new Uint8Array(0));
    assert.equal(empty.type, "binary");
    assert.deepEqual(await empty.next(), { value: undefined, done: true });
    assert.equal(empty.byteLength, 0, "as a queue item a stream counts no bytes");
  });

  test("joinStream joins text and bytes", async () => {
    const t = stream("text").s;
    t.add("a", false);
    t.add("b", true);
    assert.equal(await joinStream(t as MessageStream), "ab");
    const b = stream().s;
    b.add(bytes(1), false);
    b.add(bytes(2, 3), true);
    assert.deepEqual(await joinStream(b as MessageStream), bytes(1, 2, 3));
  });
});
