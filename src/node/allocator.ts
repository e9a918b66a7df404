/**
 * Keeps the C allocator from giving memory back to the kernel between two
 * garbage collections, for a process that receives large messages.
 *
 * Measured reason (1 MiB echo on Node 24, docs/benchmarks.md, bench/large-alloc.ts):
 * V8 13.6 (Node 24) frees unreachable ArrayBuffers only at mark-compacts,
 * tens of megabytes at a time, where Node 20 and 22 freed them at frequent
 * scavenges. glibc's malloc then finds a large free block at the top of its
 * heap and trims it (gives it back to the kernel), and the next messages'
 * buffers fault their pages in again: about 140 page faults per message
 * where Node 20 took 25, at about 25 µs each on the benchmark machine, which
 * was most of the server's CPU (about 1 ms per message plus 25 µs per fault).
 *
 * glibc raises its mmap threshold, and its trim threshold to twice that,
 * when a block it had mapped on its own is freed (`mallopt(3)`, "dynamic
 * mmap threshold"): freeing one block just under its 32 MiB ceiling makes
 * later buffers up to that size come from the heap, and keeps up to 64 MiB
 * of free heap for reuse instead of trimming it. What
 * `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=...:glibc.malloc.trim_threshold=...`
 * does from outside, done from inside, once per process, on the first large
 * message. The block is never touched, so it costs no resident memory;
 * under another allocator (musl, Bun's mimalloc) it is one allocation and one
 * free. The cost: after a burst of large messages, up to 64 MiB of freed
 * memory stays with the process instead of going back to the kernel.
 *
 * @module
 */

// glibc's ceiling for the dynamic threshold is 4 MiB × sizeof(long): 32 MiB
// on 64-bit. Less 64 KiB, so that the block with its header stays under it.
const PRIME_BYTES = 32 * 1024 * 1024 - 64 * 1024;

let primed = false;

/** `ArrayBuffer.prototype.transfer` (ES2024), unknown to the es2023 lib this package compiles against. */
export type Detachable = ArrayBuffer & { transfer?: (newLength?: number) => ArrayBuffer };

/** Raises glibc's mmap and trim thresholds (see the module's comment); once per process. */
export function primeAllocator(): void {
  if (primed) return;
  primed = true;
  try {
    // Detached at once, so freed now rather than at the next collection.
    (new ArrayBuffer(PRIME_BYTES) as Detachable).transfer?.(0);
  } catch {
    // No 32 MiB to reserve (a tight memory limit): the thresholds stay as
    // they were, and the message goes on; a peer's message never throws here.
  }
}
