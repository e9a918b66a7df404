/**
 * `CloseEvent`: the runtime's own where it has one (browsers, Deno, Node 23+),
 * else a small class with the same shape (Node 20 and 22 have `Event` and
 * `MessageEvent` but no `CloseEvent`).
 *
 * @module
 */

/** The fields of a `CloseEvent` (WHATWG WebSockets Standard, "The CloseEvent interface"). */
export interface CloseEventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

/** A `close` event of a `WebSocket`. */
export interface CloseEvent extends Event {
  /** Whether the connection closed cleanly (close frames went both ways). */
  readonly wasClean: boolean;
  /** The close code (1005 for a close frame without one, 1006 for an abnormal closure). */
  readonly code: number;
  /** The close reason. */
  readonly reason: string;
}

/** The `CloseEvent` constructor. */
export interface CloseEventConstructor {
  new (type: string, init?: CloseEventInit): CloseEvent;
  readonly prototype: CloseEvent;
}

class CloseEventShim extends Event implements CloseEvent {
  readonly #wasClean: boolean;
  readonly #code: number;
  readonly #reason: string;
  constructor(type: string, init: CloseEventInit = {}) {
    // Web IDL: `type` is a required argument (the runtimes' own Event checks
    // it only on some versions).
    // biome-ignore lint/complexity/noArguments: Web IDL counts the arguments passed, not their values
    if (arguments.length === 0) {
      throw new TypeError(
        "Failed to construct 'CloseEvent': 1 argument required, but only 0 present.",
      );
    }
    super(type, init);
    this.#wasClean = Boolean(init.wasClean);
    this.#code = (Number(init.code ?? 0) & 0xffff) >>> 0;
    this.#reason = init.reason === undefined ? "" : String(init.reason);
  }
  get wasClean(): boolean {
    return this.#wasClean;
  }
  get code(): number {
    return this.#code;
  }
  get reason(): string {
    return this.#reason;
  }
}
Object.defineProperty(CloseEventShim, "name", { value: "CloseEvent" });
Object.defineProperty(CloseEventShim.prototype, Symbol.toStringTag, {
  value: "CloseEvent",
  configurable: true,
});

/** The runtime's `CloseEvent`, or the shim. */
export const CloseEvent: CloseEventConstructor =
  (globalThis as { CloseEvent?: CloseEventConstructor }).CloseEvent ?? CloseEventShim;
