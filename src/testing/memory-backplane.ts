/**
 * A backplane hub in memory: several `Topics` (or servers) in one process
 * behave as if they were processes joined by a broker. For tests of code that
 * publishes across processes.
 *
 * @module
 */

import type { Backplane, BackplaneReceiver } from "../connection/backplane.js";

/** Joins the backplanes it makes, as a broker joins processes. */
export interface BackplaneHub {
  /** A backplane for one more "process". */
  backplane(): Backplane;
  /** Messages published through the hub so far (the number of broker commands). */
  readonly published: number;
}

/**
 * Makes a hub. Delivery is asynchronous (a microtask later), in publish
 * order, and only to the backplanes subscribed to the topic, never back to
 * the publisher, as with a real broker.
 *
 * @example
 * ```ts
 * const hub = createBackplaneHub();
 * const a = serveInMemory(handler, { topics: { backplane: hub.backplane() } });
 * const b = serveInMemory(handler, { topics: { backplane: hub.backplane() } });
 * ```
 */
export function createBackplaneHub(): BackplaneHub {
  const members = new Set<Member>();
  let published = 0;
  class Member implements Backplane {
    readonly topics = new Set<string>();
    receive: BackplaneReceiver | undefined;
    attach(receive: BackplaneReceiver): void {
      this.receive = receive;
    }
    publish(topic: string, payload: Uint8Array, isText: boolean): void {
      published++;
      const copy = payload.slice();
      for (const member of members) {
        if (member === this || !member.topics.has(topic)) continue;
        queueMicrotask(() => {
          if (member.topics.has(topic)) member.receive?.(topic, copy, isText);
        });
      }
    }
    subscribe(topic: string): void {
      this.topics.add(topic);
    }
    unsubscribe(topic: string): void {
      this.topics.delete(topic);
    }
    close(): Promise<void> {
      members.delete(this);
      return Promise.resolve();
    }
  }
  return {
    backplane() {
      const member = new Member();
      members.add(member);
      return member;
    },
    get published() {
      return published;
    },
  };
}
