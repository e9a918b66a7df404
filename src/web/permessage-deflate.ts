/**
 * permessage-deflate where `node:zlib` does not exist: the core's factories
 * with the pure-JavaScript fflate codec filled in.
 *
 * @module
 */

import {
  type PerMessageDeflateFactories,
  type PerMessageDeflateOptions,
  type PerMessageDeflateOptionsWithDefaultCodec,
  perMessageDeflateFactories,
} from "../core/extensions/permessage-deflate.js";
import { fflateCodec } from "./fflate-codec.js";

/** {@link PerMessageDeflateOptions} with the codec optional (fflate by default). */
export type WebPerMessageDeflateOptions = PerMessageDeflateOptionsWithDefaultCodec;

/**
 * permessage-deflate factories for both roles on fflate.
 *
 * @example
 * ```ts
 * const deflate = permessageDeflate();
 * const connection = await connect(url, { compression: [deflate.client] });
 * ```
 * @throws RangeError for out-of-range options
 */
export function permessageDeflate(
  options: WebPerMessageDeflateOptions = {},
): PerMessageDeflateFactories {
  return perMessageDeflateFactories(options, fflateCodec);
}
