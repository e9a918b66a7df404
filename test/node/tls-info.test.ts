import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { TlsInfo } from "../../src/connection/tls-info.js";
import { HandshakeError } from "../../src/core/errors.js";
import { connect, createServer, type ServerConnection, serve } from "../../src/node/index.js";
import { echo, portOf } from "./helpers.js";

// src/node/tls-info.ts through `connection.tls`: what a hook sees of the TLS
// session, with real TLS servers and client certificates made here.

const T = { timeout: 10_000 };

const dir = mkdtempSync(join(tmpdir(), "ws-tls-info-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A throwaway self-signed certificate; a self-signed one trusted as a `ca` verifies itself. */
function certificate(name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name}/O=websocket-sansio tests`,
      "-addext",
      name === "localhost"
        ? "subjectAltName=DNS:localhost,IP:127.0.0.1"
        : `subjectAltName=DNS:${name}.test`,
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
}

const serverCert = certificate("localhost");
const alice = certificate("alice"); // trusted by the server
const mallory = certificate("mallory"); // not trusted

/** A hook that lets in verified clients only, and keeps what it saw of each. */
function requireClientCertificate(seen: TlsInfo[]) {
  return (_request: unknown, connection: ServerConnection) => {
    const tls = connection.tls;
    if (tls === undefined) return connection.reject(403, "No TLS facts\n");
    seen.push(tls);
    if (!tls.authorized) {
      return connection.reject(
        403,
        `Client certificate refused: ${tls.authorizationError?.message}\n`,
      );
    }
    return undefined;
  };
}

describe("connection.tls (node)", () => {
  test("a server's hook sees the client certificate, its verification and ALPN", T, async () => {
    const seen: TlsInfo[] = [];
    const server = await serve(echo, {
      host: "127.0.0.1",
      port: 0,
      tls: { ...serverCert, requestCert: true, rejectUnauthorized: false, ca: [alice.cert] },
      processRequest: requireClientCertificate(seen),
    });
    const url = `wss://127.0.0.1:${portOf(server.address)}/`;
    try {
      // Verified: let in.
      const client = await connect(url, {
        tls: { ca: serverCert.cert, servername: "localhost", ...alice },
      });
      await client.send("hi");
      assert.equal(await client.recv(), "hi");
      const mine = seen[0]!;
      assert.equal(mine.authorized, true);
      assert.equal(mine.authorizationError, undefined);
      assert.equal(mine.peerCertificate?.subject.CN, "alice");
      assert.equal(mine.peerCertificate?.subjectaltname, "DNS:alice.test");
      assert.match(mine.peerCertificate?.fingerprint256 ?? "", /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.ok(mine.peerCertificate?.raw instanceof Uint8Array);
      assert.equal(mine.alpnProtocol, "http/1.1");
      assert.match(mine.protocol ?? "", /^TLSv1\.[23]$/);
      assert.equal(mine.servername, "localhost");
      // The client sees the server's side of the same session.
      const theirs = client.tls;
      assert.equal(theirs?.authorized, true);
      assert.equal(theirs?.peerCertificate?.subject.CN, "localhost");
      assert.equal(theirs?.alpnProtocol, "http/1.1");
      await client.close();

      // A certificate the server does not trust: refused by the hook, with the reason.
      const refused = await connect(url, {
        tls: { ca: serverCert.cert, servername: "localhost", ...mallory },
      }).then(
        () => assert.fail("connected with an untrusted certificate"),
        (error: unknown) => error,
      );
      assert.ok(refused instanceof HandshakeError);
      assert.equal(refused.status, 403);
      const untrusted = seen[1]!;
      assert.equal(untrusted.authorized, false);
      assert.equal(untrusted.peerCertificate?.subject.CN, "mallory");
      assert.ok(untrusted.authorizationError instanceof Error);
      assert.match(
        String((untrusted.authorizationError as Error & { code?: string }).code),
        /SELF_SIGNED|UNABLE_TO_VERIFY/,
      );

      // No certificate at all.
      await assert.rejects(
        connect(url, { tls: { ca: serverCert.cert, servername: "localhost" } }),
        HandshakeError,
      );
      assert.equal(seen[2]?.authorized, false);
      assert.equal(seen[2]?.peerCertificate, undefined);
    } finally {
      await server.close();
    }
  });

  test(
    "an https server's upgraded sockets tell the same, and plain TCP tells nothing",
    T,
    async () => {
      const seen: TlsInfo[] = [];
      const wss = createServer(echo, { processRequest: requireClientCertificate(seen) });
      const https = createHttpsServer({
        ...serverCert,
        requestCert: true,
        rejectUnauthorized: false,
        ca: [alice.cert],
      });
      https.on("upgrade", (request, socket, head) => wss.handleUpgrade(request, socket, head));
      await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
      const port = (https.address() as AddressInfo).port;
      let plainSeen: TlsInfo | undefined | "unset" = "unset";
      const plain = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        processRequest: (_request, connection) => {
          plainSeen = connection.tls;
        },
      });
      try {
        const connecting = connect(`wss://127.0.0.1:${port}/`, {
          tls: { ca: serverCert.cert, servername: "localhost", ...alice },
        });
        if ("bun" in process.versions) {
          // Bun's node:https upgrade sockets cannot tell the certificate (see tls-info.ts).
          await assert.rejects(connecting, HandshakeError);
          assert.equal(seen.length, 0);
        } else {
          const client = await connecting;
          assert.equal(seen[0]?.authorized, true);
          assert.equal(seen[0]?.peerCertificate?.subject.CN, "alice");
          await client.close();
        }

        const cleartext = await connect(`ws://127.0.0.1:${portOf(plain.address)}/`);
        assert.equal(plainSeen, undefined);
        assert.equal(cleartext.tls, undefined);
        await cleartext.close();
      } finally {
        await wss.close();
        await plain.close();
        https.closeAllConnections();
        await new Promise((resolve) => https.close(resolve));
      }
    },
  );
});
