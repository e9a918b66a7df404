// The runtime globals the connection layer (src/connection, src/testing) may use,
// on top of the core's (core-globals.d.ts). Every JavaScript runtime we target
// (Node, Deno, Bun, Workers, browsers) has them. Included only by
// src/connection/tsconfig.json, which has no Node or DOM types, so a `node:*`
// import, Buffer, process, Deno or Bun is a compile error there.

type TimerHandle = { readonly __timerHandle?: never } | number;
declare function setTimeout(callback: () => void, ms?: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle | undefined): void;
declare function queueMicrotask(callback: () => void): void;

interface Performance {
  now(): number;
}
declare var performance: Performance;

// V8's (and JavaScriptCore's) limit on captured stack frames, used to make
// errors without a stack where a stack would only show this layer's internals.
// Elsewhere setting it is harmless.
interface ErrorConstructor {
  stackTraceLimit: number;
}
