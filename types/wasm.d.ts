// WebAssembly, for the SIMD masking kernel (src/core/mask.ts). It exists in
// every runtime we target; where compiling is not allowed (Cloudflare Workers)
// the core falls back to JavaScript. Only the members the core uses.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: object);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
}
