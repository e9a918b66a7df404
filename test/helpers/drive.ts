import type { ProtocolEvent } from "../../src/core/events.js";
import type { Protocol } from "../../src/core/protocol.js";
import { concat, parseFrames, type WireFrame } from "./wire.js";

export interface Outcome {
  events: ProtocolEvent[];
  output: Uint8Array;
  frames: WireFrame[];
  closeTransport: boolean;
}

/** Feeds `chunks` (copied: the protocol takes ownership) and collects everything. */
export function feed(protocol: Protocol, ...chunks: Uint8Array[]): Outcome {
  const events: ProtocolEvent[] = [];
  const out: Uint8Array[] = [];
  let closeTransport = false;
  for (const chunk of chunks) {
    protocol.receiveData(chunk.slice());
    events.push(...protocol.takeEvents());
    const o = protocol.takeOutput();
    out.push(...o.chunks);
    closeTransport ||= o.closeTransport;
  }
  return outcome(events, concat(out), closeTransport);
}

/** Takes what a protocol has pending. */
export function drain(protocol: Protocol): Outcome {
  const events = protocol.takeEvents();
  const o = protocol.takeOutput();
  return outcome(events, concat(o.chunks), o.closeTransport);
}

/** `frames` is parsed on first use: handshake output is not frames. */
function outcome(events: ProtocolEvent[], output: Uint8Array, closeTransport: boolean): Outcome {
  let frames: WireFrame[] | undefined;
  return {
    events,
    output,
    closeTransport,
    get frames() {
      frames ??= parseFrames(output);
      return frames;
    },
  };
}

/** Every way of cutting `data` in two. */
export function* splits(data: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 1; i < data.length; i++) yield [data.subarray(0, i), data.subarray(i)];
}

/** Feeds `data` one byte at a time. */
export function bytewise(data: Uint8Array): Uint8Array[] {
  return Array.from(data, (_, i) => data.subarray(i, i + 1));
}
