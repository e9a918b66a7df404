import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultCompression, nodeDefer } from "../../src/node/defaults.js";
import { connect, serve } from "../../src/node/index.js";
import { echo, portOf } from "./helpers.js";

const T = { timeout: 10_000 };

// src/node/defaults.ts: what Node's server and client share.
describe("Node defaults", () => {
  test("nodeDefer is setImmediate: after microtasks, in order with other immediates", async () => {
    const order: string[] = [];
    setImmediate(() => order.push("setImmediate before"));
    const done = new Promise<void>((resolve) => nodeDefer(resolve));
    setImmediate(() => order.push("setImmediate after"));
    void done.then(() => order.push("nodeDefer"));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ["setImmediate before", "nodeDefer", "setImmediate after"]);
  });

  test("both sides negotiate permessage-deflate by default", T, async () => {
    assert.equal(defaultCompression.server.name, "permessage-deflate");
    const server = await serve(echo, { host: "127.0.0.1", port: 0 });
    const client = await connect(`ws://127.0.0.1:${portOf(server.address)}/`);
    assert.deepEqual(
      client.extensions.map((extension) => extension.name),
      ["permessage-deflate"],
    );
    await client.close();
    await server.close();
  });
});
