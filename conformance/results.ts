/**
 * The result record of one case, shared by both modes, the handshake cases and the report.
 */
import type { CloseVerdict, Verdict } from "./verdict.js";

/** One case's result, as written to the report (Autobahn's index.json fields plus reasons). */
export interface CaseResult {
  readonly id: string;
  readonly description: string;
  readonly behavior: Verdict;
  readonly behaviorClose: CloseVerdict;
  readonly result: string;
  readonly resultClose: string;
  readonly durationMs: number;
  readonly remoteCloseCode: number | null;
  /** Echo-loop messages sent, when the fast profile sent fewer than the catalogue's 1000. */
  readonly loopCount?: number;
}

/** A result for a case that could not run at all (handshake refused, connection failed). */
export function failedResult(id: string, description: string, reason: string): CaseResult {
  return {
    id,
    description,
    behavior: "FAILED",
    behaviorClose: "FAILED",
    result: reason,
    resultClose: reason,
    durationMs: 0,
    remoteCloseCode: null,
  };
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the input order. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
