/**
 * ws's `perMessageDeflate` option, as our permessage-deflate factories (Node's
 * zlib, RFC 7692): ws's parameter names map one to one, `zlibDeflateOptions`
 * gives the level and memory level, and ws's `threshold` (1024 bytes: smaller
 * messages are sent uncompressed) becomes the default threshold.
 *
 * @module
 */

import {
  type NodePerMessageDeflateOptions,
  permessageDeflate,
} from "../node/permessage-deflate.js";

/** ws's `perMessageDeflate` options (those with a counterpart here; the others are ignored). */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  /** A number of bits, or `true` (client: ask for the server's default). */
  serverMaxWindowBits?: number | boolean;
  clientMaxWindowBits?: number | boolean;
  zlibDeflateOptions?: { level?: number; memLevel?: number };
  zlibInflateOptions?: object;
  /** Messages below this many bytes are sent uncompressed. Default 1024, as in ws. */
  threshold?: number;
  /** Accepted, unused: compression here is synchronous and bounded (no zlib thread pool to limit). */
  concurrencyLimit?: number;
}

// ws's default: payloads under 1 KiB are not compressed.
const WS_THRESHOLD_BYTES = 1024;

const cache = new WeakMap<object, ReturnType<typeof permessageDeflate>>();
let defaults: ReturnType<typeof permessageDeflate> | undefined;

/** The factories for ws's `perMessageDeflate` value, made once per options object. */
export function deflateFor(
  option: boolean | PerMessageDeflateOptions | undefined,
): ReturnType<typeof permessageDeflate> | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) {
    defaults ??= permessageDeflate({ thresholdBytes: WS_THRESHOLD_BYTES });
    return defaults;
  }
  let factories = cache.get(option);
  if (factories === undefined) {
    const o = option;
    const ours: {
      -readonly [K in keyof NodePerMessageDeflateOptions]: NodePerMessageDeflateOptions[K];
    } = {
      thresholdBytes: o.threshold ?? WS_THRESHOLD_BYTES,
    };
    if (o.serverNoContextTakeover !== undefined)
      ours.serverNoContextTakeover = o.serverNoContextTakeover;
    if (o.clientNoContextTakeover !== undefined)
      ours.clientNoContextTakeover = o.clientNoContextTakeover;
    if (typeof o.serverMaxWindowBits === "number") ours.serverMaxWindowBits = o.serverMaxWindowBits;
    if (typeof o.clientMaxWindowBits === "number") ours.clientMaxWindowBits = o.clientMaxWindowBits;
    const level = o.zlibDeflateOptions?.level;
    if (level !== undefined) ours.level = level;
    const memLevel = o.zlibDeflateOptions?.memLevel;
    if (memLevel !== undefined) ours.memLevel = memLevel;
    factories = permessageDeflate(ours);
    cache.set(option, factories);
  }
  return factories;
}
