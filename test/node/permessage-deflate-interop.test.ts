/**
 * Interop with ws's PerMessageDeflate at the extension level (no sockets):
 * ws's offer answered by our server factory and ws checking our answer, our
 * offer answered by ws's server and our client checking its answer, then
 * messages compressed by one side and decompressed by the other. The socket
 * level interop (ws, Python websockets, Chromium) needs the Node layer.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Extension, ExtensionParam } from "../../src/core/extension.js";
import { permessageDeflate } from "../../src/node/permessage-deflate.js";
import { type WsDeflate, WsPerMessageDeflate } from "../helpers/ws-deflate.js";

const RSV1 = 0x40;

/** ws's parameter object (values true or numbers) as our parameter list. */
function fromWs(params: Record<string, unknown>): ExtensionParam[] {
  return Object.entries(params).map(([name, value]) => [
    name,
    value === true ? null : String(value),
  ]);
}
/** Our parameter list as ws's parsed form (each value in an array, bare names true). */
function toWs(params: readonly ExtensionParam[]): Record<string, unknown[]> {
  return Object.fromEntries(params.map(([name, value]) => [name, [value ?? true]]));
}

const call = (fn: (cb: (e: Error | null, out?: Buffer) => void) => void) =>
  new Promise<Buffer>((resolve, reject) => fn((e, out) => (e ? reject(e) : resolve(out!))));

function messages(): Buffer[] {
  const json = JSON.stringify({
    type: "update",
    items: Array.from({ length: 40 }, (_, i) => ({ i, v: `value ${i}` })),
  });
  return [
    Buffer.from(json),
    Buffer.from(json),
    Buffer.from("x".repeat(100_000)),
    Buffer.alloc(0),
    Buffer.from("Hello"),
  ];
}

/** Our side sends to ws and ws sends to us, several messages each way. */
async function exchange(ours: Extension, ws: WsDeflate): Promise<void> {
  for (const message of messages()) {
    const { payload, rsv } = ours.encode(message, true, true);
    const inflated =
      rsv === RSV1
        ? await call((cb) => ws.decompress(Buffer.from(payload), true, cb))
        : Buffer.from(payload);
    assert.deepEqual(inflated, message);
    const compressed = await call((cb) => ws.compress(message, true, cb));
    assert.deepEqual(Buffer.from(ours.decode(compressed, RSV1, true, true, 1 << 20)), message);
  }
}

const paramSets: [string, Record<string, unknown>, Parameters<typeof permessageDeflate>[0]][] = [
  ["defaults", {}, {}],
  [
    "ws asks for no context takeover",
    { serverNoContextTakeover: true, clientNoContextTakeover: true },
    {},
  ],
  [
    "we ask for no context takeover",
    {},
    { serverNoContextTakeover: true, clientNoContextTakeover: true },
  ],
  [
    "small windows",
    { serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
    { serverMaxWindowBits: 11, clientMaxWindowBits: 8 },
  ],
  [
    "8-bit windows",
    { serverMaxWindowBits: 8, clientMaxWindowBits: 8 },
    { serverMaxWindowBits: 8, clientMaxWindowBits: 8 },
  ],
  [
    "15-bit windows",
    { serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
    { serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
  ],
];

describe("permessage-deflate interop with ws's PerMessageDeflate", () => {
  for (const [name, wsOptions, ourOptions] of paramSets) {
    it(`ws client, our server: ${name}`, async () => {
      const wsClient = new WsPerMessageDeflate({ ...wsOptions, threshold: 0 });
      const answer = permessageDeflate({ ...ourOptions, thresholdBytes: 0 }).server.negotiate(
        fromWs(wsClient.offer()),
        [],
      );
      assert.ok(answer, "our server accepts ws's offer");
      wsClient.accept([toWs(answer.params)]); // throws if ws finds our answer invalid
      await exchange(answer.extension, wsClient);
      wsClient.cleanup();
    });

    it(`our client, ws server: ${name}`, async () => {
      const client = permessageDeflate({ ...ourOptions, thresholdBytes: 0 }).client;
      const wsServer = new WsPerMessageDeflate({ ...wsOptions, threshold: 0, isServer: true });
      let response: Record<string, unknown>;
      try {
        response = wsServer.accept([toWs(client.offer())]);
      } catch (error) {
        // ws declines offers it cannot match its own settings to; nothing to test then.
        assert.match((error as Error).message, /None of the extension offers can be accepted/);
        return;
      }
      const extension = client.accept(fromWs(response), []);
      await exchange(extension, wsServer);
      wsServer.cleanup();
    });
  }
});
