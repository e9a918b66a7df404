// Options and sends of ws 8 beyond the README, each run with real ws and with
// the facade, and compared: `autoPong: false` (client and server), Blob sends
// (ws 8.18) in call order, redirects (`followRedirects`, `maxRedirects`, the
// `redirect` event), `send(data, { compress: false })`,
// `allowSynchronousEvents: false`, `createConnection`. The scenarios are in
// options-scenarios.ts; real ws plays its sides in a Node child (play.ts),
// the facade plays its own here, on whatever runtime runs the tests.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { closeRealWs, type Params, play, type Side } from "./play.js";

const T = { timeout: 10_000 };

after(closeRealWs);

/** Plays `name` with the facade on `ours` (real ws on the other side), then with ws on both. */
async function both(name: string, params: Params, ours: { server: Side; client: Side }) {
  return {
    ours: await play("options", name, params, ours),
    ws: await play("options", name, params, { server: "ws", client: "ws" }),
  };
}

describe("ws facade: autoPong", () => {
  for (const on of ["client", "server"] as const) {
    for (const autoPong of [null, false] as const) {
      test(`${on} with autoPong ${autoPong ?? "not set"}: the same as ws`, T, async () => {
        // The facade on the side with autoPong, pinged by real ws.
        const runs = await both(
          "autoPong",
          { on, autoPong },
          on === "server" ? { server: "facade", client: "ws" } : { server: "ws", client: "facade" },
        );
        // What the side pinged saw, then what the pinger saw.
        const [ours, ws] = [runs.ours, runs.ws].map(({ server, client }) =>
          on === "client" ? [...client, ...server] : [...server, ...client],
        );
        assert.deepEqual(ours, ws);
        assert.deepEqual(
          ours,
          autoPong === false ? ["ping hi", "pong mine"] : ["ping hi", "pong hi"],
        );
      });
    }
  }
});

describe("ws facade: autoPong: false and a ping in the same read as the 101", () => {
  test("the ping is left to the application, as ws does", {
    ...T,
  }, async () => {
    // Both clients against one server on bare node:net, here.
    const ours = await play(
      "options",
      "ping with the 101",
      {},
      { server: "facade", client: "facade" },
    );
    const ws = await play("options", "ping with the 101", {}, { server: "facade", client: "ws" });
    assert.deepEqual(ws, { server: ["server got opcode 0x8"], client: ["ping hi", "close 1005"] });
    assert.deepEqual(ours, ws);
  });
});

describe("ws facade: autoPong: false and a ping in the same read as the request", () => {
  test("the server emits the ping after connection and sends no pong, as ws does", T, async () => {
    // The client is bare node:net either way (played here).
    const ours = await play(
      "options",
      "ping with the request",
      {},
      { server: "facade", client: "facade" },
    );
    const ws = await play(
      "options",
      "ping with the request",
      {},
      { server: "ws", client: "facade" },
    );
    assert.deepEqual(ws, { server: ["ping hi"], client: ["client got opcode 0x8"] });
    assert.deepEqual(ours, ws);
  });
});

describe("ws facade: Blob sends", () => {
  test("are read and sent in call order, as ws 8.18 does", T, async () => {
    // Our client, a real ws server.
    const runs = await both("blobs", {}, { server: "ws", client: "facade" });
    const [ours, ws] = [runs.ours, runs.ws].map(({ server, client }) => [...server, ...client]);
    assert.deepEqual(ours, ws);
    assert.deepEqual(ours!.slice(0, 6), [
      "binary blob one",
      "text text two",
      "binary 33",
      "text blob as text",
      "binary bytes five",
      "server: all 5",
    ]);
  });
});

describe("ws facade: redirects", () => {
  const cases: [string, number, Record<string, unknown>, boolean, string[]][] = [
    [
      "followed, with a redirect listener that adds a header",
      2,
      { followRedirects: true },
      true,
      [
        "redirect /hop/1",
        "redirect /hop/0",
        "open /hop/0",
        "close 1000",
        "accepted /hop/0 authorization=Bearer secret x-added=yes",
      ],
    ],
    [
      "followed, without a listener",
      1,
      { followRedirects: true },
      false,
      [
        "open /hop/0",
        "close 1000",
        "accepted /hop/0 authorization=Bearer secret x-added=undefined",
      ],
    ],
    [
      "not followed by default",
      1,
      {},
      false,
      ["error Unexpected server response: 302", "close 1006"],
    ],
    [
      "past maxRedirects",
      3,
      { followRedirects: true, maxRedirects: 2 },
      true,
      ["redirect /hop/2", "redirect /hop/1", "error Maximum redirects exceeded", "close 1006"],
    ],
  ];
  for (const [name, hops, options, listen, expected] of cases) {
    test(`${name}: the same as ws`, T, async () => {
      // Our client; the redirecting server is Node's http with real ws.
      const runs = await both(
        "redirects",
        { hops, options, listen },
        { server: "ws", client: "facade" },
      );
      const [ours, ws] = [runs.ours, runs.ws].map(({ server, client }) => [...client, ...server]);
      assert.deepEqual(ours, ws);
      assert.deepEqual(ours, expected);
    });
  }
});

describe("ws facade: send(data, { compress })", () => {
  test("compress: false sends a message uncompressed, as ws does", T, async () => {
    // Our client; the real ws server (on Node) counts the bytes it read for each message.
    const runs = await both("compress", {}, { server: "ws", client: "facade" });
    assert.deepEqual(runs.ours.client, runs.ws.client);
    assert.deepEqual(runs.ours.client, [
      "extensions permessage-deflate",
      "default: 2600 bytes, compressed",
      "compress false: 2600 bytes, as is",
      "binary, compress false: 2600 bytes, as is",
      "fragments, the first with compress false: 5200 bytes, as is",
      "compress true: 2600 bytes, compressed",
    ]);
  });
});

describe("ws facade: allowSynchronousEvents", () => {
  for (const allow of [null, false] as const) {
    test(`${allow ?? "not set"}: the same events and microtasks as ws`, T, async () => {
      // Both clients against our server, which writes what it sends in one turn in one write.
      const params = { allowSynchronousEvents: allow };
      const ours = await play("options", "events", params, { server: "facade", client: "facade" });
      const ws = await play("options", "events", params, { server: "facade", client: "ws" });
      assert.deepEqual(ours.client, ws.client);
      assert.deepEqual(
        ours.client,
        allow === false
          ? [
              "message one",
              "microtask after one",
              "ping p",
              "microtask after p",
              "message two",
              "microtask after two",
              "close 1000",
            ]
          : [
              "message one",
              "ping p",
              "message two",
              "microtask after one",
              "microtask after p",
              "microtask after two",
              "close 1000",
            ],
      );
    });
  }
});

describe("ws facade: createConnection", () => {
  test("makes the socket the client talks over, as in ws", T, async () => {
    // Our client, a real ws echo server.
    const runs = await both("createConnection", {}, { server: "ws", client: "facade" });
    assert.deepEqual(runs.ours.client, runs.ws.client);
    assert.deepEqual(runs.ours.client, [
      "createConnection 127.0.0.1 string",
      "echo through my socket",
      "close 1005",
    ]);
  });
});
