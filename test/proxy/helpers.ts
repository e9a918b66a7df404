// Drives a proxy client machine as a socket loop would, with the proxy's
// bytes split wherever a test says.

import assert from "node:assert/strict";
import type { ProxyError } from "../../src/proxy/errors.js";
import type { TunnelClient } from "../../src/proxy/tunnel-client.js";

export const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const text = (bytes: Uint8Array): string => String.fromCharCode(...bytes);
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

export function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

/** What a run of a machine came to. */
export interface Outcome {
  /** Everything the machine wrote, in order. */
  readonly written: Uint8Array;
  readonly state: string;
  /** For `established`: the bytes after the reply, the event's `rest` and every later piece. */
  readonly rest?: Uint8Array;
  readonly error?: ProxyError;
}

/**
 * Feeds `input` in `pieces` (the lengths of all pieces but the last), then
 * EOF when `eof`; after the tunnel is established, later pieces are the
 * target's and are added to `rest` instead (as an I/O loop hands them on).
 */
export function drive(
  client: TunnelClient,
  input: Uint8Array,
  cuts: readonly number[] = [],
  eof = false,
): Outcome {
  const written: number[] = [];
  const take = (): void => {
    for (const chunk of client.takeOutput()) written.push(...chunk);
  };
  take();
  let rest: number[] | undefined;
  let error: ProxyError | undefined;
  const points = [0, ...cuts, input.length];
  for (let i = 0; i + 1 < points.length; i++) {
    // A copy, as a socket would give: the machine must not rely on the caller's buffer.
    const piece = input.slice(points[i], points[i + 1]);
    if (rest !== undefined) {
      rest.push(...piece);
      continue;
    }
    client.receiveData(piece);
    take();
    for (const event of client.takeEvents()) {
      assert.equal(rest ?? error, undefined, "one event only");
      if (event.type === "established") rest = [...event.rest];
      else error = event.error;
    }
  }
  if (eof && rest === undefined) {
    client.receiveEof();
    take();
    for (const event of client.takeEvents()) {
      assert.equal(event.type, "failed");
      error ??= event.type === "failed" ? event.error : undefined;
    }
  }
  return {
    written: Uint8Array.from(written),
    state: client.state,
    ...(rest === undefined ? {} : { rest: Uint8Array.from(rest) }),
    ...(error === undefined ? {} : { error }),
  };
}

/**
 * Runs `make()` on `input` whole, cut at every position, and byte by byte,
 * and checks that every run comes to the same outcome; returns it.
 */
export function driveSplits(make: () => TunnelClient, input: Uint8Array, eof = false): Outcome {
  const whole = drive(make(), input, [], eof);
  const runs: Outcome[] = [drive(make(), input, Array.from(input.keys()).slice(1), eof)];
  for (let cut = 1; cut < input.length; cut++) runs.push(drive(make(), input, [cut], eof));
  for (const run of runs) {
    assert.equal(hex(run.written), hex(whole.written));
    assert.equal(run.state, whole.state);
    assert.equal(run.rest && hex(run.rest), whole.rest && hex(whole.rest));
    assert.equal(run.error?.message, whole.error?.message);
  }
  return whole;
}
