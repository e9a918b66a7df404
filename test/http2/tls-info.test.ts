// connection.tls over HTTP/2: a stream on a TLS session tells a hook the
// session's TLS facts (client certificate, its verification, ALPN h2), as a
// TLS socket does over HTTP/1.1; real mTLS h2 connections, certificates made here.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createSecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { TlsInfo } from "../../src/connection/tls-info.js";
import { HandshakeError } from "../../src/core/errors.js";
import { connect, type ServerConnection, serve } from "../../src/node/index.js";
import { echo, portOf } from "../node/helpers.js";

const T = { timeout: 15_000 };

const dir = mkdtempSync(join(tmpdir(), "ws-h2-tls-info-"));
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

/** A hook that lets in verified clients only, and keeps what it saw and over which HTTP version. */
function requireClientCertificate(seen: { tls: TlsInfo; version: string }[]) {
  return (request: { version?: string | undefined }, connection: ServerConnection) => {
    const tls = connection.tls;
    if (tls === undefined) return connection.reject(403, "No TLS facts\n");
    seen.push({ tls, version: request.version ?? "1.1" });
    if (!tls.authorized) {
      return connection.reject(
        403,
        `Client certificate refused: ${tls.authorizationError?.message}\n`,
      );
    }
    return undefined;
  };
}

/** Client TLS options of one client identity (one HTTP/2 session per options object). */
const as = (identity?: { key: string; cert: string }) => ({
  http2: true,
  tls: { ca: serverCert.cert, servername: "localhost", ...identity },
});

describe("connection.tls over HTTP/2", () => {
  test(
    "serve({ tls }): the hook sees the client certificate of the stream's session",
    T,
    async () => {
      const seen: { tls: TlsInfo; version: string }[] = [];
      const server = await serve(echo, {
        host: "127.0.0.1",
        port: 0,
        tls: { ...serverCert, requestCert: true, rejectUnauthorized: false, ca: [alice.cert] },
        processRequest: requireClientCertificate(seen),
      });
      const url = `wss://127.0.0.1:${portOf(server.address)}/`;
      try {
        // Two streams of one session: each one's hook sees the same verified certificate.
        const options = as(alice);
        const first = await connect(url, options);
        const second = await connect(url, options);
        for (const client of [first, second]) {
          await client.send("hi");
          assert.equal(await client.recv(), "hi");
        }
        assert.equal(seen.length, 2);
        for (const { tls, version } of seen) {
          assert.equal(version, "2");
          assert.equal(tls.authorized, true);
          assert.equal(tls.authorizationError, undefined);
          assert.equal(tls.peerCertificate?.subject.CN, "alice");
          assert.equal(tls.peerCertificate?.subjectaltname, "DNS:alice.test");
          assert.match(
            tls.peerCertificate?.fingerprint256 ?? "",
            /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
          );
          assert.ok(tls.peerCertificate?.raw instanceof Uint8Array);
          assert.equal(tls.alpnProtocol, "h2");
          assert.match(tls.protocol ?? "", /^TLSv1\.[23]$/);
          assert.equal(tls.servername, "localhost");
        }
        // The server's connection tells it while open, too (read when asked).
        const [connection] = [...server.connections];
        assert.equal(connection?.tls?.peerCertificate?.subject.CN, "alice");
        // The client's stream sees the server's side of the same session.
        const theirs = first.tls;
        assert.equal(theirs?.authorized, true);
        assert.equal(theirs?.peerCertificate?.subject.CN, "localhost");
        assert.equal(theirs?.alpnProtocol, "h2");
        await Promise.all([first.close(), second.close()]);

        // Untrusted: the hook refuses the stream with 403 and says why.
        const refused = await connect(url, as(mallory)).then(
          () => assert.fail("connected with an untrusted certificate"),
          (error: unknown) => error,
        );
        assert.ok(refused instanceof HandshakeError);
        assert.equal(refused.status, 403);
        assert.match(new TextDecoder().decode(refused.body), /Client certificate refused/);
        const untrusted = seen[2]!.tls;
        assert.equal(untrusted.authorized, false);
        assert.equal(untrusted.peerCertificate?.subject.CN, "mallory");
        assert.match(
          String((untrusted.authorizationError as Error & { code?: string }).code),
          /SELF_SIGNED|UNABLE_TO_VERIFY/,
        );

        // No certificate at all.
        await assert.rejects(connect(url, as()), HandshakeError);
        assert.equal(seen[3]?.tls.authorized, false);
        assert.equal(seen[3]?.tls.peerCertificate, undefined);
      } finally {
        await server.close();
      }
    },
  );

  test("attached to an http2.createSecureServer(): the same; over h2c nothing", T, async () => {
    const seen: { tls: TlsInfo; version: string }[] = [];
    const h2 = createSecureServer({
      ...serverCert,
      requestCert: true,
      rejectUnauthorized: false,
      ca: [alice.cert],
    });
    const wss = await serve(echo, {
      server: h2,
      processRequest: requireClientCertificate(seen),
    });
    await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
    let cleartextSeen: TlsInfo | undefined | "unset" = "unset";
    const h2c = await serve(echo, {
      host: "127.0.0.1",
      port: 0,
      h2c: true,
      processRequest: (_request, connection) => {
        cleartextSeen = connection.tls;
      },
    });
    try {
      const port = (h2.address() as AddressInfo).port;
      const client = await connect(`wss://127.0.0.1:${port}/`, as(alice));
      assert.equal(seen[0]?.version, "2");
      assert.equal(seen[0]?.tls.authorized, true);
      assert.equal(seen[0]?.tls.peerCertificate?.subject.CN, "alice");
      assert.equal(seen[0]?.tls.alpnProtocol, "h2");
      await client.close();

      const cleartext = await connect(`ws://127.0.0.1:${portOf(h2c.address)}/`, { http2: true });
      assert.equal(cleartext.request?.version, "2");
      assert.equal(cleartextSeen, undefined);
      assert.equal(cleartext.tls, undefined);
      await cleartext.close();
    } finally {
      await wss.close();
      await h2c.close();
      await new Promise((resolve) => h2.close(resolve));
    }
  });
});
