/**
 * The TLS facts of a Node `tls.TLSSocket`, as the connection layer shows them
 * (`connection.tls`): read from the socket when asked, so that a connection
 * over plain TCP, or one whose hooks never ask, pays nothing for them.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { PeerCertificate, TlsInfo } from "../connection/tls-info.js";

/**
 * The facts of `socket` when it is a TLS socket that can tell them, else
 * undefined. Bun's `node:https` hands `upgrade` listeners a socket marked
 * `encrypted` with no `getPeerCertificate` (Bun 1.4): undefined there too,
 * rather than facts without the certificate.
 */
export function tlsInfoOf(socket: Socket): TlsInfo | undefined {
  // `encrypted` marks a TLSSocket without loading node:tls here.
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || typeof tls.getPeerCertificate !== "function") return undefined;
  return infoOf(socket as TLSSocket);
}

function infoOf(tls: TLSSocket): TlsInfo {
  // Node returns `{}` when the peer sent no certificate, and null once the
  // socket is destroyed.
  const certificate = tls.getPeerCertificate() as Partial<PeerCertificate> | null;
  const error = tls.authorizationError as Error | string | null | undefined;
  return {
    authorized: tls.authorized,
    // Node documents an Error; some paths have set the bare code (a string).
    authorizationError:
      error == null
        ? undefined
        : typeof error === "string"
          ? Object.assign(new Error(error), { code: error })
          : error,
    peerCertificate: certificate?.raw === undefined ? undefined : (certificate as PeerCertificate),
    alpnProtocol: typeof tls.alpnProtocol === "string" ? tls.alpnProtocol : null,
    protocol: tls.getProtocol(),
    servername: typeof tls.servername === "string" ? tls.servername : undefined,
  };
}
