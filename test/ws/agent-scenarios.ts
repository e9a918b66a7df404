// The scenario of agent.test.ts compared with real ws (see play.ts): a client
// whose `agent` is a proxy agent for a proxy that is not there.

import { HttpsProxyAgent } from "https-proxy-agent";
import { closed, record } from "./helpers.js";
import type { Scenario } from "./scenario.js";

export const scenarios: Record<string, Scenario> = {
  /** Params: `proxyPort` (nothing listens there), `targetPort` (a live server). */
  "proxy refused": (params) => ({
    async client(lib, _port, trace) {
      const agent = new HttpsProxyAgent(`http://127.0.0.1:${params["proxyPort"]}`);
      const ws = new lib.WebSocket(`ws://127.0.0.1:${params["targetPort"]}/echo`, { agent });
      record(ws, trace);
      await closed(ws);
    },
  }),
};
