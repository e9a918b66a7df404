/**
 * Memory of the topics registry: `node --expose-gc .build/bench/topics-memory.js`.
 * Measures the heap the registry adds (the connections themselves are made
 * before the baseline: they exist whether or not they subscribe), for the
 * shapes that bound it: 100,000 topics of one subscriber each, one topic of
 * 100,000 subscribers, and 1,000 connections of 100 topics each.
 *
 * @module
 */

import type { Connection } from "../src/connection/connection.js";
import { Topics } from "../src/connection/topics.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("Run with node --expose-gc");

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

// Stand-ins for connections: the registry only reads `state` when subscribing.
function connections(count: number): Connection[] {
  return Array.from({ length: count }, () => ({ state: "open" }) as unknown as Connection);
}

function measure(name: string, subscriptions: number, fill: (topics: Topics) => void): void {
  const topics = new Topics({ maxTopicsPerConnection: 1000 });
  const before = heap();
  fill(topics);
  const after = heap();
  const bytes = after - before;
  console.log(
    `${name.padEnd(46)} ${(bytes / 1024 / 1024).toFixed(1).padStart(6)} MiB  ${(bytes / subscriptions).toFixed(0).padStart(4)} B/subscription  (${topics.size} topics)`,
  );
  // Keep it alive until measured.
  if (topics.size < 0) console.log(topics);
}

const many = connections(100_000);
// Topic names made before the baseline too: an application holds them anyway.
const names = Array.from({ length: 100_000 }, (_, i) => `room-${i}`);
measure("100,000 topics x 1 subscriber", 100_000, (topics) => {
  for (let i = 0; i < many.length; i++) topics.subscribe(many[i]!, names[i]!);
});
measure("1 topic x 100,000 subscribers", 100_000, (topics) => {
  for (const connection of many) topics.subscribe(connection, "everyone");
});
measure("100,000 topics x 2 subscribers (200,000)", 200_000, (topics) => {
  for (let i = 0; i < many.length; i++) {
    topics.subscribe(many[i]!, names[i]!);
    topics.subscribe(many[(i + 1) % many.length]!, names[i]!);
  }
});
const few = many.slice(0, 1000);
measure("1,000 connections x 100 topics (100,000)", 100_000, (topics) => {
  for (const connection of few)
    for (let t = 0; t < 100; t++) topics.subscribe(connection, names[t]!);
});
