/**
 * Writing an HTTP/2 session's output (a turn's frames, for every stream) to
 * its socket with as few writes and copies as the chunks allow.
 *
 * @module
 */

import type { Socket } from "node:net";

// As in SocketTransport: batches up to this size are copied into one buffer
// and written with one `socket.write`; larger ones hold payloads that the
// core queued without a copy, so they are corked and leave in one writev.
const CONCAT_LIMIT = 16 * 1024;

// A chunk this large is written as it is, not copied.
const LARGE_CHUNK_BYTES = 1024;

/** Writes chunks [from, to) of `chunks` (`bytes` in all) as one buffer, or the one chunk. */
function writeRun(
  socket: Socket,
  chunks: Uint8Array[],
  from: number,
  to: number,
  bytes: number,
): void {
  if (to - from === 1) socket.write(chunks[from]!);
  else socket.write(Buffer.concat(chunks.slice(from, to), bytes));
}

/**
 * Writes `chunks` in order: as one buffer when they are few bytes in all,
 * else corked into one writev, runs of small chunks copied together and
 * large ones (DATA payloads, views of the caller's bytes) as they are.
 */
export function writeChunks(socket: Socket, chunks: Uint8Array[]): void {
  if (socket.destroyed || chunks.length === 0) return;
  if (chunks.length === 1) {
    socket.write(chunks[0]!);
    return;
  }
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  if (length <= CONCAT_LIMIT) {
    socket.write(Buffer.concat(chunks, length));
    return;
  }
  // Many streams' small frames (a turn of 64 B echoes: a frame header and a
  // payload each) are copied together, large payloads written as they
  // are: a socket.write per chunk cost more than copying a small one.
  socket.cork();
  let from = 0;
  let small = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    if (chunk.length < LARGE_CHUNK_BYTES) {
      small += chunk.length;
      continue;
    }
    if (i > from) writeRun(socket, chunks, from, i, small);
    socket.write(chunk);
    from = i + 1;
    small = 0;
  }
  if (chunks.length > from) writeRun(socket, chunks, from, chunks.length, small);
  socket.uncork();
}
