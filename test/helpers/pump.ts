// Two sans-I/O protocols wired back to back, as two ends of one transport.
import type { ProtocolEvent } from "../../src/core/events.js";
import type { Protocol } from "../../src/core/protocol.js";

/**
 * Moves bytes both ways between `a` and `b` until both are quiet, and returns
 * each side's events, `a`'s first. A side that asks to close the transport
 * makes both ends see EOF, as a closed socket would. `react`, when given, sees
 * each event as it is taken (to answer a request, say) and may produce more
 * output, which is moved in turn.
 */
export function pump(
  a: Protocol,
  b: Protocol,
  react?: (protocol: Protocol, event: ProtocolEvent) => void,
): [ProtocolEvent[], ProtocolEvent[]] {
  const events: [ProtocolEvent[], ProtocolEvent[]] = [[], []];
  const sides = [a, b] as const;
  for (let moved = true; moved; ) {
    moved = false;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const out = from.takeOutput();
      for (const chunk of out.chunks) {
        to.receiveData(chunk.slice());
        moved = true;
      }
      if (out.closeTransport) {
        for (const end of [to, from]) if (end.state !== "closed") end.receiveEof();
        moved = true;
      }
    }
    for (const [i, side] of sides.entries()) {
      for (const event of side.takeEvents()) {
        events[i]!.push(event);
        react?.(side, event);
      }
    }
  }
  return events;
}
