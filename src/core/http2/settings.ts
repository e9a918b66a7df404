/**
 * SETTINGS (RFC 9113 6.5.2, RFC 8441 3): the parameters, their defaults,
 * encoding ours and applying (with validation) the peer's.
 *
 * @module
 */

import { Http2ErrorCode } from "./error-codes.js";
import { type Http2Error, peerError } from "./errors.js";
import { MAX_31_BIT } from "./frame-types.js";

/** The SETTINGS parameters (RFC 9113 6.5.2 and RFC 8441 3). */
export interface Http2Settings {
  /** SETTINGS_HEADER_TABLE_SIZE: the HPACK dynamic table the sender's decoder allows, in bytes. */
  headerTableSize: number;
  /** SETTINGS_ENABLE_PUSH: server push (always off here: we never push and never accept it). */
  enablePush: boolean;
  /** SETTINGS_MAX_CONCURRENT_STREAMS: streams the sender lets its peer open at once. */
  maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE: each new stream's receive window, in bytes. */
  initialWindowSize: number;
  /** SETTINGS_MAX_FRAME_SIZE: the largest frame payload the sender accepts, in bytes. */
  maxFrameSize: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: the largest header list the sender accepts (RFC 9113 6.5.2 sizes). */
  maxHeaderListSize: number;
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 3): extended CONNECT (`:protocol`) allowed. */
  enableConnectProtocol: boolean;
}

/** Setting identifiers (RFC 9113 6.5.2, RFC 8441 3). */
export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  ENABLE_CONNECT_PROTOCOL: 0x8,
} as const;

/**
 * The values in force before any SETTINGS came (RFC 9113 6.5.2): what we
 * assume of the peer until its SETTINGS arrive. The limits it leaves
 * "unlimited" are represented as the largest 32-bit value.
 */
export const DEFAULT_SETTINGS: Readonly<Http2Settings> = Object.freeze({
  headerTableSize: 4096,
  enablePush: true,
  maxConcurrentStreams: 0xffffffff,
  initialWindowSize: 65535,
  maxFrameSize: 16384,
  maxHeaderListSize: 0xffffffff,
  enableConnectProtocol: false,
});

/** The smallest and largest SETTINGS_MAX_FRAME_SIZE (RFC 9113 6.5.2). */
export const MIN_MAX_FRAME_SIZE = 16384;
export const MAX_MAX_FRAME_SIZE = 0xffffff;

/**
 * Our settings for a role: RFC 9113's defaults with ours on top. A server
 * allows 100 concurrent streams (the least RFC 9113 6.5.2 recommends; an
 * unlimited default invites a stream flood) and enables extended CONNECT (we
 * serve WebSockets over it); nobody pushes; a header list is held to 16 KiB.
 */
export function localSettings(
  role: "client" | "server",
  given: Partial<Http2Settings> | undefined,
): Http2Settings {
  const settings: Http2Settings = {
    headerTableSize: 4096,
    enablePush: false,
    maxConcurrentStreams: role === "server" ? 100 : 0xffffffff,
    initialWindowSize: 65535,
    maxFrameSize: 16384,
    maxHeaderListSize: 16384,
    enableConnectProtocol: role === "server",
    ...given,
  };
  const bad = validateLocal(settings);
  if (bad !== undefined) throw new RangeError(`Cannot use HTTP/2 settings: ${bad}`);
  return settings;
}

function validateLocal(s: Http2Settings): string | undefined {
  const u32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
  if (!u32(s.headerTableSize)) return `headerTableSize ${s.headerTableSize} is not a 32-bit count`;
  if (!u32(s.maxConcurrentStreams))
    return `maxConcurrentStreams ${s.maxConcurrentStreams} is not a 32-bit count`;
  if (!u32(s.maxHeaderListSize))
    return `maxHeaderListSize ${s.maxHeaderListSize} is not a 32-bit count`;
  if (!u32(s.initialWindowSize) || s.initialWindowSize > MAX_31_BIT)
    return `initialWindowSize ${s.initialWindowSize} is past 2^31-1`;
  if (
    !Number.isInteger(s.maxFrameSize) ||
    s.maxFrameSize < MIN_MAX_FRAME_SIZE ||
    s.maxFrameSize > MAX_MAX_FRAME_SIZE
  )
    return `maxFrameSize ${s.maxFrameSize} is outside 16384..16777215`;
  if (s.enablePush) return "enablePush is not supported";
  return undefined;
}

/**
 * Our SETTINGS payload: every parameter that differs from the RFC's default
 * (sending a default is allowed but wastes 6 bytes), plus ENABLE_PUSH 0, which
 * a client must send to turn push off (RFC 9113 8.4).
 */
