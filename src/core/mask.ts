/**
 * Masking (RFC 6455 5.3): XOR of the payload with a 4-byte key, repeated.
 *
 * Large payloads go through a WebAssembly SIMD kernel when the runtime can
 * compile one: copied into its memory, XORed 64 bytes per step, copied back.
 * Measured on Node 20 (bench/core.ts): about 17 GB/s for that round trip
 * against about 5 GB/s for the best JavaScript loop (32-bit words), which is
 * what lets a JavaScript library keep up with ws's native `bufferutil`. Where
 * WebAssembly cannot be compiled (Cloudflare Workers forbid it at run time) the
 * JavaScript loop does the work.
 *
 * @module
 */

// Typed-array words use the platform's byte order: the 32-bit key word is
// assembled through this scratch pair, so it is right on any host.
const scratchWord = new Uint32Array(1);
const scratchBytes = new Uint8Array(scratchWord.buffer);

// Below this many bytes the byte loop wins: a Uint32Array view costs more to
// create (about 50 ns) than the iterations it saves.
const WORD_THRESHOLD = 96;
// Below this many bytes the SIMD round trip (two copies and a call) costs
// more than the JavaScript loop.
const SIMD_THRESHOLD = 256;
// One WebAssembly page: the block size of the SIMD round trip.
const SIMD_BLOCK = 65536;

/**
 * The kernel, hand-assembled (it is 151 bytes; a toolchain for it would be a
 * heavier dependency than the bytes). One exported page of memory `m` and
 * `x(p, n, k)`, which XORs `n` bytes at `p` (a multiple of 64) with `k`
 * splatted into a 128-bit vector, four vectors per loop turn.
 */
function kernelBytes(): Uint8Array {
  const body = [0x02, 0x01, 0x7b, 0x01, 0x7f]; // locals: v128 $v, i32 $end
  body.push(0x20, 0x02, 0xfd, 0x11, 0x21, 0x03); // $v = i32x4.splat($k)
  body.push(0x20, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x04); // $end = $p + $n
  body.push(0x02, 0x40, 0x03, 0x40); // block, loop
  body.push(0x20, 0x00, 0x20, 0x04, 0x4f, 0x0d, 0x01); // br_if 1 ($p >= $end)
  for (const offset of [0, 16, 32, 48]) {
    // v128.store offset($p, v128.xor(v128.load offset($p), $v))
    body.push(0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, offset);
    body.push(0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, offset);
  }
  body.push(0x20, 0x00, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x00); // $p += 64
  body.push(0x0c, 0x00, 0x0b, 0x0b, 0x0b); // br 0, end loop, end block, end
  const code = [0x01, body.length, ...body];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version
    ...[0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00], // type (i32 i32 i32) -> ()
    ...[0x03, 0x02, 0x01, 0x00], // one function of that type
    ...[0x05, 0x03, 0x01, 0x00, 0x01], // one memory of one page
    ...[0x07, 0x09, 0x02, 0x01, 0x6d, 0x02, 0x00, 0x01, 0x78, 0x00, 0x00], // export m, x
    ...[0x0a, code.length, ...code],
  ]);
}

/** A compiled SIMD kernel and a view on its memory. */
export interface SimdKernel {
  readonly memory: Uint8Array;
  readonly xor: (pointer: number, length: number, word: number) => void;
}

/** Compiles the SIMD kernel, or returns `undefined` where the runtime cannot. */
export function compileKernel(bytes: Uint8Array = kernelBytes()): SimdKernel | undefined {
  try {
    // (The bytes are never a SharedArrayBuffer's; DOM-typed checkers, Deno's for JSR, want it said.)
    const instance = new WebAssembly.Instance(
      new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>),
    );
    const memory = instance.exports["m"] as WebAssembly.Memory;
    const xor = instance.exports["x"] as SimdKernel["xor"];
    return { memory: new Uint8Array(memory.buffer), xor };
  } catch {
    return undefined;
  }
}

let kernel = compileKernel();

/**
 * Chooses the masking code: the SIMD kernel (the default where it compiles)
 * or JavaScript only. Returns whether SIMD is now in use. For tests and
 * benchmarks.
 */
export function useSimd(enabled: boolean): boolean {
  kernel = enabled ? compileKernel() : undefined;
  return kernel !== undefined;
}

/** The key rotated so that its first byte applies to payload byte `offset`. */
function rotate(key: number, offset: number): number {
  const shift = (offset & 3) * 8;
  return shift === 0 ? key : ((key << shift) | (key >>> (32 - shift))) >>> 0;
}

/** The rotated key as a 32-bit word in the platform's byte order, for word-wise XOR. */
function keyWord(rotated: number): number {
  scratchBytes[0] = rotated >>> 24;
  scratchBytes[1] = (rotated >>> 16) & 0xff;
  scratchBytes[2] = (rotated >>> 8) & 0xff;
  scratchBytes[3] = rotated & 0xff;
  return scratchWord[0]!;
}

