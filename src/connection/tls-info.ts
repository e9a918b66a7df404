/**
 * What a connection knows of its TLS session, for hooks that decide on it
 * (authentication by client certificate in `processRequest`, a check of the
 * negotiated ALPN protocol): a runtime-neutral shape that a transport over
 * TLS fills in (Node's `SocketTransport` does, and its HTTP/2 stream
 * transport from the stream's session; see {@link Transport.tls}).
 *
 * @module
 */

/** A certificate's subject or issuer: its name parts (a part repeated in the name is an array). */
export interface CertificateName {
  /** Common name. */
  readonly CN?: string | string[];
  /** Organization. */
  readonly O?: string | string[];
  /** Organizational unit. */
  readonly OU?: string | string[];
  /** Country. */
  readonly C?: string | string[];
  /** State or province. */
  readonly ST?: string | string[];
  /** Locality. */
  readonly L?: string | string[];
  readonly [part: string]: string | string[] | undefined;
}

/** A certificate as the peer presented it: the fields most checks need. */
export interface PeerCertificate {
  /** The subject's name parts, e.g. `{ CN: "alice", O: "Example" }`. */
  readonly subject: CertificateName;
  /** The issuer's name parts. */
  readonly issuer: CertificateName;
  /** The subject alternative names, e.g. `"DNS:alice.example, IP Address:10.0.0.1"`, when present. */
  readonly subjectaltname?: string | undefined;
  /** Start of validity, e.g. `"Dec  2 22:00:00 2026 GMT"`. */
  readonly valid_from: string;
  /** End of validity. */
  readonly valid_to: string;
  /** SHA-256 fingerprint, colon-separated hex: a stable key to pin or look up a certificate. */
  readonly fingerprint256: string;
  /** Serial number in hex. */
  readonly serialNumber: string;
  /** The DER encoding. */
  readonly raw: Uint8Array;
}

/**
 * The TLS facts of a connection. On Node, read from the `tls.TLSSocket`
 * when asked (nothing is kept per connection); `peerCertificate` is then
 * Node's `tls.PeerCertificate`, which has more fields (`pubkey`,
 * `ext_key_usage`, `infoAccess`...).
 */
export interface TlsInfo {
  /**
   * Whether the peer's certificate was verified against the trusted
   * certificate authorities (`ca`). A server sees a client certificate only
   * when it asks for one (Node's `requestCert: true`); with
   * `rejectUnauthorized: false` it also lets clients in whose certificate
   * failed, and a hook decides on `authorized` and `authorizationError`.
   */
  readonly authorized: boolean;
  /** Why the peer's certificate was not verified (its `code`, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`). */
  readonly authorizationError: Error | undefined;
  /** The peer's certificate, or undefined when it sent none. */
  readonly peerCertificate: PeerCertificate | undefined;
  /** The protocol negotiated by ALPN (`"http/1.1"`, `"h2"`), or null when none was. */
  readonly alpnProtocol: string | null;
  /** The TLS version, e.g. `"TLSv1.3"`, or null when unknown. */
  readonly protocol: string | null;
  /** The server name the client asked for with SNI, when it did (a server's view). */
  readonly servername: string | undefined;
}
