/**
 * permessage-deflate for Node: the core's factories with the native zlib
 * codec filled in. The Node entry point uses {@link permessageDeflate} as its
 * default extension.
 *
 * @module
 */

import {
  type PerMessageDeflateFactories,
  type PerMessageDeflateOptions,
  type PerMessageDeflateOptionsWithDefaultCodec,
  perMessageDeflateFactories,
} from "../core/extensions/permessage-deflate.js";
import { zlibCodec } from "./zlib-codec.js";

/** {@link PerMessageDeflateOptions} with the codec optional (native zlib by default). */
export type NodePerMessageDeflateOptions = PerMessageDeflateOptionsWithDefaultCodec;

/**
 * permessage-deflate factories for both roles on Node's native zlib.
 *
 * @example
 * ```ts
 * const deflate = permessageDeflate({ serverMaxWindowBits: 10 });
 * // server: new ServerProtocol({ extensions: [deflate.server] })
 * // client: new ClientProtocol(url, { extensions: [deflate.client] })
 * ```
 * @throws RangeError for out-of-range options
 */
export function permessageDeflate(
  options: NodePerMessageDeflateOptions = {},
): PerMessageDeflateFactories {
  return perMessageDeflateFactories(options, zlibCodec);
}
