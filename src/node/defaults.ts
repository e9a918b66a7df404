/**
 * What Node's server and client share: the after-this-turn primitive for
 * write coalescing and the permessage-deflate negotiated by default. Both
 * sides import them from here (neither reaches into the other).
 *
 * @module
 */

import type { Defer } from "../connection/transport.js";
import { permessageDeflate } from "./permessage-deflate.js";

/** Node's after-this-turn primitive, for write coalescing. */
export const nodeDefer: Defer = (callback) => void setImmediate(callback);

/**
 * permessage-deflate on Node's zlib, negotiated by default by `serve()` and
 * `connect()` (pass `compression: null` to turn it off). Its defaults (4 KiB
 * window, codecs created on first use and shared when there is no context
 * takeover) keep an idle connection free of zlib memory.
 */
export const defaultCompression: ReturnType<typeof permessageDeflate> = permessageDeflate();
