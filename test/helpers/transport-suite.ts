// The shared transport test suite: every Transport (in-memory, Node sockets,
// web streams on Node and on Deno) must pass it, on every runtime that can
// run it. It checks the contract of src/connection/transport.ts with raw
// bytes, no WebSocket: ordering, backpressure, half-close, errors, resets.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Transport, TransportHandler } from "../../src/connection/transport.js";

/** Two connected transports, not started, and how to release what made them. */
export interface TransportPair {
  readonly a: Transport;
  readonly b: Transport;
  cleanup(): Promise<void> | void;
}

/** What a transport under test can do (not every runtime offers every TCP feature). */
export interface TransportTraits {
  /**
   * Whether a side that received the peer's end can still write (TCP
   * half-open). Deno closes a connection whose readable reached its end, so
   * its side cannot; a WebSocket never needs to.
   */
  readonly halfOpen: boolean;
}

const DEADLINE_MS = 5000;

/** Records what a transport reports, with waits bounded in time. */
export class Recorder implements TransportHandler {
  readonly chunks: Uint8Array[] = [];
  readonly log: string[] = [];
  bytes = 0;
  errors: Error[] = [];
  closes = 0;
  #waiters: (() => void)[] = [];

  onData(chunk: Uint8Array): void {
    assert.ok(chunk instanceof Uint8Array, "onData gives Uint8Array");
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.log.at(-1) !== "data") this.log.push("data");
    this.#wake();
  }
  onEnd(): void {
    this.log.push("end");
    this.#wake();
  }
  onDrain(): void {
    this.log.push("drain");
    this.#wake();
  }
  onError(error: Error): void {
    assert.ok(error instanceof Error);
    this.errors.push(error);
    this.log.push("error");
    this.#wake();
  }
  onClose(): void {
    this.closes++;
    this.log.push("close");
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters.splice(0);
    for (const wake of waiters) wake();
  }

  /** Resolves when `condition` holds; rejects after the deadline. */
  until(condition: () => boolean, what: string, ms = DEADLINE_MS): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Timed out waiting for ${what}; log: ${this.log.join(",")}`)),
        ms,
      );
      const check = (): void => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  received(): Uint8Array {
    const all = new Uint8Array(this.bytes);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  }
}

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Registers the suite for one transport. */
export function transportSuite(
  name: string,
  makePair: () => Promise<TransportPair>,
  traits: TransportTraits,
): void {
  describe(`Transport contract: ${name}`, () => {
    async function withPair(body: (pair: TransportPair) => Promise<void>): Promise<void> {
      const pair = await makePair();
      try {
        await body(pair);
      } finally {
        pair.a.destroy();
        pair.b.destroy();
        await pair.cleanup();
      }
    }

    /** Starts both ends, each with a Recorder of what it hears. */
    function startRecording(a: Transport, b: Transport): [Recorder, Recorder] {
      const ra = new Recorder();
      const rb = new Recorder();
      a.start(ra);
      b.start(rb);
      return [ra, rb];
    }

    it("delivers the bytes of every write in order, a batch as one contiguous run", () =>
      withPair(async ({ a, b }) => {
        const [ra, rb] = startRecording(a, b);
        const sent: Uint8Array[] = [];
        for (let i = 0; i < 50; i++) {
          const batch = [pattern(1 + ((i * 97) % 700), i), pattern(i, i + 1), pattern(3, i + 2)];
          sent.push(...batch);
          a.write(batch);
          if (i % 10 === 0) await sleep(1);
        }
        const total = sent.reduce((n, c) => n + c.length, 0);
        await rb.until(() => rb.bytes >= total, `${total} bytes`);
        const expected = new Uint8Array(total);
        let at = 0;
        for (const chunk of sent) {
          expected.set(chunk, at);
          at += chunk.length;
        }
        assert.deepEqual(rb.received(), expected);
        assert.equal(ra.bytes, 0);
      }));

    it("delivers data that arrived before start()", () =>
      withPair(async ({ a, b }) => {
        a.start(new Recorder());
        a.write([pattern(100, 7)]);
        await sleep(20);
        const rb = new Recorder();
        b.start(rb);
        await rb.until(() => rb.bytes >= 100, "early bytes");
        assert.deepEqual(rb.received(), pattern(100, 7));
      }));

    it("backpressure: a paused peer stops the writer (no more drains), resuming lets it go on", () =>
      withPair(async ({ a, b }) => {
        const [ra, rb] = startRecording(a, b);
        b.pause();
        await sleep(5);
        const chunk = pattern(64 * 1024, 3);
        let written = 0;
        let stuck = false;
        // Write whenever the transport allows, as the connection layer does.
        // Kernel buffers on loopback absorb a few MiB; after that no drain
        // may come while the reader is paused. 64 MiB means no backpressure.
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (a.write([chunk])) continue;
          const drains = ra.log.filter((e) => e === "drain").length;
          try {
            await ra.until(() => ra.log.filter((e) => e === "drain").length > drains, "", 300);
          } catch {
            stuck = true;
            break;
          }
        }
        assert.ok(stuck, `the writer was never held back (${written} bytes written)`);
        assert.ok(a.bufferedAmount > 0, "bufferedAmount counts what is waiting");
        const deliveredWhilePaused = rb.bytes;
        await sleep(50);
        assert.equal(rb.bytes, deliveredWhilePaused, "no data while paused");
        b.resume();
        await ra.until(() => ra.log.at(-1) === "drain", "drain after resume");
        await rb.until(() => rb.bytes >= written, `${written} bytes after resume`, 20_000);
        assert.equal(rb.bytes, written);
        await sleep(20); // the last write's completion may trail its delivery
        assert.equal(a.bufferedAmount, 0);
        const all = rb.received();
        for (let at = 0; at < written; at += chunk.length) {
          assert.equal(all[at + 5], chunk[5]);
          assert.equal(all[at + chunk.length - 1], chunk[chunk.length - 1]);
        }
      }));

    it("half-close: end() flushes pending writes, the peer sees end, then both close once", () =>
      withPair(async ({ a, b }) => {
        const [ra, rb] = startRecording(a, b);
        const last = pattern(200_000, 9);
        a.write([last]);
        a.end();
        await rb.until(() => rb.log.includes("end"), "peer end");
        assert.equal(rb.bytes, last.length, "everything written before end() arrives first");
        assert.deepEqual(rb.received(), last);
        if (traits.halfOpen) {
          assert.equal(ra.closes, 0, "half-open: the side that ended still reads");
          b.write([pattern(1000, 2)]);
          await ra.until(() => ra.bytes >= 1000, "bytes after half-close");
          assert.deepEqual(ra.received(), pattern(1000, 2));
        }
        b.end();
        await ra.until(() => ra.closes === 1, "close of a");
        await rb.until(() => rb.closes === 1, "close of b");
        assert.ok(ra.log.includes("end"), "a saw b's end");
        assert.equal(ra.log.at(-1), "close");
        assert.equal(rb.log.at(-1), "close");
        assert.deepEqual([ra.errors, rb.errors], [[], []]);
        await sleep(20);
        assert.deepEqual([ra.closes, rb.closes], [1, 1], "onClose exactly once");
      }));

    it("abrupt reset: destroy() closes this side at once and the peer sees end or an error", () =>
      withPair(async ({ a, b }) => {
        const [ra, rb] = startRecording(a, b);
        a.write([pattern(1000, 4)]);
        await rb.until(() => rb.bytes >= 1000, "bytes before reset");
        b.write([pattern(100_000, 5)]); // unread data in flight
        a.destroy();
        a.destroy(); // idempotent
        await ra.until(() => ra.closes === 1, "close after destroy");
        assert.equal(a.write([pattern(10, 0)]), false, "no write after destroy()");
        await rb.until(
          () => rb.log.includes("end") || rb.log.includes("error") || rb.closes > 0,
          "peer sees the reset",
        );
        b.destroy();
        await rb.until(() => rb.closes === 1, "peer close");
        await sleep(20);
        assert.deepEqual([ra.closes, rb.closes], [1, 1], "onClose exactly once");
        assert.ok(!ra.log.slice(ra.log.indexOf("close") + 1).length, "nothing after onClose");
      }));

    it("destroy() while paused still calls onClose once", () =>
      withPair(async ({ a, b }) => {
        const ra = new Recorder();
        a.start(ra);
        b.start(new Recorder());
        b.write([pattern(1000, 6)]);
        a.pause();
        await sleep(20);
        a.destroy();
        await ra.until(() => ra.closes === 1, "close of a paused transport");
        await sleep(20);
        assert.equal(ra.closes, 1);
        assert.equal(ra.bytes, 0, "nothing delivered while paused");
      }));
  });
}
