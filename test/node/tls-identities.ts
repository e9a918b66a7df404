// Shared by the connection.tls tests over HTTP/1.1 (test/node/tls-info.test.ts)
// and HTTP/2 (test/http2/tls-info.test.ts): a server certificate, a client
// the server trusts and one it does not, a hook that lets in verified
// clients only, and what each side must see (the same over both versions but
// for ALPN).

import assert from "node:assert/strict";
import type { TlsInfo } from "../../src/connection/tls-info.js";
import { HandshakeError } from "../../src/core/errors.js";
import { connect, type NodeServer, type ServerConnection, serve } from "../../src/node/index.js";
import { certificate, echo, portOf } from "./helpers.js";

/** The server's certificate, for `localhost` and 127.0.0.1. */
export const serverCert = certificate("localhost");
/** A client certificate the servers trust (pass `ca: [alice.cert]`). */
export const alice = certificate("alice");
/** A client certificate nobody trusts. */
export const mallory = certificate("mallory");

/** A server's `tls` options: asks for a client certificate, trusts {@link alice}'s, lets the hook decide. */
export const serverTls = {
  ...serverCert,
  requestCert: true,
  rejectUnauthorized: false,
  ca: [alice.cert],
};

/** A client's `tls` options: trusts {@link serverCert}, presents `identity` if given. */
export const clientTls = (identity?: { key: string; cert: string }) => ({
  ca: serverCert.cert,
  servername: "localhost",
  ...identity,
});

/** What a hook saw of one request: its TLS facts, and its HTTP version. */
export interface Seen {
  tls: TlsInfo;
  version: string;
}

/** A hook that lets in verified clients only, and keeps what it saw and over which HTTP version. */
export function requireClientCertificate(seen: Seen[]) {
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

/**
 * An echo server on {@link serverTls} behind {@link requireClientCertificate},
 * and its `wss:` URL.
 */
export async function mutualTlsServer(seen: Seen[]): Promise<{ server: NodeServer; url: string }> {
  const server = await serve(echo, {
    host: "127.0.0.1",
    port: 0,
    tls: serverTls,
    processRequest: requireClientCertificate(seen),
  });
  return { server, url: `wss://127.0.0.1:${portOf(server.address)}/` };
}

/**
 * What a server's hook saw of {@link alice}'s session over HTTP `version`:
 * verified, with its certificate's facts, and ALPN naming that version.
 */
export function assertAliceVerified(seen: Seen | undefined, version: "1.1" | "2"): void {
  assert.ok(seen !== undefined, "the hook saw no request");
  assert.equal(seen.version, version);
  const { tls } = seen;
  assert.equal(tls.authorized, true);
  assert.equal(tls.authorizationError, undefined);
  assert.equal(tls.peerCertificate?.subject.CN, "alice");
  assert.equal(tls.peerCertificate?.subjectaltname, "DNS:alice.test");
  assert.match(tls.peerCertificate?.fingerprint256 ?? "", /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.ok(tls.peerCertificate?.raw instanceof Uint8Array);
  assert.equal(tls.alpnProtocol, alpn(version));
  assert.match(tls.protocol ?? "", /^TLSv1\.[23]$/);
  assert.equal(tls.servername, "localhost");
}

/** The ALPN protocol ID of an HTTP version (RFC 7301, RFC 9113 3.2). */
const alpn = (version: "1.1" | "2"): string => (version === "2" ? "h2" : "http/1.1");

/** What a client sees of the server's side of the same session over HTTP `version`. */
export function assertServerVerified(tls: TlsInfo | undefined, version: "1.1" | "2"): void {
  assert.equal(tls?.authorized, true);
  assert.equal(tls?.peerCertificate?.subject.CN, "localhost");
  assert.equal(tls?.alpnProtocol, alpn(version));
}

/**
 * {@link mallory}'s `connecting()`: refused by {@link requireClientCertificate}
 * with 403 and the reason, its hook having seen the failed verification.
 */
export async function assertMalloryRefused(
  connecting: () => Promise<unknown>,
  seen: Seen[],
): Promise<void> {
  const before = seen.length;
  const refused = await connecting().then(
    () => assert.fail("connected with an untrusted certificate"),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof HandshakeError);
  assert.equal(refused.status, 403);
  assert.match(new TextDecoder().decode(refused.body), /Client certificate refused/);
  assert.equal(seen.length, before + 1);
  const untrusted = seen[before]!.tls;
  assert.equal(untrusted.authorized, false);
  assert.equal(untrusted.peerCertificate?.subject.CN, "mallory");
  assert.ok(untrusted.authorizationError instanceof Error);
  assert.match(
    String((untrusted.authorizationError as Error & { code?: string }).code),
    /SELF_SIGNED|UNABLE_TO_VERIFY/,
  );
}

/** A client without a certificate's `connecting()`: refused, its hook having seen none. */
export async function assertNoCertificateRefused(
  connecting: () => Promise<unknown>,
  seen: Seen[],
): Promise<void> {
  const before = seen.length;
  await assert.rejects(connecting(), HandshakeError);
  assert.equal(seen.length, before + 1);
  assert.equal(seen[before]!.tls.authorized, false);
  assert.equal(seen[before]!.tls.peerCertificate, undefined);
}

/**
 * Over cleartext (h2c for HTTP/2) there are no TLS facts: the hook sees
 * `connection.tls` undefined, and so does the client.
 */
export async function assertCleartextTellsNothing(version: "1.1" | "2"): Promise<void> {
  const http2 = version === "2";
  let hookSaw: { tls: TlsInfo | undefined; version: string } | undefined;
  const server = await serve(echo, {
    host: "127.0.0.1",
    port: 0,
    h2c: http2,
    processRequest: (request, connection) => {
      hookSaw = { tls: connection.tls, version: request.version ?? "1.1" };
    },
  });
  try {
    const cleartext = await connect(`ws://127.0.0.1:${portOf(server.address)}/`, { http2 });
    assert.deepEqual(hookSaw, { tls: undefined, version });
    assert.equal(cleartext.request?.version ?? "1.1", version);
    assert.equal(cleartext.tls, undefined);
    await cleartext.close();
  } finally {
    await server.close();
  }
}
