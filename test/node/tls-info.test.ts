import assert from "node:assert/strict";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { HandshakeError } from "../../src/core/errors.js";
import { connect, createServer } from "../../src/node/index.js";
import { echo } from "./helpers.js";
import * as mtls from "./tls-identities.js";

// src/node/tls-info.ts through `connection.tls`: what a hook sees of the TLS
// session, with real TLS servers and the client certificates of
// tls-identities.ts.

const T = { timeout: 10_000 };

describe("connection.tls (node)", () => {
  test("a server's hook sees the client certificate, its verification and ALPN", T, async () => {
    const seen: mtls.Seen[] = [];
    const { server, url } = await mtls.mutualTlsServer(seen);
    try {
      // Verified: let in.
      const client = await connect(url, { tls: mtls.clientTls(mtls.alice) });
      await client.send("hi");
      assert.equal(await client.recv(), "hi");
      mtls.assertAliceVerified(seen[0], "1.1");
      // The client sees the server's side of the same session.
      mtls.assertServerVerified(client.tls, "1.1");
      await client.close();

      // A certificate the server does not trust: refused by the hook, with the reason.
      await mtls.assertMalloryRefused(
        () => connect(url, { tls: mtls.clientTls(mtls.mallory) }),
        seen,
      );

      // No certificate at all.
      await mtls.assertNoCertificateRefused(() => connect(url, { tls: mtls.clientTls() }), seen);
    } finally {
      await server.close();
    }
  });

  test(
    "an https server's upgraded sockets tell the same, and plain TCP tells nothing",
    T,
    async () => {
      const seen: mtls.Seen[] = [];
      const wss = createServer(echo, { processRequest: mtls.requireClientCertificate(seen) });
      const https = createHttpsServer(mtls.serverTls);
      https.on("upgrade", (request, socket, head) => wss.handleUpgrade(request, socket, head));
      await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
      const port = (https.address() as AddressInfo).port;
      try {
        const connecting = connect(`wss://127.0.0.1:${port}/`, { tls: mtls.clientTls(mtls.alice) });
        if ("bun" in process.versions) {
          // Bun's node:https upgrade sockets cannot tell the certificate (see tls-info.ts).
          await assert.rejects(connecting, HandshakeError);
          assert.equal(seen.length, 0);
        } else {
          const client = await connecting;
          mtls.assertAliceVerified(seen[0], "1.1");
          await client.close();
        }

        await mtls.assertCleartextTellsNothing("1.1");
      } finally {
        await wss.close();
        https.closeAllConnections();
        await new Promise((resolve) => https.close(resolve));
      }
    },
  );
});
