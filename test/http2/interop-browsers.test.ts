// Real HTTP/2 WebSocket clients against our server: headless Chromium, which
// opens a page's WebSocket as an RFC 8441 stream on the page's own HTTP/2
// connection, and undici 7's WebSocket with an h2 Agent.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Agent, WebSocket as UndiciWebSocket } from "undici";
import type { ServerConnection } from "../../src/connection/server.js";
import { serve } from "../../src/node/index.js";
import { echo, portOf, selfSigned } from "../node/helpers.js";
import {
  chromiumSkip,
  ECHO_SCENARIO,
  ECHO_SCENARIO_EXPECTED,
  withChromium,
} from "../runtimes/browser.js";

const tls = selfSigned();

const PAGE = `<!doctype html><title>h2</title><script>${ECHO_SCENARIO}
window.result = echoScenario("wss://" + location.host + "/ws", ["chat"]);
</script>`;

/** A server that serves PAGE at / (over either HTTP version) and echoes WebSockets, recording how each arrived. */
async function pageServer() {
  const arrivals: string[] = [];
  const server = await serve(
    (connection: ServerConnection) => {
      arrivals.push(`${connection.request?.method} ${connection.request?.version ?? "1.1"}`);
      return echo(connection);
    },
    {
      host: "127.0.0.1",
      port: 0,
      tls,
      subprotocols: ["chat"],
      processRequest: (request, connection) => {
        if (request.target !== "/") return undefined;
        const response = connection.reject(200, PAGE);
        response.headers.set("Content-Type", "text/html; charset=utf-8");
        return response;
      },
    },
  );
  return { server, arrivals, origin: `https://127.0.0.1:${portOf(server.address)}` };
}

describe("interop over HTTP/2 (RFC 8441)", () => {
  test("headless Chromium opens its WebSocket as an extended CONNECT stream", {
    timeout: 60_000,
    skip: chromiumSkip(),
  }, async () => {
    const { server, arrivals, origin } = await pageServer();
    try {
      await withChromium(
        async (context) => {
          const page = await context.newPage();
          const response = await page.goto(`${origin}/`);
          assert.equal(response?.status(), 200);
          const result = await page.evaluate("window.result");
          assert.deepEqual(result, {
            ...ECHO_SCENARIO_EXPECTED,
            extensions: "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
          });
        },
        ["--ignore-certificate-errors"],
      );
      // The page came over h2, and so did its WebSocket: CONNECT, not GET.
      assert.deepEqual(arrivals, ["CONNECT 2"]);
    } finally {
      await server.close();
    }
  });

  test("undici's WebSocket with an h2 Agent", { timeout: 20_000 }, async () => {
    const { server, arrivals, origin } = await pageServer();
    const dispatcher = new Agent({ allowH2: true, connect: { rejectUnauthorized: false } });
    try {
      const ws = new UndiciWebSocket(`${origin.replace("https", "wss")}/ws`, {
        protocols: ["chat"],
        dispatcher,
      } as ConstructorParameters<typeof UndiciWebSocket>[1]);
      const messages: string[] = [];
      const done = new Promise<{ code: number; wasClean: boolean }>((resolve, reject) => {
        ws.onerror = (event) => reject(new Error(`undici WebSocket failed: ${String(event)}`));
        ws.onmessage = (event) => {
          messages.push(String(event.data));
          if (messages.length === 50) ws.close(1000);
        };
        ws.onclose = (event) => resolve({ code: event.code, wasClean: event.wasClean });
      });
      await new Promise((resolve) => (ws.onopen = resolve));
      assert.equal(ws.protocol, "chat");
      for (let i = 0; i < 50; i++) ws.send(`u${i}`);
      assert.deepEqual(await done, { code: 1000, wasClean: true });
      assert.deepEqual(
        messages,
        Array.from({ length: 50 }, (_, i) => `u${i}`),
      );
      assert.deepEqual(arrivals, ["CONNECT 2"]);
    } finally {
      await dispatcher.close();
      await server.close();
    }
  });
});