export function encodeSettings(s: Http2Settings, role: "client" | "server"): Uint8Array {
  const pairs: [number, number][] = [];
  if (s.headerTableSize !== DEFAULT_SETTINGS.headerTableSize)
    pairs.push([SettingId.HEADER_TABLE_SIZE, s.headerTableSize]);
  if (role === "client") pairs.push([SettingId.ENABLE_PUSH, 0]);
  if (s.maxConcurrentStreams !== DEFAULT_SETTINGS.maxConcurrentStreams)
    pairs.push([SettingId.MAX_CONCURRENT_STREAMS, s.maxConcurrentStreams]);
  if (s.initialWindowSize !== DEFAULT_SETTINGS.initialWindowSize)
    pairs.push([SettingId.INITIAL_WINDOW_SIZE, s.initialWindowSize]);
  if (s.maxFrameSize !== DEFAULT_SETTINGS.maxFrameSize)
    pairs.push([SettingId.MAX_FRAME_SIZE, s.maxFrameSize]);
  if (s.maxHeaderListSize !== DEFAULT_SETTINGS.maxHeaderListSize)
    pairs.push([SettingId.MAX_HEADER_LIST_SIZE, s.maxHeaderListSize]);
  if (s.enableConnectProtocol) pairs.push([SettingId.ENABLE_CONNECT_PROTOCOL, 1]);
  const out = new Uint8Array(pairs.length * 6);
  pairs.forEach(([id, value], i) => {
    const at = i * 6;
    out[at] = id >>> 8;
    out[at + 1] = id;
    out[at + 2] = value >>> 24;
    out[at + 3] = value >>> 16;
    out[at + 4] = value >>> 8;
    out[at + 5] = value;
  });
  return out;
}

/**
 * Applies a peer's SETTINGS payload to `current` (RFC 9113 6.5.3: in order,
 * the last value of a parameter wins) and returns the new settings, or the
 * connection error a bad value calls for (RFC 9113 6.5.2, RFC 8441 3).
 * Unknown parameters are ignored (RFC 9113 6.5.2). `fromServer` is true when
 * the peer is a server (it must not enable push, RFC 9113 8.4).
 */
export function applySettings(
  current: Readonly<Http2Settings>,
  payload: Uint8Array,
  fromServer: boolean,
): Http2Settings | Http2Error {
  const next: Http2Settings = { ...current };
  for (let at = 0; at + 6 <= payload.length; at += 6) {
    const id = (payload[at]! << 8) | payload[at + 1]!;
    const value =
      ((payload[at + 2]! << 24) |
        (payload[at + 3]! << 16) |
        (payload[at + 4]! << 8) |
        payload[at + 5]!) >>>
      0;
    switch (id) {
      case SettingId.HEADER_TABLE_SIZE:
        next.headerTableSize = value;
        break;
      case SettingId.ENABLE_PUSH:
        if (value > 1)
          return bad(Http2ErrorCode.PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH ${value} is not 0 or 1`);
        if (value === 1 && fromServer)
          return bad(Http2ErrorCode.PROTOCOL_ERROR, "a server sent SETTINGS_ENABLE_PUSH 1");
        next.enablePush = value === 1;
        break;
      case SettingId.MAX_CONCURRENT_STREAMS:
        next.maxConcurrentStreams = value;
        break;
      case SettingId.INITIAL_WINDOW_SIZE:
        if (value > MAX_31_BIT)
          return bad(
            Http2ErrorCode.FLOW_CONTROL_ERROR,
            `SETTINGS_INITIAL_WINDOW_SIZE ${value} is past 2^31-1`,
          );
        next.initialWindowSize = value;
        break;
      case SettingId.MAX_FRAME_SIZE:
        if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE)
          return bad(
            Http2ErrorCode.PROTOCOL_ERROR,
            `SETTINGS_MAX_FRAME_SIZE ${value} is outside 16384..16777215`,
          );
        next.maxFrameSize = value;
        break;
      case SettingId.MAX_HEADER_LIST_SIZE:
        next.maxHeaderListSize = value;
        break;
      case SettingId.ENABLE_CONNECT_PROTOCOL:
        if (value > 1)
          return bad(
            Http2ErrorCode.PROTOCOL_ERROR,
            `SETTINGS_ENABLE_CONNECT_PROTOCOL ${value} is not 0 or 1`,
          );
        // RFC 8441 3: once 1, a sender must not send 0.
        if (value === 0 && next.enableConnectProtocol)
          return bad(
            Http2ErrorCode.PROTOCOL_ERROR,
            "SETTINGS_ENABLE_CONNECT_PROTOCOL went from 1 to 0",
          );
        next.enableConnectProtocol = value === 1;
        break;
      default:
        // Unknown or unsupported parameters must be ignored (RFC 9113 6.5.2).
        break;
    }
  }
  return next;
}

function bad(code: number, message: string): Http2Error {
  return peerError(code, `Cannot apply SETTINGS: ${message}`);
}
