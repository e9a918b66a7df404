// The traces the WHATWG scenario tests compare (websocket.test.ts,
// websocket-stream.test.ts): every scenario run by each of our runners and
// in Chromium, all against one peer (peer.ts).

import { after, before } from "node:test";
import { chromiumSkip, tracesInChromium } from "../runtimes/browser.js";
import { type Peer, startPeer } from "./peer.js";

/** Runs one scenario against the peer at `base`; resolves to its trace. */
export type ScenarioRunner<Name extends string> = (name: Name, base: string) => Promise<unknown>;

/**
 * The traces of `names` by runner: each of `runners` (left out where
 * undefined: a reference this runtime cannot run) and `chromium` (the page
 * script `chromiumSource(name, base)`, see tracesInChromium), made against
 * one peer before the tests of the enclosing `describe`, the peer closed after
 * them. `noChromium` is the skip reason where Chromium is missing (its traces
 * are then empty).
 */
export function scenarioTraces<Name extends string, Runner extends string>(
  names: readonly Name[],
  runners: Record<Runner, ScenarioRunner<Name> | undefined>,
  chromiumSource: (name: Name, base: string) => string,
): { traces: Record<Runner | "chromium", Map<Name, unknown>>; noChromium: string | false } {
  const noChromium = chromiumSkip();
  const traces = { chromium: new Map<Name, unknown>() } as Record<
    Runner | "chromium",
    Map<Name, unknown>
  >;
  for (const runner of Object.keys(runners) as Runner[]) traces[runner] = new Map();
  let peer: Peer | undefined;
  before(async () => {
    const { base } = (peer = await startPeer());
    for (const name of names) {
      for (const [runner, run] of Object.entries(runners) as [Runner, ScenarioRunner<Name>][]) {
        if (run !== undefined) traces[runner].set(name, await run(name, base));
      }
    }
    if (noChromium !== false) return;
    traces.chromium = await tracesInChromium(names, (name) => chromiumSource(name, base));
  });
  after(() => peer?.close());
  return { traces, noChromium };
}
