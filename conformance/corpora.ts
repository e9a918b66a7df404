/**
 * The data sets of the compression cases (12.x, 13.x), generated deterministically.
 *
 * Autobahn slices its messages from five files (a JSON report, a BMP image, a Gutenberg text,
 * an HTML page and a PDF). We ship none of them: AUTOBAHN.md notes that a re-implementation may
 * use its own corpora of similar size and compressibility. Each generator below builds a file of
 * the catalogue's exact size (and, for text, code-point count) with the same character: JSON and
 * HTML compress well, the image and the PDF's compressed streams barely compress, the prose
 * sits between. The same seed gives the same bytes on every run.
 */
import { deflateRawSync } from "node:zlib";
import type { Case, DatasetSpec } from "./catalogue.js";

/** A data set as UTF-8 bytes plus the byte offset of every code point (text) or byte. */
export interface Corpus {
  readonly bytes: Uint8Array;
  /** Start offset of code point i (text data sets); `undefined` for binary data sets. */
  readonly codePointOffsets?: Uint32Array;
  readonly units: number;
}

/** A small deterministic PRNG (mulberry32): corpora must not change between runs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Repeats `text` and cuts it at exactly `codePoints` code points. */
function cutText(text: string, codePoints: number): string {
  const cps = Array.from(text);
  const out: string[] = [];
  for (let i = 0; out.length < codePoints; i++) out.push(cps[i % cps.length]!);
  return out.join("");
}

function jsonText(cases: readonly Case[], codePoints: number): string {
  // An index of results, like Autobahn's data1.json, escaped to ASCII as Python's json does.
  const index: Record<string, Record<string, unknown>> = {};
  for (const c of cases) {
    index[c.id] = {
      behavior: "OK",
      behaviorClose: "OK",
      duration: c.id.length * 3,
      summary: c.expect.summary,
    };
  }
  const text = JSON.stringify({ AutobahnPython: index }, null, 3).replace(
    /[\u0080-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return cutText(text, codePoints);
}

function htmlText(cases: readonly Case[], codePoints: number): string {
  const rows = cases.map(
    (c) =>
      `<tr class="case"><td><a href="#case_${c.id}">${c.id}</a></td><td>${c.description.replace(/</g, "&lt;")}</td></tr>`,
  );
  const text = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Résumé — Übersicht</title></head>\n<body><table>\n${rows.join("\n")}\n</table></body></html>\n`;
  return cutText(text, codePoints);
}

/** A greyscale 8-bit BMP with a smooth picture plus sensor-like noise (compresses poorly). */
function bmpBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const width = 512;
  const header = 54 + 1024;
  const height = Math.max(1, Math.floor((size - header) / width));
  out.set([0x42, 0x4d]);
  view.setUint32(2, size, true);
  view.setUint32(10, header, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 8, true);
  for (let i = 0; i < 256; i++) out.set([i, i, i, 0], 54 + i * 4);
  const rand = prng(0x1e4a);
  for (let i = header; i < size; i++) {
    const x = (i - header) % width;
    const y = Math.floor((i - header) / width);
    const v = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + 40 * Math.sin((x + y) / 91);
    out[i] = Math.max(0, Math.min(255, Math.round(v + (rand() - 0.5) * 48)));
  }
  return out;
}

const WORDS =
  "Habe nun ach Philosophie Juristerei und Medizin und leider auch Theologie durchaus studiert mit heißem Bemühn da steh ich nun ich armer Tor und bin so klug als wie zuvor heiße Magister heiße Doktor gar und ziehe schon an die zehen Jahr herauf herab und quer und krumm meine Schüler an der Nase herum und sehe daß wir nichts wissen können das will mir schier das Herz verbrennen Zwar bin ich gescheiter als all die Laffen Schreiber und Pfaffen mich plagen keine Skrupel noch Zweifel fürchte mich weder vor Hölle noch Teufel".split(
    " ",
  );

/** German verse built from a word list (compresses like prose: about 2.5 to 1). */
function proseBytes(size: number): Uint8Array {
  const rand = prng(0xfa057);
  let s = "";
  while (Buffer.byteLength(s) < size) {
    const n = 4 + Math.floor(rand() * 6);
    const line: string[] = [];
    for (let i = 0; i < n; i++) line.push(WORDS[Math.floor(rand() * WORDS.length)]!);
    s += `${rand() < 0.1 ? "FAUST:\n" : ""}${line.join(" ")}${rand() < 0.5 ? "," : "."}\n`;
  }
  return new Uint8Array(Buffer.from(s).subarray(0, size));
}

/** A PDF-like file: small text objects around FlateDecode streams (mostly incompressible). */
function pdfBytes(size: number): Uint8Array {
  const rand = prng(0x9df);
  const parts: Buffer[] = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let total = parts[0]!.length;
  for (let obj = 1; total < size; obj++) {
    const text = Buffer.from(proseBytes(4096 + Math.floor(rand() * 4096)));
    for (let i = 0; i < text.length; i += 7) text[i] = Math.floor(rand() * 256);
    const stream = deflateRawSync(text);
    const head = Buffer.from(
      `${obj} 0 obj\n<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`,
    );
    const tail = Buffer.from("\nendstream\nendobj\n");
    parts.push(head, stream, tail);
    total += head.length + stream.length + tail.length;
  }
  return new Uint8Array(Buffer.concat(parts).subarray(0, size));
}

function textCorpus(text: string): Corpus {
  const bytes = new Uint8Array(Buffer.from(text, "utf8"));
  const offsets: number[] = [];
  for (let i = 0; i < bytes.length; i++) if ((bytes[i]! & 0xc0) !== 0x80) offsets.push(i);
  offsets.push(bytes.length);
  return { bytes, codePointOffsets: Uint32Array.from(offsets), units: offsets.length - 1 };
}

const cache = new Map<string, Corpus>();

/** The corpus of a data set (built once per process). */
export function corpusFor(spec: DatasetSpec, cases: readonly Case[]): Corpus {
  const hit = cache.get(spec.dataset);
  if (hit) return hit;
  let corpus: Corpus;
  if (spec.text_code_points !== null) {
    const text = spec.dataset.startsWith("html")
      ? htmlText(cases, spec.text_code_points)
      : jsonText(cases, spec.text_code_points);
    corpus = textCorpus(text);
  } else {
    const make =
      spec.dataset === "lena512" ? bmpBytes : spec.dataset === "ooms" ? pdfBytes : proseBytes;
    const bytes = make(spec.file_bytes);
    corpus = { bytes, units: bytes.length };
  }
  cache.set(spec.dataset, corpus);
  return corpus;
}

/**
 * Message `index` of an echo loop: the next `len` units (bytes, or code points of text) of the
 * corpus, as a window that wraps around at the end.
 */
export function corpusSlice(corpus: Corpus, index: number, len: number): Uint8Array {
  const start = (index * len) % corpus.units;
  const pieces: Uint8Array[] = [];
  let at = start;
  let left = len;
  while (left > 0) {
    const n = Math.min(left, corpus.units - at);
    const offs = corpus.codePointOffsets;
    pieces.push(
      offs ? corpus.bytes.subarray(offs[at]!, offs[at + n]!) : corpus.bytes.subarray(at, at + n),
    );
    left -= n;
    at = 0;
  }
  return pieces.length === 1 ? pieces[0]! : new Uint8Array(Buffer.concat(pieces));
}
