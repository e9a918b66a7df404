// The same scenarios run on real ws (server and client) and on the facade
// (server and client); the traces of events, in order, with their arguments
// and the readyState at each, must be the same. (Bun replaces the ws package
// with its own, so this file runs on Node only.)

import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import * as realWs from "ws";
import * as facade from "../../src/ws/index.js";
import { record } from "./helpers.js";

const T = { timeout: 10_000 };

// biome-ignore lint/suspicious/noExplicitAny: the two implementations are driven by the same untyped code
type Any = any;

interface Impl {
  readonly name: string;
  readonly WebSocket: Any;
  readonly WebSocketServer: Any;
}

const IMPLS: readonly Impl[] = [
  { name: "ws", WebSocket: realWs.WebSocket, WebSocketServer: realWs.WebSocketServer },
  { name: "facade", WebSocket: facade.WebSocket, WebSocketServer: facade.WebSocketServer },
];

interface Run {
  readonly server: string[];
  readonly client: string[];
}

/**
 * Starts a server of `impl` with `options`, connects a client of `impl`, runs
 * `script`, and returns both traces once both sides have closed.
 */
async function run(
  impl: Impl,
  options: Record<string, unknown>,
  clientOptions: { protocols?: string[] },
  onServer: (ws: Any) => void,
  onClient: (ws: Any) => void,
): Promise<Run> {
  const server: string[] = [];
  const client: string[] = [];
  const wss = new impl.WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
  await once(wss, "listening");
  const serverClosed = new Promise<void>((resolve) => {
    wss.on("connection", (ws: Any, req: Any) => {
      server.push(`connection ${req.url} protocol=${ws.protocol} [${ws.readyState}]`);
      record(ws, server);
      ws.on("close", () => resolve());
      onServer(ws);
    });
  });
  const port = (wss.address() as AddressInfo).port;
  const ws = new impl.WebSocket(
    `ws://127.0.0.1:${port}/path?q=1`,
    clientOptions.protocols,
    clientOptions,
  );
  record(ws, client);
  onClient(ws);
  await new Promise((resolve) => ws.on("close", resolve));
  if (server.length > 0) await serverClosed;
  await new Promise((resolve) => wss.close(resolve));
  return { server, client };
}

/**
 * Runs the scenario on both; `normalize` maps trace lines that may differ
 * (a close reason that says more than ws's empty one).
 */
async function compare(
  options: Record<string, unknown>,
  clientOptions: { protocols?: string[] },
  onServer: (ws: Any) => void,
  onClient: (ws: Any) => void,
  normalize: (line: string) => string = (line) => line,
): Promise<Run> {
  const runs = [
    await run(IMPLS[0]!, options, clientOptions, onServer, onClient),
    await run(IMPLS[1]!, options, clientOptions, onServer, onClient),
  ].map((r) => ({ server: r.server.map(normalize), client: r.client.map(normalize) }));
  const [expected, actual] = runs as [Run, Run];
  assert.deepEqual(actual, expected);
  return actual;
}

