/**
 * ws's DOM-style events on its EventEmitter: `addEventListener`,
 * `removeEventListener` and the `onopen`/`onmessage`/`onerror`/`onclose`
 * attributes, with ws's `Event`, `MessageEvent`, `CloseEvent` and
 * `ErrorEvent` (not the DOM's: ws has its own, and code written for ws reads
 * their fields). The listeners are EventEmitter listeners wrapping the
 * handler, as in ws: `listeners("message")` shows them and their order with
 * `on()` listeners is the order of registration.
 *
 * @module
 */

import type { EventEmitter } from "node:events";

/** Marks the listener set by an `on<event>` attribute. */
const kForOnEventAttribute = Symbol("kIsForOnEventAttribute");
/** The WebSocket an event is about (see `Event.target`). */
const kTarget = Symbol("kTarget");
/** The handler a wrapping listener calls. */
const kListener = Symbol("kListener");

/** An event passed to listeners added with `addEventListener`, as ws makes it. */
export class Event {
  /** @internal set by the dispatcher (a symbol: `for...in` shows ws's fields only) */
  [kTarget]: unknown = null;
  readonly #type: string;
  constructor(type: string) {
    this.#type = type;
  }
  /** The WebSocket the event is about. */
  get target(): unknown {
    return this[kTarget];
  }
  get type(): string {
    return this.#type;
  }
}

/** A `close` event: the close code, the reason and whether close frames went both ways. */
export class CloseEvent extends Event {
  readonly #code: number;
  readonly #reason: string;
  readonly #wasClean: boolean;
  constructor(type: string, options: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.#code = options.code ?? 0;
    this.#reason = options.reason ?? "";
    this.#wasClean = options.wasClean ?? false;
  }
  get code(): number {
    return this.#code;
  }
  get reason(): string {
    return this.#reason;
  }
  get wasClean(): boolean {
    return this.#wasClean;
  }
}

/** An `error` event: the error and its message. */
export class ErrorEvent extends Event {
  readonly #error: unknown;
  readonly #message: string;
  constructor(type: string, options: { error?: unknown; message?: string } = {}) {
    super(type);
    this.#error = options.error ?? null;
    this.#message = options.message ?? "";
  }
  get error(): unknown {
    return this.#error;
  }
  get message(): string {
    return this.#message;
  }
}

/** A `message` event: text as a string, binary as `binaryType` says. */
export class MessageEvent extends Event {
  readonly #data: unknown;
  constructor(type: string, options: { data?: unknown } = {}) {
    super(type);
    this.#data = options.data ?? null;
  }
  get data(): unknown {
    return this.#data;
  }
}

// As ws: the events' fields are enumerable getters (class getters are not).
for (const [Class, fields] of [
  [Event, ["target", "type"]],
  [CloseEvent, ["code", "reason", "wasClean"]],
  [ErrorEvent, ["error", "message"]],
  [MessageEvent, ["data"]],
] as const) {
  for (const field of fields) {
    const descriptor = Object.getOwnPropertyDescriptor(Class.prototype, field)!;
    Object.defineProperty(Class.prototype, field, { ...descriptor, enumerable: true });
  }
}

/** A listener for `addEventListener`: a function, or an object with `handleEvent`. */
export type EventListenerLike = ((event: never) => void) | { handleEvent(event: never): void };

// biome-ignore lint/suspicious/noExplicitAny: EventEmitter listeners take any arguments
type Wrapper = ((this: WebSocketLike, ...args: any[]) => void) & {
  [kForOnEventAttribute]?: boolean;
  [kListener]?: EventListenerLike;
};

/** What the wrappers read from the WebSocket they listen on. */
interface WebSocketLike extends EventEmitter {
  readonly _closeFrameReceived: boolean;
  readonly _closeFrameSent: boolean;
}

function callListener(listener: EventListenerLike, thisArg: unknown, event: Event): void {
  if (typeof listener === "object") listener.handleEvent.call(listener, event as never);
  else listener.call(thisArg, event as never);
}

function wrapperFor(type: string, handler: EventListenerLike): Wrapper | undefined {
  switch (type) {
    case "message":
      return function onMessage(this: WebSocketLike, data: unknown, isBinary: boolean) {
        const event = new MessageEvent("message", { data: isBinary ? data : String(data) });
        event[kTarget] = this;
        callListener(handler, this, event);
      } as Wrapper;
    case "close":
      return function onClose(this: WebSocketLike, code: number, message: Buffer) {
        const event = new CloseEvent("close", {
          code,
          reason: message.toString(),
          wasClean: this._closeFrameReceived && this._closeFrameSent,
        });
        event[kTarget] = this;
        callListener(handler, this, event);
      } as Wrapper;
    case "error":
      return function onError(this: WebSocketLike, error: Error) {
        const event = new ErrorEvent("error", { error, message: error.message });
        event[kTarget] = this;
        callListener(handler, this, event);
      } as Wrapper;
    case "open":
      return function onOpen(this: WebSocketLike) {
        const event = new Event("open");
        event[kTarget] = this;
        callListener(handler, this, event);
      } as Wrapper;
    default:
      return undefined;
  }
}

/** ws's `addEventListener`: `open`, `message`, `error` and `close` only; a handler added twice counts once. */
export function addEventListener(
  this: EventEmitter,
  type: string,
  handler: EventListenerLike,
  options: { once?: boolean; [kForOnEventAttribute]?: boolean } = {},
): void {
  for (const listener of this.listeners(type) as Wrapper[]) {
    if (
      !options[kForOnEventAttribute] &&
      listener[kListener] === handler &&
      !listener[kForOnEventAttribute]
    ) {
      return;
    }
  }
  const wrapper = wrapperFor(type, handler);
  if (wrapper === undefined) return;
  wrapper[kForOnEventAttribute] = !!options[kForOnEventAttribute];
  wrapper[kListener] = handler;
  if (options.once) this.once(type, wrapper);
  else this.on(type, wrapper);
}

/** ws's `removeEventListener`: removes the listener `addEventListener` added for `handler`. */
export function removeEventListener(
  this: EventEmitter,
  type: string,
  handler: EventListenerLike,
): void {
  for (const listener of this.listeners(type) as Wrapper[]) {
    if (listener[kListener] === handler && !listener[kForOnEventAttribute]) {
      this.removeListener(type, listener);
      break;
    }
  }
}

/** Defines `onopen`, `onerror`, `onclose` and `onmessage` on a prototype, as ws does. */
export function defineEventAttributes(prototype: object): void {
  for (const method of ["open", "error", "close", "message"]) {
    Object.defineProperty(prototype, `on${method}`, {
      enumerable: true,
      configurable: true,
      get(this: EventEmitter) {
        for (const listener of this.listeners(method) as Wrapper[]) {
          if (listener[kForOnEventAttribute]) return listener[kListener];
        }
        return null;
      },
      set(this: EventEmitter, handler: unknown) {
        for (const listener of this.listeners(method) as Wrapper[]) {
          if (listener[kForOnEventAttribute]) {
            this.removeListener(method, listener);
            break;
          }
        }
        if (typeof handler !== "function") return;
        addEventListener.call(this, method, handler as EventListenerLike, {
          [kForOnEventAttribute]: true,
        });
      },
    });
  }
}
