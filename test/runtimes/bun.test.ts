// The Node entry point, unchanged, on Bun (its node:net): our server answers
// a `ws` client; our client talks to Bun's native Bun.serve WebSocket server.

import { describe, it } from "node:test";
import { assertExchanged, assertServesWsClients, fixture, runtime, startPeer } from "./runtimes.js";

const bun = runtime("bun");
const PEER = fixture("bun-peer.js");

describe("websocket-sansio/node on Bun", { skip: bun.skip }, () => {
  const command = bun.skip === false ? bun.path : "bun";

  it("our Node-entry server on Bun answers ws clients, then shuts down gracefully", async () => {
    await assertServesWsClients(startPeer(command, [PEER, "serve"]), "hello bun");
  });

  it("our Node-entry client on Bun talks to Bun.serve's WebSocket server", async () => {
    assertExchanged(await startPeer(command, [PEER, "native"]).result);
  });
});
