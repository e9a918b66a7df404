// The same scenarios (trace-scenarios.ts) run on real ws (server and client,
// in a Node child: see play.ts) and on the facade (server and client, in this
// process, on whatever runtime runs the tests); the traces of events, in
// order, with their arguments and the readyState at each, must be the same.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { closeRealWs, play } from "./play.js";
import type { Traces } from "./scenario.js";

const T = { timeout: 10_000 };

after(closeRealWs);

/**
 * Plays scenario `name` on ws, then on the facade, and compares the traces;
 * `normalize` maps trace lines that may differ (a close reason that says more
 * than ws's empty one). Returns the facade's.
 */
async function compare(
  name: string,
  normalize: (line: string) => string = (line) => line,
): Promise<Traces> {
  const runs = [
    await play("trace", name, {}, { server: "ws", client: "ws" }),
    await play("trace", name, {}, { server: "facade", client: "facade" }),
  ].map((r) => ({ server: r.server.map(normalize), client: r.client.map(normalize) }));
  const [expected, actual] = runs as [Traces, Traces];
  assert.deepEqual(actual, expected);
  return actual;
}

describe("ws facade: the same traces as ws", () => {
  test("echo of text and binary, then the client closes with a reason", T, async () => {
    const { server, client } = await compare("echo");
    assert.ok(server.includes('close 4000 "done" [3]'), server.join("\n"));
    assert.equal(client.at(-1), 'close 4000 "done" [3]'); // the reason echoed, as ws does
  });

  test("the server closes without a code: 1005", T, async () => {
    const { client } = await compare("server closes without a code");
    assert.equal(client.at(-1), 'close 1005 "" [3]');
  });

  test("pings and pongs with payloads, both ways", T, async () => {
    await compare("pings both ways");
  });

  test("the server terminates: 1006 on the client", T, async () => {
    const { client } = await compare("server terminates");
    assert.equal(client.at(-1), 'close 1006 "" [3]');
  });

  test(
    "a message over maxPayload: RangeError WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, 1009",
    T,
    async () => {
      const { server } = await compare(
        "over maxPayload",
        // ws sends 1009 with no reason; the core says which limit.
        (line) => line.replace(/^close 1009 ".*"/, 'close 1009 ""'),
      );
      assert.ok(
        server.some((line) =>
          line.includes("RangeError(WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: Max payload size exceeded)"),
        ),
        server.join("\n"),
      );
    },
  );

  test("a message sent in fragments (fin: false) arrives whole", T, async () => {
    const { client } = await compare("fragments");
    assert.equal(client.at(-1), 'close 1000 "fragmented" [3]');
  });

  test("subprotocol chosen by handleProtocols", T, async () => {
    const { server } = await compare("handleProtocols");
    assert.equal(server[0], "connection /path?q=1 protocol=b [1]");
  });

  test("verifyClient refuses: error then close 1006 on the client", T, async () => {
    await compare("verifyClient refuses");
  });

  test("close() while connecting: error then close 1006", T, async () => {
    await compare("close while connecting");
  });

  test("argument errors: the same exceptions", T, async () => {
    const { client, server } = await compare("argument errors");
    assert.ok(client.length >= 7 && server.length > 0, [...client, ...server].join("\n"));
  });

  test("constructor errors: the same exceptions", T, async () => {
    const { client } = await compare("constructor errors");
    assert.equal(client.length, 6);
    assert.ok(!client.includes("ok"), client.join("\n"));
  });
});
