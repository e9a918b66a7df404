// ws's PerMessageDeflate, typed: the reference implementation that the
// permessage-deflate interop test checks us against and that bench/deflate.ts
// measures us against. ws does not export it from its types, so it is
// required and given the part of its interface both use.

import { createRequire } from "node:module";

/** The part of ws's `PerMessageDeflate` the interop test and the benchmark use. */
export interface WsDeflate {
  offer(): Record<string, unknown>;
  accept(configurations: Record<string, unknown[]>[]): Record<string, unknown>;
  compress(data: Buffer, fin: boolean, cb: (error: Error | null, out?: Buffer) => void): void;
  decompress(data: Buffer, fin: boolean, cb: (error: Error | null, out?: Buffer) => void): void;
  cleanup(): void;
}

const require = createRequire(import.meta.url);

/** ws's `PerMessageDeflate` class. */
export const WsPerMessageDeflate = require("ws").PerMessageDeflate as new (
  options: Record<string, unknown>,
) => WsDeflate;
