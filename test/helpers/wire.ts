/**
 * An independent, deliberately simple frame codec for tests: it builds the
 * bytes a peer would send and decodes what the protocol wrote, so the core is
 * checked against something other than itself.
 */

export interface WireFrame {
  fin: boolean;
  rsv: number; // 0..7 (RSV1 = 4)
  opcode: number;
  masked: boolean;
  key: Uint8Array | undefined;
  payload: Uint8Array;
  headerBytes: number;
}

export interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  payload?: Uint8Array | string | readonly number[];
  /** A 4-byte masking key; omit for an unmasked frame. */
  mask?: Uint8Array | readonly number[];
  /** Force a length encoding: 7, 16 or 64 bits. */
  lengthBits?: 7 | 16 | 64;
  /** Override the length field (lying about the payload size). */
  length?: bigint;
}

const encoder = new TextEncoder();

export function bytes(data: Uint8Array | string | readonly number[]): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  return data instanceof Uint8Array ? data : Uint8Array.from(data);
}

export function frame(spec: FrameSpec): Uint8Array {
  const payload = bytes(spec.payload ?? new Uint8Array(0));
  const length = spec.length ?? BigInt(payload.length);
  const bits = spec.lengthBits ?? (length < 126n ? 7 : length < 65536n ? 16 : 64);
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode];
  const maskBit = spec.mask ? 0x80 : 0;
  if (bits === 7) head.push(maskBit | Number(length));
  else if (bits === 16)
    head.push(maskBit | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
  else {
    head.push(maskBit | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((length >> BigInt(i * 8)) & 0xffn));
  }
  const body = Uint8Array.from(payload);
  if (spec.mask) {
    head.push(...spec.mask);
    for (let i = 0; i < body.length; i++) body[i]! ^= spec.mask[i % 4]!;
  }
  return concat([Uint8Array.from(head), body]);
}

/** A masked frame as a client sends it, with a fixed arbitrary key. */
export function clientFrame(spec: Omit<FrameSpec, "mask">): Uint8Array {
  return frame({ ...spec, mask: [0x37, 0xfa, 0x21, 0x3d] });
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decodes every frame in `data`; throws if the data does not end on a frame boundary. */
export function parseFrames(data: Uint8Array): WireFrame[] {
  const frames: WireFrame[] = [];
  let pos = 0;
  while (pos < data.length) {
    const b0 = data[pos]!;
    const b1 = data[pos + 1]!;
    let length = b1 & 0x7f;
    let at = pos + 2;
    if (length === 126) {
      length = (data[at]! << 8) | data[at + 1]!;
      at += 2;
    } else if (length === 127) {
      length = 0;
      for (let i = 0; i < 8; i++) length = length * 256 + data[at + i]!;
      at += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    let key: Uint8Array | undefined;
    if (masked) {
      key = data.slice(at, at + 4);
      at += 4;
    }
    if (at + length > data.length) throw new Error("truncated frame in output");
    const payload = data.slice(at, at + length);
    if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
    frames.push({
      fin: (b0 & 0x80) !== 0,
      rsv: (b0 >> 4) & 7,
      opcode: b0 & 0x0f,
      masked,
      key,
      payload,
      headerBytes: at - pos,
    });
    pos = at + length;
  }
  return frames;
}

export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}
