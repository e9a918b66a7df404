// The scenarios of trace.test.ts, played by real ws (in a Node child) and by
// the facade (see play.ts): a server and a client of one implementation, each
// recording its events, in order, with their arguments and the readyState at each.

import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { closeServer, record } from "./helpers.js";
import type { Any, Roles, Scenario } from "./scenario.js";

/**
 * A server with `options` whose connections run `onServer`, and a client
 * with `clientOptions` (and `protocols`) that runs `onClient`; the server
 * side stops once its connections have closed.
 */
function pair(
  options: Record<string, unknown>,
  clientOptions: { protocols?: string[] },
  onServer: (ws: Any) => void,
  onClient: (ws: Any) => void,
): Roles {
  return {
    async server(lib, trace) {
      const wss = new lib.WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
      await once(wss, "listening");
      const closed: Promise<unknown>[] = [];
      wss.on("connection", (ws: Any, req: Any) => {
        trace.push(`connection ${req.url} protocol=${ws.protocol} [${ws.readyState}]`);
        record(ws, trace);
        closed.push(new Promise((resolve) => ws.on("close", resolve)));
        onServer(ws);
      });
      return {
        port: (wss.address() as AddressInfo).port,
        async stop() {
          await Promise.all(closed);
          await closeServer(wss);
        },
      };
    },
    async client(lib, port, trace) {
      const ws = new lib.WebSocket(
        `ws://127.0.0.1:${port}/path?q=1`,
        clientOptions.protocols,
        clientOptions,
      );
      record(ws, trace);
      onClient(ws);
      await new Promise((resolve) => ws.on("close", resolve));
    },
  };
}

/** `action`'s outcome: `ok`, or the class and message of what it threw. */
function attempt(trace: string[], action: () => void): void {
  try {
    action();
    trace.push("ok");
  } catch (error) {
    trace.push(`${(error as Error).constructor.name}: ${(error as Error).message}`);
  }
}

const echoServer = pair(
  {},
  {},
  () => {},
  () => {},
);

export const scenarios: Record<string, Scenario> = {
  echo: () =>
    pair(
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
    ),

  "server closes without a code": () =>
    pair(
      {},
      {},
      (ws) => ws.close(),
      () => {},
    ),

  "pings both ways": () =>
    pair(
      {},
      {},
      (ws) => {
        ws.on("ping", () => ws.ping("from server"));
        ws.on("pong", () => ws.close(1000));
      },
      (ws) => ws.on("open", () => ws.ping(Buffer.from("from client"))),
    ),

  "server terminates": () =>
    pair(
      {},
      {},
      (ws) => ws.on("message", () => ws.terminate()),
      (ws) => ws.on("open", () => ws.send("bye")),
    ),

  "over maxPayload": () =>
    pair(
      { maxPayload: 10 },
      {},
      () => {},
      (ws) => ws.on("open", () => ws.send("more than ten bytes")),
    ),

  fragments: () =>
    pair(
      {},
      {},
      (ws) => ws.on("message", (data: Any) => ws.close(1000, String(data))),
      (ws) =>
        ws.on("open", () => {
          ws.send("frag", { fin: false });
          ws.send("men", { fin: false });
          ws.send("ted", { fin: true });
        }),
    ),

  handleProtocols: () =>
    pair(
      { handleProtocols: (protocols: Set<string>) => (protocols.has("b") ? "b" : false) },
      { protocols: ["a", "b"] },
      (ws) => ws.close(1000, ws.protocol),
      () => {},
    ),

  "verifyClient refuses": () =>
    pair(
      { verifyClient: () => false },
      {},
      () => {},
      () => {},
    ),

  "close while connecting": () =>
    pair(
      {},
      {},
      () => {},
      (ws) => ws.close(),
    ),

  // The client's trace is what each call threw, not its events.
  "argument errors": () => ({
    server: echoServer.server!,
    async client(lib, port, trace) {
      const ws = new lib.WebSocket(`ws://127.0.0.1:${port}/path?q=1`);
      record(ws, []); // listeners as in every scenario, the events not compared
      attempt(trace, () => ws.send("too early"));
      attempt(trace, () => ws.ping());
      ws.on("open", () => {
        attempt(trace, () => ws.close(1005));
        attempt(trace, () => ws.close(1000, "x".repeat(124)));
        attempt(trace, () => ws.ping(Buffer.alloc(126)));
        attempt(trace, () => ws.close(1000));
        // Counted in bufferedAmount (ours also counts the close frame not yet written).
        const before = ws.bufferedAmount;
        ws.send("after close", (error: Error) => trace.push(`cb: ${error.message}`));
        trace.push(`bufferedAmount +${ws.bufferedAmount - before}`);
      });
      await new Promise((resolve) => ws.on("close", resolve));
    },
  }),

  // No server: the constructors throw before any connection.
  "constructor errors": () => ({
    async client(lib, _port, trace) {
      for (const [url, protocols] of [
        ["not a url", undefined],
        ["ftp://example.com/", undefined],
        ["ws://example.com/#fragment", undefined],
        ["ws://127.0.0.1:1/", ["a", "a"]],
        ["ws://127.0.0.1:1/", ["bad protocol"]],
      ] as const) {
        attempt(trace, () => new lib.WebSocket(url, protocols));
      }
      attempt(trace, () => new lib.WebSocketServer({}));
    },
  }),
};
