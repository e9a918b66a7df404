// connection.tls over HTTP/2: a stream on a TLS session tells a hook the
// session's TLS facts (client certificate, its verification, ALPN h2), as a
// TLS socket does over HTTP/1.1; real mTLS h2 connections, the certificates of
// test/node/tls-identities.ts.

import assert from "node:assert/strict";
import { createSecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { connect, serve } from "../../src/node/index.js";
import { echo } from "../node/helpers.js";
import * as mtls from "../node/tls-identities.js";

const T = { timeout: 15_000 };

/** Client options of one client identity (one HTTP/2 session per options object). */
const as = (identity?: { key: string; cert: string }) => ({
  http2: true,
  tls: mtls.clientTls(identity),
});

describe("connection.tls over HTTP/2", () => {
  test(
    "serve({ tls }): the hook sees the client certificate of the stream's session",
    T,
    async () => {
      const seen: mtls.Seen[] = [];
      const { server, url } = await mtls.mutualTlsServer(seen);
      try {
        // Two streams of one session: each one's hook sees the same verified certificate.
        const options = as(mtls.alice);
        const first = await connect(url, options);
        const second = await connect(url, options);
        for (const client of [first, second]) {
          await client.send("hi");
          assert.equal(await client.recv(), "hi");
        }
        assert.equal(seen.length, 2);
        for (const entry of seen) mtls.assertAliceVerified(entry, "2");
        // The server's connection tells it while open, too (read when asked).
        const [connection] = [...server.connections];
        assert.equal(connection?.tls?.peerCertificate?.subject.CN, "alice");
        // The client's stream sees the server's side of the same session.
        mtls.assertServerVerified(first.tls, "2");
        await Promise.all([first.close(), second.close()]);

        // Untrusted: the hook refuses the stream with 403 and says why.
        await mtls.assertMalloryRefused(() => connect(url, as(mtls.mallory)), seen);

        // No certificate at all.
        await mtls.assertNoCertificateRefused(() => connect(url, as()), seen);
      } finally {
        await server.close();
      }
    },
  );

  test("attached to an http2.createSecureServer(): the same; over h2c nothing", T, async () => {
    const seen: mtls.Seen[] = [];
    const h2 = createSecureServer(mtls.serverTls);
    const wss = await serve(echo, {
      server: h2,
      processRequest: mtls.requireClientCertificate(seen),
    });
    await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
    try {
      const port = (h2.address() as AddressInfo).port;
      const client = await connect(`wss://127.0.0.1:${port}/`, as(mtls.alice));
      mtls.assertAliceVerified(seen[0], "2");
      await client.close();

      await mtls.assertCleartextTellsNothing("2");
    } finally {
      await wss.close();
      await new Promise((resolve) => h2.close(resolve));
    }
  });
});
