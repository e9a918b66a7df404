/**
 * A protocol's settings: the options every protocol object takes, checked and
 * derived once per options object and shared by every protocol built with it
 * (a server's connections), rather than held in fields of each.
 *
 * @module
 */

import type { Extension } from "./extension.js";
import { perObject } from "./memo.js";
import { defaultRandom, MaskPool, type RandomSource } from "./random.js";

/**
 * 1 MiB: large enough for most application messages, small enough that a
 * thousand connections each sending one maximal message cannot exhaust memory.
 * Raise it per server for uploads; `Infinity` lifts the limit.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Options shared by every protocol object. */
export interface ProtocolOptions {
  /** Largest message accepted, after decompression (1009 beyond). Default 1 MiB. */
  maxMessageBytes?: number;
  /** Largest single frame accepted (1009 beyond). Default: `maxMessageBytes`. */
  maxFrameBytes?: number;
  /** Source of masking keys and handshake keys. Default `crypto.getRandomValues`. */
  random?: RandomSource;
}

/** Options of a `Protocol` that starts open, its handshake done elsewhere (RFC 8441, frameworks). */
export interface OpenProtocolOptions extends ProtocolOptions {
  /** Extensions negotiated by that handshake. */
  extensions?: readonly Extension[];
  /** Subprotocol negotiated by that handshake. */
  subprotocol?: string | null;
}

/**
 * The settings of a protocol, derived from its {@link ProtocolOptions}:
 * validated limits and the source of masking keys.
 */
export interface ProtocolSettings {
  readonly maxMessageBytes: number;
  readonly maxFrameBytes: number;
  readonly random: RandomSource;
  /** Masking keys, drawn from `random` (one pool per random source). */
  readonly masks: MaskPool;
}

// Protocols with the default random source share one pool of masking keys.
const sharedMasks = new MaskPool(defaultRandom);

/**
 * The options every protocol object takes, picked out of a subclass's
 * options; the same object for the same options, so that the settings
 * derived from it ({@link protocolSettings}) are shared too.
 */
export const protocolOptions: (options: ProtocolOptions) => ProtocolOptions = perObject(
  (options) => {
    const picked: ProtocolOptions = {};
    if (options.maxMessageBytes !== undefined) picked.maxMessageBytes = options.maxMessageBytes;
    if (options.maxFrameBytes !== undefined) picked.maxFrameBytes = options.maxFrameBytes;
    if (options.random !== undefined) picked.random = options.random;
    return picked;
  },
);

/**
 * The settings for `options`, computed once per options object.
 *
 * @throws RangeError for a limit that is not a positive number
 */
export const protocolSettings: (options: ProtocolOptions) => ProtocolSettings = perObject(
  (options: ProtocolOptions): ProtocolSettings => {
    const maxMessageBytes = checkLimit(
      "maxMessageBytes",
      options.maxMessageBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
    );
    return {
      maxMessageBytes,
      maxFrameBytes: checkLimit("maxFrameBytes", options.maxFrameBytes, maxMessageBytes),
      random: options.random ?? defaultRandom,
      masks: options.random === undefined ? sharedMasks : new MaskPool(options.random),
    };
  },
);

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new RangeError(`Invalid ${name}: ${value}`);
  return value;
}
