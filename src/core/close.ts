/**
 * Close frame bodies and close codes (RFC 6455 5.5.1, 7.4).
 *
 * @module
 */

/** Close codes with a name, for readable code. */
export const CloseCode = {
  NORMAL_CLOSURE: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS_RCVD: 1005,
  ABNORMAL_CLOSURE: 1006,
  INVALID_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  TLS_HANDSHAKE: 1015,
} as const;

/**
 * Whether `code` may appear in a close frame, sent or received (RFC 6455
 * 7.4.1, 7.4.2, and the IANA registry for 1012-1014). 1005, 1006 and 1015 are
 * reserved for reporting and never go on the wire; 1004 and 1016-2999 are
 * unassigned; 3000-4999 belong to libraries and applications.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}