/**
 * Copies `source[start..end)` to `target` at `targetOffset`, unmasking it on
 * the way with `key` (the 4 key bytes as a big-endian 32-bit number, as on the
 * wire) where `source[start]` is payload byte number `offset`. One pass where
 * a copy then an in-place unmask would make two.
 */
export function copyMasked(
  source: Uint8Array,
  start: number,
  end: number,
  target: Uint8Array,
  targetOffset: number,
  key: number,
  offset: number,
): void {
  if (kernel !== undefined && end - start >= SIMD_THRESHOLD) {
    simdMask(kernel, source, start, end, target, targetOffset, rotate(key, offset));
    return;
  }
  target.set(source.subarray(start, end), targetOffset);
  applyMask(target, targetOffset, targetOffset + end - start, key, offset);
}

/**
 * XORs `data[start..end)` in place with the masking key `key` (the 4 key
 * bytes as a big-endian 32-bit number, as they appear on the wire), where
 * `data[start]` is payload byte number `offset` (so that a payload that
 * arrives in pieces can be unmasked piece by piece). A number rather than
 * bytes: taking the key out of the frame header then costs no allocation.
 */
export function applyMask(
  data: Uint8Array,
  start: number,
  end: number,
  key: number,
  offset: number,
): void {
  const rotated = rotate(key, offset);
  const length = end - start;
  if (length >= WORD_THRESHOLD) {
    if (kernel !== undefined && length >= SIMD_THRESHOLD) {
      simdMask(kernel, data, start, end, data, start, rotated);
    } else {
      applyMaskWords(data, wordsOf(data), start, end, key, offset);
    }
    return;
  }
  const k0 = rotated >>> 24;
  const k1 = (rotated >>> 16) & 0xff;
  const k2 = (rotated >>> 8) & 0xff;
  const k3 = rotated & 0xff;
  let i = start;
  for (; i + 3 < end; i += 4) {
    data[i]! ^= k0;
    data[i + 1]! ^= k1;
    data[i + 2]! ^= k2;
    data[i + 3]! ^= k3;
  }
  if (i < end) data[i++]! ^= k0;
  if (i < end) data[i++]! ^= k1;
  if (i < end) data[i]! ^= k2;
}

function simdMask(
  simd: SimdKernel,
  source: Uint8Array,
  start: number,
  end: number,
  target: Uint8Array,
  targetOffset: number,
  rotated: number,
): void {
  // Blocks start at multiples of 64 KiB from `start`, so the key phase is
  // the same for every block.
  const word = keyWord(rotated);
  const memory = simd.memory;
  for (let at = start; at < end; at += SIMD_BLOCK) {
    const n = Math.min(SIMD_BLOCK, end - at);
    memory.set(source.subarray(at, at + n));
    simd.xor(0, (n + 63) & ~63, word);
    target.set(memory.subarray(0, n), targetOffset + at - start);
  }
}

/** A 32-bit view on the 4-aligned words of `data`, to pass to {@link applyMaskWords}. */
export function wordsOf(data: Uint8Array): Uint32Array {
  const head = (4 - (data.byteOffset & 3)) & 3;
  return new Uint32Array(
    data.buffer,
    data.byteOffset + head,
    Math.max(0, (data.length - head) >>> 2),
  );
}

/**
 * {@link applyMask} with a words view of `data` made once by {@link wordsOf}:
 * the parser unmasks every frame of a read through one view, so a small
 * payload costs no view of its own (about 40 ns each; unmasking 64-byte
 * frames byte by byte took a third of the time to receive them).
 */
export function applyMaskWords(
  data: Uint8Array,
  words: Uint32Array,
  start: number,
  end: number,
  key: number,
  offset: number,
): void {
  const length = end - start;
  if (length < 8 || (kernel !== undefined && length >= SIMD_THRESHOLD)) {
    applyMask(data, start, end, key, offset);
    return;
  }
  const rotated = rotate(key, offset);
  // Index in `data` of words[0], then the bytes before the first aligned word.
  const wordsStart = (4 - (data.byteOffset & 3)) & 3;
  const head = (wordsStart - start) & 3;
  let i = start;
  for (; i < start + head; i++) data[i]! ^= (rotated >>> (24 - 8 * (i - start))) & 0xff;
  const word = keyWord(rotate(rotated, head));
  const first = (i - wordsStart) >>> 2;
  const last = first + ((end - i) >>> 2);
  for (let w = first; w < last; w++) words[w]! ^= word;
  i += (last - first) << 2;
  for (let j = head; i < end; i++, j++) data[i]! ^= (rotated >>> (24 - 8 * (j & 3))) & 0xff;
}
