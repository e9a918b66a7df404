/**
 * Counts a transport's pause() and resume() calls, which still take effect:
 * the incoming queue's and the message stream's backpressure tests assert how
 * often the reader was stopped and started.
 *
 * @module
 */

import type { createTransportPair } from "../../src/testing/index.js";

export function countPauses(transport: ReturnType<typeof createTransportPair>[number]): {
  pauses: number;
  resumes: number;
} {
  const calls = { pauses: 0, resumes: 0 };
  const pause = transport.pause.bind(transport);
  const resume = transport.resume.bind(transport);
  transport.pause = () => {
    calls.pauses++;
    pause();
  };
  transport.resume = () => {
    calls.resumes++;
    resume();
  };
  return calls;
}
