/**
 * Our own HTTP/2 (RFC 9113, RFC 8441's extended CONNECT setting, RFC 7541
 * HPACK) as a pure, synchronous machine: {@link Http2Session}.
 *
 * @module
 */

export { errorCodeName, Http2ErrorCode, type Http2ErrorCodeValue } from "./error-codes.js";
export { HeaderListTooLargeForPeerError, Http2Error } from "./errors.js";
export type {
  Http2ClosedEvent,
  Http2DataEvent,
  Http2DrainEvent,
  Http2ErrorEvent,
  Http2Event,
  Http2GoawayEvent,
  Http2HeadersEvent,
  Http2ResetEvent,
  Http2SettingsEvent,
} from "./events.js";
export {
  type HeaderField,
  HeaderListTooLargeError,
  HpackDecoder,
  HpackEncoder,
  HpackError,
} from "./hpack/index.js";
export { type Http2Role, Http2Session, type Http2SessionOptions } from "./session.js";
export { DEFAULT_SETTINGS, type Http2Settings } from "./settings.js";
