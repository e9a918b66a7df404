/**
 * Our HPACK against an independent implementation: Python's `hpack` (Debian's python3-hpack).
 * Blocks we encode are decoded by Python's decoder and blocks Python encodes (with and without
 * Huffman coding, indexing everything it can, so its table evicts often) are decoded by ours,
 * over one long-lived context each, with table size changes between blocks.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type HeaderField,
  HpackDecoder,
  HpackEncoder,
} from "../../../../src/core/http2/hpack/index.js";
import { hex, toHex } from "./rfc-examples.js";

const PYTHON = "/usr/bin/python3";

/** Why the peer cannot run here, or undefined when it can. */
function unavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing (apt-get install python3 python3-hpack)`;
  const probe = spawnSync(PYTHON, ["-c", "import hpack"], { encoding: "utf8", timeout: 10_000 });
  if (probe.status !== 0) return `Python's hpack is missing (apt-get install python3-hpack)`;
  return undefined;
}
const skip = unavailable();

/**
 * The peer: reads a JSON job on stdin, answers JSON on stdout. Strings cross as latin1 (one
 * code unit per octet), bytes as hex.
 */
const SCRIPT = `
import json, sys
from hpack import Decoder, Encoder, NeverIndexedHeaderTuple
job = json.load(sys.stdin)
out = {}
if "decode" in job:
    d = Decoder(max_header_list_size=1 << 24)
    d.max_allowed_table_size = job["maxTableBytes"]
    decoded = []
    for block in job["decode"]:
        if isinstance(block, int):
            continue  # our encoder's table size changed; Python's decoder just follows the update
        fields = d.decode(bytes.fromhex(block), raw=True)
        decoded.append([[n.decode("latin1"), v.decode("latin1"), not f.indexable] for f in fields for n, v in [f]])
    out["decoded"] = decoded
if "encode" in job:
    e = Encoder()
    encoded = []
    for step in job["encode"]:
        if isinstance(step, int):
            e.header_table_size = step
            continue
        fields = [NeverIndexedHeaderTuple(n.encode("latin1"), v.encode("latin1")) if s else (n.encode("latin1"), v.encode("latin1")) for n, v, s in step["fields"]]
        encoded.append(e.encode(fields, huffman=step["huffman"]).hex())
    out["encoded"] = encoded
json.dump(out, sys.stdout)
`;

function runPeer(job: object): { decoded?: [string, string, boolean][][]; encoded?: string[] } {
  const result = spawnSync(PYTHON, ["-c", SCRIPT], {
    input: JSON.stringify(job),
    encoding: "utf8",
    timeout: 30_000,
    maxBuffer: 64 << 20,
  });
  assert.equal(result.status, 0, `Python's hpack failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const octet = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const name = fc.oneof(
  fc.constantFrom(
    ":authority",
    ":method",
    ":path",
    ":protocol",
    ":scheme",
    ":status",
    "sec-websocket-version",
    "sec-websocket-key",
    "sec-websocket-extensions",
    "user-agent",
    "cookie",
    "authorization",
    "content-length",
    "date",
    "x-trace",
  ),
  fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz-0123456789"), minLength: 1 }),
);
const value = fc.oneof(
  fc.constantFrom("", "GET", "CONNECT", "200", "/", "websocket", "13", "https", "a.example"),
  fc.string({ unit: octet, maxLength: 40 }),
  fc.string({ unit: "binary-ascii", maxLength: 300 }),
);
const fields = fc.array(fc.tuple(name, value), { maxLength: 10 });
/** Header lists, with a table size change (0-4096) now and then. */
const steps = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fields },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 4096 }) },
  ),
  { minLength: 50, maxLength: 50 },
);

describe("HPACK against Python's hpack (an independent peer)", { skip }, () => {
  it("Python decodes what we encode, never-indexed credentials included", () => {
    const runs = fc.sample(steps, { numRuns: 8, seed: 7541 }).flat();
    const encoder = new HpackEncoder();
    const job: (string | number)[] = [];
    for (const step of runs) {
      if (typeof step === "number") {
        encoder.setPeerMaxTableBytes(step);
        job.push(step);
      } else job.push(toHex(encoder.encode(step as HeaderField[])));
    }
    const { decoded } = runPeer({ decode: job, maxTableBytes: 4096 });
    const lists = runs.filter((s) => typeof s !== "number") as [string, string][][];
    assert.equal(decoded!.length, lists.length);
    lists.forEach((list, i) => {
      assert.deepEqual(
        decoded![i]!.map(([n, v]) => [n, v]),
        list,
        `block ${i}`,
      );
      // Credentials are never indexed, unless empty: then the static table's entry is sent.
      decoded![i]!.forEach(([n, v, never]) => {
        const credential = (n === "authorization" || n === "cookie") && v !== "";
        assert.equal(never, credential, `${n}: ${v} never indexed in block ${i}`);
      });
    });
  });

  it("we decode what Python encodes, with and without Huffman coding", () => {
    const runs = fc.sample(steps, { numRuns: 8, seed: 8441 }).flat();
    const job = runs.map((step, i) =>
      typeof step === "number"
        ? step
        : { fields: step.map(([n, v]) => [n, v, n === "cookie"]), huffman: i % 3 !== 0 },
    );
    const { encoded } = runPeer({ encode: job });
    const lists = runs.filter((s) => typeof s !== "number") as [string, string][][];
    assert.equal(encoded!.length, lists.length);
    const decoder = new HpackDecoder({ maxHeaderListBytes: 1 << 24 });
    let huffmanBlocks = 0;
    lists.forEach((list, i) => {
      const block = hex(encoded![i]!);
      if (block.some((b) => b & 0x80)) huffmanBlocks++;
      assert.deepEqual(decoder.decode(block), list, `block ${i}: ${encoded![i]}`);
    });
    assert.ok(huffmanBlocks > lists.length / 2);
  });

  it("Huffman strings of all 256 octets, from Python, decode to the same octets", () => {
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
    const reversed = [...all].reverse().join("");
    const job = [
      {
        fields: [
          ["x-all", all, true],
          ["x-reversed", reversed, true],
        ],
        huffman: true,
      },
    ];
    const { encoded } = runPeer({ encode: job });
    assert.deepEqual(new HpackDecoder().decode(hex(encoded![0]!)), [
      ["x-all", all],
      ["x-reversed", reversed],
    ]);
  });
});
