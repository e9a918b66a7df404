// What a run ended in, or that it did not end: for tests that compare traces
// (ours, Chromium's, undici's), where a throw or a hang is itself the trace.

/**
 * `run`'s value; `{ threw }` with the error's text if it rejects; `{ timedOut }`
 * if it has not settled within `ms`.
 */
export function bounded(run: Promise<unknown>, ms = 5000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    run.catch((error: Error) => ({ threw: String(error) })),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve({ timedOut: ms }), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
