/**
 * Keeps V8's young generation at its starting size in the `serve` process.
 *
 * V8 doubles its young generation (two semispaces, up to 32 MiB together on
 * a 64-bit machine with enough memory) whenever as many bytes survived its
 * scavenges since the last growth as it holds. Growing is meant for programs
 * that allocate fast and whose objects die young; a server opening
 * connections sets it off for the opposite reason: every connection's
 * objects survive, because a connection lives long. The pages stay resident
 * after, even once V8 shrinks the space again when the process idles.
 * Measured with bench/idle-anatomy.ts (Node 24, 5,000 idle connections, RSS
 * by mapping and V8 heap space): of the CLI's 5.4 KiB per connection,
 * 3.3 KiB was the grown young generation and 2.5 KiB the connections' own
 * objects in the old generation; ws's 5.3 KiB was 2.9 and 2.5 KiB.
 *
 * The growth factor is read each time the space would grow, so it can be
 * set after startup, unlike the semispace size (`--max-semi-space-size`,
 * read when the heap is made). A short-lived object still dies young in the
 * starting 1 MiB semispace: the server's garbage per message or handshake is
 * a few hundred bytes, collected by more frequent scavenges of the same cost
 * each, since a scavenge's cost is what survives it, not the space's size.
 *
 * @module
 */

import { setFlagsFromString } from "node:v8";

/** Stops the young generation from growing (see the module's note); a no-op where V8's flags cannot be set. */
export function keepYoungGenerationSmall(): void {
  try {
    setFlagsFromString("--semi-space-growth-factor=1");
  } catch {
    // A runtime without V8 flags (Bun's node:v8): nothing to tune.
  }
}
