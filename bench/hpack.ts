/**
 * HPACK speed, run by hand (not a test): `npm run bench:hpack`. Prints ns per header block, best of rounds, for
 * the blocks an extended CONNECT (RFC 8441) opening exchanges: a browser-like request head of 10
 * fields, first on a connection (all literals, raw or Huffman-coded as browsers send them) and
 * again (mostly indexed), and the response. Figures on a shared machine are rough.
 */

import { ByteWriter } from "../src/core/http2/hpack/byte-writer.js";
import { huffmanEncode, huffmanEncodedLength } from "../src/core/http2/hpack/huffman.js";
import { type HeaderField, HpackDecoder, HpackEncoder } from "../src/core/http2/hpack/index.js";
import { writeInteger } from "../src/core/http2/hpack/integer.js";

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
const ITERATIONS = Number(process.env["BENCH_ITERATIONS"] ?? 100_000);

const request: HeaderField[] = [
  [":method", "CONNECT"],
  [":protocol", "websocket"],
  [":scheme", "https"],
  [":path", "/chat?room=42"],
  [":authority", "server.example.com"],
  ["sec-websocket-version", "13"],
  ["origin", "https://www.example.com"],
  ["sec-websocket-extensions", "permessage-deflate; client_max_window_bits"],
  [
    "user-agent",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
  ],
  ["sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="],
];
const keys = Array.from(
  { length: 256 },
  (_, i) => `${i.toString(36).padStart(4, "0")}IHNhbXBsZSBub25jZQ==`,
);

/** The request as a browser sends it: every field a literal with indexing, Huffman-coded. */
function huffmanBlock(fields: readonly HeaderField[]): Uint8Array {
  const writer = new ByteWriter();
  for (const [name, value] of fields) {
    writeInteger(writer, 0, 6, 0x40);
    for (const s of [name, value]) {
      writeInteger(writer, huffmanEncodedLength(s), 7, 0x80);
      huffmanEncode(writer, s);
    }
  }
  return writer.take();
}

function bench(label: string, run: (i: number) => unknown): void {
  let sink: unknown;
  for (let i = 0; i < ITERATIONS / 10; i++) sink = run(i);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) sink = run(i);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / ITERATIONS);
  }
  if (sink === undefined) throw new Error("nothing measured");
  console.log(`${label.padEnd(58)} ${best.toFixed(0).padStart(6)} ns`);
}

const raw = new HpackEncoder().encode(request);
const huffman = huffmanBlock(request);
const warm = new HpackEncoder();
warm.encode(request);
const again = warm.encode(request);
const decoder = new HpackDecoder();
decoder.decode(raw);

console.log(
  `request head: ${request.length} fields; blocks ${raw.length} B raw, ${huffman.length} B Huffman, ${again.length} B repeated`,
);
bench("decode request, first on a connection (raw literals)", () => new HpackDecoder().decode(raw));
bench("decode request, first on a connection (Huffman literals)", () =>
  new HpackDecoder().decode(huffman),
);
bench("decode request, repeated (indexed)", () => decoder.decode(again));
bench("encode request, first on a connection", () => new HpackEncoder().encode(request));
const encoder = new HpackEncoder();
const fields = request.slice();
bench("encode request, repeated, a new sec-websocket-key each", (i) => {
  fields[9] = ["sec-websocket-key", keys[i & 255]!];
  return encoder.encode(fields);
});
bench("encode response [:status 200]", () => encoder.encode([[":status", "200"]]));
