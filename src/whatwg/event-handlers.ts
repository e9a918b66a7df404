/**
 * Event handler IDL attributes (`onopen`, `onmessage`, ...) as HTML defines
 * them: the first non-null value adds one listener, which keeps its place
 * among the other listeners when the value changes; `null` removes it; a
 * value that is not an object is taken as `null`.
 *
 * @module
 */

interface Handler {
  value: object;
  readonly listener: (event: Event) => unknown;
}

const handlers = new WeakMap<EventTarget, Map<string, Handler>>();

function get(target: EventTarget, type: string): object | null {
  return handlers.get(target)?.get(type)?.value ?? null;
}

function set(target: EventTarget, type: string, value: unknown): void {
  let map = handlers.get(target);
  const handler = map?.get(type);
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    if (handler !== undefined) {
      map!.delete(type);
      target.removeEventListener(type, handler.listener);
    }
    return;
  }
  if (handler !== undefined) {
    handler.value = value;
    return;
  }
  const entry: Handler = {
    value,
    listener(event) {
      const callback = entry.value;
      if (typeof callback === "function") return callback.call(target, event);
      return undefined;
    },
  };
  if (map === undefined) handlers.set(target, (map = new Map()));
  map.set(type, entry);
  target.addEventListener(type, entry.listener);
}

/** Defines `on<type>` accessors on `prototype` for each event type. */
export function defineEventHandlers(prototype: EventTarget, types: readonly string[]): void {
  for (const type of types) {
    Object.defineProperty(prototype, `on${type}`, {
      get(this: EventTarget) {
        return get(this, type);
      },
      set(this: EventTarget, value: unknown) {
        set(this, type, value);
      },
      enumerable: true,
      configurable: true,
    });
  }
}
