/**
 * permessage-deflate where `node:zlib` does not exist: the core's factories
 * with the pure-JavaScript fflate codec filled in.
 *
 * @module
 */

import {
  ClientPerMessageDeflateFactory,
  type PerMessageDeflateOptions,
  ServerPerMessageDeflateFactory,
} from "../core/extensions/permessage-deflate.js";
import { fflateCodec } from "./fflate-codec.js";

/** {@link PerMessageDeflateOptions} with the codec optional (fflate by default). */
export type WebPerMessageDeflateOptions = Omit<PerMessageDeflateOptions, "codec"> & {
  readonly codec?: PerMessageDeflateOptions["codec"];
};

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
export function permessageDeflate(options: WebPerMessageDeflateOptions = {}): {
  readonly client: ClientPerMessageDeflateFactory;
  readonly server: ServerPerMessageDeflateFactory;
} {
  const full = { ...options, codec: options.codec ?? fflateCodec };
  return {
    client: new ClientPerMessageDeflateFactory(full),
    server: new ServerPerMessageDeflateFactory(full),
  };
}
