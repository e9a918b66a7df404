/**
 * A fixed, short workload of the core's hot paths, for instruction counts
 * that a shared machine's noise does not move (wall clock does):
 *
 * ```sh
 * npx tsc -p tsconfig.json
 * valgrind --tool=callgrind --callgrind-out-file=/dev/null node .build/bench/core-fixed.js receive-binary
 * ```
 *
 * Compare the "Collected" totals of two builds for one case; the case names
 * are the keys of CASES. Each case runs a warm-up (so the JIT has optimized
 * the code) and then the measured passes; both are the same for every build.
 */

import { Protocol } from "../src/core/protocol.js";

const FRAMES = 2000;
const PASSES = Number(process.env["PASSES"] ?? 200);

function maskedFrames(size: number, first: number): Uint8Array {
  const frame = new Uint8Array(2 + 4 + size);
  frame[0] = first;
  frame[1] = 0x80 | size;
  frame.set([0x12, 0x34, 0x56, 0x78], 2);
  // ASCII XOR ASCII stays ASCII: valid text however often it is unmasked in place.
  for (let i = 0; i < size; i++) frame[6 + i] = 0x61 + (i % 26);
  const all = new Uint8Array(frame.length * FRAMES);
  for (let i = 0; i < FRAMES; i++) all.set(frame, i * frame.length);
  return all;
}

function receive(first: number): () => number {
  const read = maskedFrames(64, first);
  const protocol = new Protocol("server");
  return () => {
    protocol.receiveData(read);
    return protocol.takeEvents().length;
  };
}

function send(role: "client" | "server", text: boolean): () => number {
  const protocol = new Protocol(role);
  const payload = new Uint8Array(64).fill(0x61);
  const string = "a".repeat(64);
  return () => {
    for (let i = 0; i < 64; i++) {
      if (text) protocol.sendText(string);
      else protocol.sendBinary(payload);
    }
    return protocol.takeOutput().chunks.length;
  };
}

const CASES: Record<string, () => () => number> = {
  "receive-binary": () => receive(0x82),
  "receive-text": () => receive(0x81),
  "send-binary": () => send("server", false),
  "send-text": () => send("server", true),
  "send-masked-binary": () => send("client", false),
};

const name = process.argv[2] ?? "receive-binary";
const make = CASES[name];
if (make === undefined) throw new Error(`Unknown case: ${name} (one of ${Object.keys(CASES)})`);
const pass = make();
let total = 0;
for (let i = 0; i < PASSES; i++) total += pass();
if (total === 0) throw new Error("nothing happened");
console.log(`${name}: ${PASSES} passes, ${total} results`);