describe("ws facade: the same traces as ws", () => {
  test("echo of text and binary, then the client closes with a reason", T, async () => {
    const { server, client } = await compare(
      {},
      {},
      (ws) =>
        ws.on("message", (data: Any, isBinary: boolean) => ws.send(data, { binary: isBinary })),
      (ws) => {
        let n = 0;
        ws.on("open", () => {
          ws.send("hello");
          ws.send(Buffer.from([1, 2, 3]));
          ws.send("as binary", { binary: true });
        });
        ws.on("message", () => {
          if (++n === 3) ws.close(4000, "done");
        });
      },
    );
    assert.ok(server.includes('close 4000 "done" [3]'), server.join("\n"));
    assert.equal(client.at(-1), 'close 4000 "done" [3]'); // the reason echoed, as ws does
  });

  test("the server closes without a code: 1005", T, async () => {
    await compare(
      {},
      {},
      (ws) => ws.close(),
      () => {},
    );
  });

  test("pings and pongs with payloads, both ways", T, async () => {
    await compare(
      {},
      {},
      (ws) => {
        ws.on("ping", () => ws.ping("from server"));
        ws.on("pong", () => ws.close(1000));
      },
      (ws) => ws.on("open", () => ws.ping(Buffer.from("from client"))),
    );
  });

  test("the server terminates: 1006 on the client", T, async () => {
    await compare(
      {},
      {},
      (ws) => ws.on("message", () => ws.terminate()),
      (ws) => ws.on("open", () => ws.send("bye")),
    );
  });

  test(
    "a message over maxPayload: RangeError WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, 1009",
    T,
    async () => {
      const { server } = await compare(
        { maxPayload: 10 },
        {},
        () => {},
        (ws) => ws.on("open", () => ws.send("more than ten bytes")),
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
    await compare(
      {},
      {},
      (ws) => ws.on("message", (data: Any) => ws.close(1000, String(data))),
      (ws) =>
        ws.on("open", () => {
          ws.send("frag", { fin: false });
          ws.send("men", { fin: false });
          ws.send("ted", { fin: true });
        }),
    );
  });

  test("subprotocol chosen by handleProtocols", T, async () => {
    await compare(
      { handleProtocols: (protocols: Set<string>) => (protocols.has("b") ? "b" : false) },
      { protocols: ["a", "b"] },
      (ws) => ws.close(1000, ws.protocol),
      () => {},
    );
  });

  test("verifyClient refuses: error then close 1006 on the client", T, async () => {
    await compare(
      { verifyClient: () => false },
      {},
      () => {},
      () => {},
    );
  });

  test("close() while connecting: error then close 1006", T, async () => {
    await compare(
      {},
      {},
      () => {},
      (ws) => ws.close(),
    );
  });

  test("argument errors: the same exceptions", T, async () => {
    const errors: string[][] = [];
    for (const impl of IMPLS) {
      const seen: string[] = [];
      const { server } = await run(
        impl,
        {},
        {},
        () => {},
        (ws) => {
          const attempt = (action: () => void): void => {
            try {
              action();
              seen.push("ok");
            } catch (error) {
              seen.push(`${(error as Error).constructor.name}: ${(error as Error).message}`);
            }
          };
          attempt(() => ws.send("too early"));
          attempt(() => ws.ping());
          ws.on("open", () => {
            attempt(() => ws.close(1005));
            attempt(() => ws.close(1000, "x".repeat(124)));
            attempt(() => ws.ping(Buffer.alloc(126)));
            attempt(() => ws.close(1000));
            // Counted in bufferedAmount (ours also counts the close frame not yet written).
            const before = ws.bufferedAmount;
            ws.send("after close", (error: Error) => seen.push(`cb: ${error.message}`));
            seen.push(`bufferedAmount +${ws.bufferedAmount - before}`);
          });
        },
      );
      errors.push([...seen, ...server]);
    }
    assert.deepEqual(errors[1], errors[0]);
  });

  test("constructor errors: the same exceptions", () => {
    const errors: string[][] = [];
    for (const impl of IMPLS) {
      const seen: string[] = [];
      for (const [url, protocols] of [
        ["not a url", undefined],
        ["ftp://example.com/", undefined],
        ["ws://example.com/#fragment", undefined],
        ["ws://127.0.0.1:1/", ["a", "a"]],
        ["ws://127.0.0.1:1/", ["bad protocol"]],
      ] as const) {
        try {
          new impl.WebSocket(url, protocols);
          seen.push("ok");
        } catch (error) {
          seen.push(`${(error as Error).constructor.name}: ${(error as Error).message}`);
        }
      }
      try {
        new impl.WebSocketServer({});
      } catch (error) {
        seen.push(`${(error as Error).constructor.name}: ${(error as Error).message}`);
      }
      errors.push(seen);
    }
    assert.deepEqual(errors[1], errors[0]);
  });
});
