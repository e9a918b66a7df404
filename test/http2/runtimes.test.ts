// websocket-sansio/node's HTTP/2 (RFC 8441) on Bun and Deno: our own HTTP/2
// framing over their node:net and node:tls (no node:http2), over TLS (ALPN
// h2) and h2c: their server answers our Node client, their client talks to
// our Node server.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connect, serve } from "../../src/node/index.js";
import { selfSigned } from "../node/helpers.js";
import { denoArgs, fixture, runtime, startPeer } from "../runtimes/runtimes.js";

const tls = selfSigned();
// The peer's certificate, passed through the environment startPeer hands on.
process.env["H2_KEY"] = tls.key;
process.env["H2_CERT"] = tls.cert;

for (const name of ["bun", "deno"] as const) {
  const found = runtime(name);
  const args = (...rest: string[]): string[] =>
    name === "deno" ? denoArgs("h2-peer.js", ...rest) : [fixture("h2-peer.js"), ...rest];
  describe(`WebSocket over HTTP/2 on ${name}`, { skip: found.skip, timeout: 30_000 }, () => {
    const command = found.skip === false ? found.path : name;

    for (const secure of [true, false]) {
      const mode = secure ? "TLS" : "h2c";
      test(`a server on ${name} answers our client over HTTP/2 (${mode})`, async () => {
        const peer = startPeer(command, args("serve", secure ? "tls" : "h2c"));
        try {
          const port = await peer.ready;
          const clients = await Promise.all(
            [0, 1].map(() =>
              connect(`${secure ? "wss" : "ws"}://127.0.0.1:${port}/`, {
                http2: true,
                tls: { rejectUnauthorized: false },
              }),
            ),
          );
          for (const client of clients) {
            assert.equal(client.response?.status, 200);
            await client.send("hi");
            assert.equal(await client.recv(), "CONNECT hi");
            assert.equal((await client.close()).wasClean, true);
          }
          assert.deepEqual(await peer.stop(), { stopped: true });
        } finally {
          peer.child.kill();
        }
      });

      test(`a client on ${name} talks to our server over HTTP/2 (${mode})`, async () => {
        const server = await serve(
          async (connection) => {
            for await (const message of connection) {
              await connection.send(`${connection.request?.method} ${String(message)}`);
            }
          },
          { host: "127.0.0.1", port: 0, ...(secure ? { tls } : { h2c: true }) },
        );
        try {
          const port = (server.address as { port: number }).port;
          const url = `${secure ? "wss" : "ws"}://127.0.0.1:${port}/`;
          const result = await startPeer(command, args("connect", url)).result;
          assert.deepEqual(result, {
            status: 200,
            echoes: ["CONNECT m0", "CONNECT m1", "CONNECT m2"],
            clean: true,
          });
        } finally {
          await server.close();
        }
      });
    }
  });
}
