/**
 * Runs one catalogue case over an open WebSocket connection (after the opening handshake), in
 * either role, and returns what the fuzzer observed. The verdict is computed separately
 * (verdict.ts) so that it can be tested without sockets.
 *
 * The mechanics copy Autobahn's (AUTOBAHN.md section 3): raw frames written back to back,
 * frame-wise or chopped; waits that go ahead only while the connection is open; kill, close and
 * deadline timers; automatic close once the events equal a single expected outcome; a 1 s
 * close-handshake timeout; and, as a client, 1 s for the server to drop TCP.
 */
import type { Socket } from "node:net";
import { setImmediate as yieldLoop } from "node:timers/promises";
import type { Case, CompressedMessageSpec, FrameStep, Step } from "./catalogue.js";
import { payloadBytes } from "./catalogue.js";
import { corpusFor, corpusSlice } from "./corpora.js";
import { DeflateCodec, type DeflateParams } from "./deflate.js";
import {
  applyMask,
  encodeFrame,
  encodeHeader,
  type Frame,
  FrameReader,
  isValidUtf8,
  newMaskKey,
  OPCODE,
  PeerViolation,
  parseCloseBody,
} from "./frames.js";
import type { Observation, RecordedEvent } from "./verdict.js";
import { eventOutcomes, eventsMatch } from "./verdict.js";

/** Options for {@link runCase}. */
export interface RunOptions {
  readonly role: "client" | "server";
  /** The negotiated permessage-deflate parameters, or `null`. */
  readonly deflate: DeflateParams | null;
  /** The whole catalogue (the compression corpora are built from it). */
  readonly catalogue: readonly Case[];
  /** Scales the 12.x and 13.x loop counts (1 = Autobahn's 1000 messages); fast uses less. */
  readonly loopScale?: number;
  /** Close-handshake and TCP-drop timeouts, in ms (Autobahn: 1000). */
  readonly closeTimeoutMs?: number;
}

/** The observation of a case plus its duration. */
export interface RunResult {
  readonly observation: Observation;
  readonly durationMs: number;
  /** Echo-loop messages actually sent (the fast profile sends fewer than the catalogue). */
  readonly loopCount?: number;
}

/** Upper bound on a message the fuzzer accepts back (the largest case sends 16 MiB). */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

type EchoWaiter = (e: RecordedEvent & { event: "message" }) => void;

/** Runs case `c` on `socket`; `initial` holds bytes that arrived with the handshake. */
export function runCase(
  c: Case,
  socket: Socket,
  initial: Uint8Array,
  options: RunOptions,
): Promise<RunResult> {
  return new Session(c, socket, options).run(initial);
}

class Session {
  readonly #c: Case;
  readonly #socket: Socket;
  readonly #o: RunOptions;
  readonly #reader: FrameReader;
  readonly #codec: DeflateCodec | null;
  readonly #closeTimeoutMs: number;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #events: RecordedEvent[] = [];
  readonly #violations: string[] = [];
  #pending: Uint8Array[] = [];
  #state: "open" | "closing" | "closed" = "open";
  #fuzzerSentClose = false;
  #peerSentClose = false;
  #initiator: "fuzzer" | "peer" | null = null;
  #handshakeDone = false;
  #clean = false;
  #droppedByFuzzer = false;
  #peerCloseCode: number | null = null;
  #loop: { done: boolean; failure?: string } | undefined;
  #loopCount: number | undefined;
  #echoWaiter: EchoWaiter | undefined;
  #input: Promise<void> = Promise.resolve();
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #messageOpcode = 0;
  #messageCompressed = false;
  #streamMask: Uint8Array | null = null;
  #streamOffset = 0;
  /** Type and length of the single message a 9.1 to 9.6 case waits for. */
  #timedEcho: { opcode: number; length: number } | undefined;

  constructor(c: Case, socket: Socket, options: RunOptions) {
    this.#c = c;
    this.#socket = socket;
    this.#o = options;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 1000;
    this.#reader = new FrameReader({
      expectMasked: options.role === "server",
      allowRsv1: options.deflate !== null,
      maxFrameBytes: MAX_MESSAGE_BYTES,
    });
    this.#codec = options.deflate ? new DeflateCodec(options.deflate, options.role) : null;
  }

  run(initial: Uint8Array): Promise<RunResult> {
    const started = performance.now();
    const socket = this.#socket;
    socket.setNoDelay(true);
    return new Promise((resolve) => {
      socket.on("data", (chunk: Buffer) => this.#onData(chunk));
      // End and close go through the same queue as data, so that a close frame followed at
      // once by FIN is processed in wire order.
      socket.on("end", () => {
        this.#input = this.#input.then(() => this.#onPeerEnd());
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        this.#input = this.#input.then(() => this.#finish(started, resolve));
      });
      // A hard stop so that no case can hang the suite.
      const ceiling = (this.#c.timing.deadline_s ?? 30) * 1000 + 15_000;
      this.#timer(ceiling, () => this.#drop());
      if (this.#c.deflate && !this.#o.deflate) {
        // Autobahn closes at once when deflate was not negotiated: UNIMPLEMENTED.
        this.#sendClose(1000);
      } else {
        if (this.#c.timing.deadline_s !== undefined) {
          const seconds = this.#c.timing.deadline_s;
          this.#timer(seconds * 1000, () => {
            if (this.#loop && !this.#loop.done) {
              this.#loop.failure = `Not finished within the ${seconds} s deadline`;
            }
            this.#sendClose(null);
          });
        }
        if (this.#c.expect.behavior === "echo-timed" && c0IsSingle(this.#c)) this.#armTimedEcho();
        void this.#runSteps().catch((e: unknown) => this.#violation(`fuzzer error: ${e}`));
      }
      if (initial.length > 0) this.#onData(initial);
      socket.resume();
    });
  }

  #finish(started: number, resolve: (r: RunResult) => void): void {
    this.#onPeerEnd();
    for (const t of this.#timers) clearTimeout(t);
    this.#codec?.close();
    if (this.#loop && !this.#loop.done && !this.#loop.failure) {
      this.#loop.failure = "The connection closed before every echo arrived";
    }
    this.#echoWaiter = undefined;
    resolve({
      observation: this.#observation(),
      durationMs: performance.now() - started,
      ...(this.#loopCount === undefined ? {} : { loopCount: this.#loopCount }),
    });
  }

  #observation(): Observation {
    return {
      role: this.#o.role,
      events: this.#events,
      violations: this.#violations,
      initiator: this.#initiator,
      clean: this.#clean,
      droppedByFuzzer: this.#droppedByFuzzer,
      peerCloseCode: this.#peerCloseCode,
      ...(this.#loop ? { loop: this.#loop } : {}),
      ...(this.#c.deflate ? { deflateNegotiated: this.#o.deflate !== null } : {}),
    };
  }

  #timer(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  // ---- writing ----

  get #mask(): Uint8Array | null {
    return this.#o.role === "client" ? newMaskKey() : null;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const data = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    this.#pending = [];
    this.#write(data);
  }

  #write(data: Uint8Array): void {
    if (!this.#socket.destroyed && this.#socket.writable) this.#socket.write(data);
  }

  async #writeFrame(step: FrameStep): Promise<void> {
    const frame = encodeFrame(step.opcode, payloadBytes(step.payload), {
      fin: step.fin,
      rsv: step.rsv,
      mask: this.#mask,
    });
    if (step.write === undefined) {
      this.#pending.push(frame);
    } else {
      this.#flush();
      const size = step.write === "sync" ? frame.length : step.write.chop;
      for (let at = 0; at < frame.length; at += size) {
        this.#write(frame.subarray(at, at + size));
        await yieldLoop();
      }
    }
    // A well-formed close frame moves the fuzzer to CLOSING (Autobahn's sendCloseFrame); a
    // malformed one (3.7: RSV=7) is just bytes, and the peer must fail the connection.
    if (step.opcode === OPCODE.close && step.fin && step.rsv === 0) this.#markFuzzerClose();
  }

  /** Sends a close frame if the connection is open (code `null`: an empty body). */
  #sendClose(code: number | null, reason = ""): void {
    if (this.#state !== "open") return;
    const body =
      code === null
        ? new Uint8Array(0)
        : new Uint8Array(Buffer.concat([u16(code), Buffer.from(reason)]));
    this.#flush();
    this.#write(encodeFrame(OPCODE.close, body, { mask: this.#mask }));
    this.#markFuzzerClose();
  }

  #markFuzzerClose(): void {
    if (this.#fuzzerSentClose) return;
    this.#fuzzerSentClose = true;
    this.#initiator ??= "fuzzer";
    if (this.#state === "open") this.#state = "closing";
    if (this.#peerSentClose) {
      this.#onHandshakeComplete();
    } else {
      this.#timer(this.#closeTimeoutMs, () => {
        if (!this.#peerSentClose) this.#drop();
      });
    }
  }

  #onHandshakeComplete(): void {
    if (this.#handshakeDone) return;
    this.#handshakeDone = true;
    if (this.#o.role === "server") {
      // A server closes TCP as soon as the close handshake is done (RFC 6455 5.5.1, 7.1.1).
      this.#clean = true;
      this.#flush();
      this.#socket.end();
      this.#timer(this.#closeTimeoutMs, () => this.#socket.destroy());
    } else {
      this.#timer(this.#closeTimeoutMs, () => this.#drop());
    }
  }

  /** Drops TCP on the fuzzer's initiative. */
  #drop(): void {
    if (this.#socket.destroyed) return;
    this.#initiator ??= "fuzzer";
    this.#droppedByFuzzer = true;
    this.#clean = false;
    this.#socket.destroy();
  }

  #onPeerEnd(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#initiator ??= "peer";
    if (this.#o.role === "client" && this.#handshakeDone && !this.#droppedByFuzzer) {
      this.#clean = true;
    }
    if (!this.#socket.destroyed) this.#socket.end();
  }

  // ---- steps ----

  async #runSteps(): Promise<void> {
    for (const step of this.#c.frames_sent) {
      if (this.#socket.destroyed) return;
      if (!(await this.#runStep(step))) return;
    }
    this.#flush();
    const t = this.#c.timing;
    const kill = t.kill_after_s ?? t.kill_after_s_after_last_frame;
    const close = t.close_after_s ?? t.close_after_s_after_last_frame;
    if (kill !== undefined) {
      this.#timer(kill * 1000, () => {
        if (this.#state === "open") this.#sendClose(1001, "Going Away");
        else this.#drop();
      });
    }
    if (close !== undefined) this.#timer(close * 1000, () => this.#sendClose(null));
  }

  /** Runs one step; returns false when the remaining steps must be skipped. */
  async #runStep(step: Step): Promise<boolean> {
    switch (step.op) {
      case "frame":
        await this.#writeFrame(step);
        return true;
      case "message": {
        const data = payloadBytes(step.payload);
        const size = step.fragment_size;
        for (let at = 0; at < data.length || at === 0; at += size) {
          const last = at + size >= data.length;
          const opcode = at === 0 ? step.opcode : OPCODE.continuation;
          this.#pending.push(
            encodeFrame(opcode, data.subarray(at, at + size), { fin: last, mask: this.#mask }),
          );
        }
        return true;
      }
      case "frame_header":
        this.#flush();
        this.#streamMask = this.#mask;
        this.#streamOffset = 0;
        this.#write(
          encodeHeader(step.opcode, step.length, {
            fin: step.fin,
            rsv: step.rsv,
            mask: this.#streamMask,
          }),
        );
        return true;
      case "frame_data": {
        this.#flush();
        const data = new Uint8Array(payloadBytes(step.payload));
        if (this.#streamMask) applyMask(data, this.#streamMask, this.#streamOffset);
        this.#streamOffset += data.length;
        this.#write(data);
        return true;
      }
      case "wait":
        this.#flush();
        await new Promise((r) => this.#timer(step.seconds * 1000, () => r(undefined)));
        if (step.abort_if_closed && this.#state !== "open") return false;
        if (step.then_record) {
          this.#record({ event: "timeout", tag: step.then_record.replace(/^timeout /, "") });
        }
        return true;
      case "echo_loop":
        this.#flush();
        await this.#echoLoop(step.count, step.frame, step.message);
        return true;
    }
  }

  #armTimedEcho(): void {
    const step = this.#c.frames_sent[0]!;
    if (step.op !== "frame" && step.op !== "message") return;
    this.#loop = { done: false };
    this.#timedEcho = { opcode: step.opcode, length: step.payload.len };
  }

  async #echoLoop(
    catalogueCount: number,
    frame: FrameStep | undefined,
    message: CompressedMessageSpec | undefined,
  ): Promise<void> {
    // The fast profile shortens only the compression loops (9.7 and 9.8 take milliseconds).
    const scale = message ? (this.#o.loopScale ?? 1) : 1;
    const count = Math.max(1, Math.round(catalogueCount * scale));
    this.#loopCount = count;
    const loop: { done: boolean; failure?: string } = { done: false };
    this.#loop = loop;
    const corpus = message ? corpusFor(message.source, this.#o.catalogue) : undefined;
    for (let i = 0; i < count; i++) {
      if (this.#state !== "open" || loop.failure) return;
      let opcode: number;
      let data: Uint8Array;
      const echo = new Promise<RecordedEvent & { event: "message" }>((r) => {
        this.#echoWaiter = r;
      });
      if (frame) {
        opcode = frame.opcode;
        data = payloadBytes(frame.payload);
        this.#write(encodeFrame(opcode, data, { fin: true, mask: this.#mask }));
      } else {
        opcode = message!.opcode;
        data = corpusSlice(corpus!, i, message!.uncompressed_len);
        await this.#sendCompressed(opcode, data, message!.auto_fragment_compressed_payload);
      }
      const got = await echo;
      const type = opcode === OPCODE.text ? "text" : "binary";
      if (got.type !== type || got.payload.length !== data.length) {
        loop.failure = `Echo ${i + 1} was a ${got.type} message of ${got.payload.length} bytes; sent ${type} of ${data.length}`;
      } else if (message && Buffer.compare(got.payload, data) !== 0) {
        loop.failure = `Echo ${i + 1} differs from the message sent (SHA-1 mismatch)`;
      }
      if (loop.failure) {
        this.#sendClose(1000);
        return;
      }
    }
    loop.done = true;
    this.#sendClose(1000);
  }

  async #sendCompressed(opcode: number, data: Uint8Array, fragment: number): Promise<void> {
    const compressed = await this.#codec!.compress(data);
    const size = fragment > 0 ? fragment : Math.max(1, compressed.length);
    const out: Uint8Array[] = [];
    for (let at = 0; at < compressed.length || at === 0; at += size) {
      const first = at === 0;
      out.push(
        encodeFrame(first ? opcode : OPCODE.continuation, compressed.subarray(at, at + size), {
          fin: at + size >= compressed.length,
          rsv: first ? 4 : 0,
          mask: this.#mask,
        }),
      );
    }
    this.#write(Buffer.concat(out));
  }

  // ---- reading ----

  #onData(chunk: Uint8Array): void {
    if (this.#state === "closed" && this.#socket.destroyed) return;
    this.#input = this.#input.then(() => this.#consume(chunk));
  }

  async #consume(chunk: Uint8Array): Promise<void> {
    if (this.#violations.length > 0) return;
    let frames: Frame[];
    try {
      frames = this.#reader.push(chunk);
    } catch (e) {
      this.#violation(e instanceof Error ? e.message : String(e), e);
      return;
    }
    for (const f of frames) {
      if (this.#violations.length > 0) return;
      try {
        await this.#onFrame(f);
      } catch (e) {
        this.#violation(e instanceof Error ? e.message : String(e), e);
      }
    }
  }

  async #onFrame(f: Frame): Promise<void> {
    if (this.#peerSentClose) throw new PeerViolation("Peer sent a frame after its close frame");
    switch (f.opcode) {
      case OPCODE.ping:
        if (this.#state === "open")
          this.#write(encodeFrame(OPCODE.pong, f.payload, { mask: this.#mask }));
        return;
      case OPCODE.pong:
        this.#record({ event: "pong", payload: f.payload });
        return;
      case OPCODE.close:
        this.#onClose(f.payload);
        return;
    }
    if (f.opcode !== OPCODE.continuation) {
      this.#messageOpcode = f.opcode;
      this.#messageCompressed = (f.rsv & 4) !== 0;
      this.#fragments = [];
      this.#fragmentBytes = 0;
    }
    this.#fragments.push(f.payload);
    this.#fragmentBytes += f.payload.length;
    if (this.#fragmentBytes > MAX_MESSAGE_BYTES) {
      throw new PeerViolation(`Peer sent a message over ${MAX_MESSAGE_BYTES} bytes`, 1009);
    }
    if (!f.fin) return;
    let payload: Uint8Array =
      this.#fragments.length === 1 ? this.#fragments[0]! : Buffer.concat(this.#fragments);
    this.#fragments = [];
    if (this.#messageCompressed) {
      try {
        payload = await this.#codec!.decompress(payload, MAX_MESSAGE_BYTES);
      } catch (e) {
        throw new PeerViolation(`Cannot inflate the peer's message: ${(e as Error).message}`, 1007);
      }
    }
    const type = this.#messageOpcode === OPCODE.text ? "text" : "binary";
    if (type === "text" && !isValidUtf8(payload)) {
      throw new PeerViolation("Peer sent a text message that is not valid UTF-8", 1007);
    }
    const event = { event: "message", type, payload } as const;
    const waiter = this.#echoWaiter;
    this.#echoWaiter = undefined;
    if (waiter) {
      waiter(event);
      return;
    }
    if (this.#timedEcho && this.#loop && !this.#loop.done && !this.#loop.failure) {
      const want = this.#timedEcho;
      const wantType = want.opcode === OPCODE.text ? "text" : "binary";
      if (type === wantType && payload.length === want.length) this.#loop.done = true;
      else this.#loop.failure = `Echo was a ${type} message of ${payload.length} bytes`;
      this.#sendClose(1000);
      return;
    }
    this.#record(event);
  }

  #onClose(payload: Uint8Array): void {
    const body = parseCloseBody(payload);
    this.#peerSentClose = true;
    this.#peerCloseCode = body.code;
    if (!this.#fuzzerSentClose) {
      // The peer started the close: answer it, echoing its code (as Autobahn does).
      this.#initiator ??= "peer";
      this.#state = "closing";
      this.#flush();
      const reply = body.code === null ? new Uint8Array(0) : u16(body.code);
      this.#write(encodeFrame(OPCODE.close, reply, { mask: this.#mask }));
      this.#fuzzerSentClose = true;
    }
    this.#onHandshakeComplete();
  }

  #record(event: RecordedEvent): void {
    this.#events.push(event);
    const outcomes = eventOutcomes(this.#c);
    // Only a case with a single expected outcome closes itself on a match (AUTOBAHN.md 3).
    if (outcomes.length === 1 && Object.keys(this.#c.expect.outcomes).length === 1) {
      if (eventsMatch(this.#events, outcomes[0]![1])) {
        this.#sendClose(this.#c.expect.close_codes[0] ?? 1000);
      }
    }
  }

  #violation(message: string, error?: unknown): void {
    this.#violations.push(message);
    const code = error instanceof PeerViolation ? error.closeCode : 1002;
    if (this.#state === "open") this.#sendClose(code);
    this.#drop();
  }
}

function u16(n: number): Uint8Array {
  return new Uint8Array([n >> 8, n & 0xff]);
}

/** Whether a timed-echo case sends one message (9.1 to 9.6) rather than an echo loop. */
function c0IsSingle(c: Case): boolean {
  return c.frames_sent.length === 1 && c.frames_sent[0]!.op !== "echo_loop";
}
