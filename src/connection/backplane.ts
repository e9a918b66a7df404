/**
 * The backplane: what carries a topic's messages between processes. The
 * topics of one process ({@link Topics}) deliver to their own subscribers and
 * hand each published message to the backplane, which delivers it to the
 * other processes' topics, and never back to the one that published it.
 *
 * It is a small interface so that any broker fits beneath it: Redis Pub/Sub
 * (`websocket-sansio/redis`), `node:cluster` IPC (`websocket-sansio/node`),
 * or a test's in-memory hub.
 *
 * @module
 */

/** Where a backplane delivers what other processes published. */
export type BackplaneReceiver = (topic: string, payload: Uint8Array, isText: boolean) => void;

/**
 * Carries published messages between processes.
 *
 * Contract: `publish` never blocks and never buffers without bound (an
 * implementation drops and counts what it cannot send); messages of one
 * publisher on one topic arrive in the order it published them; a message is
 * delivered at most once to each other process subscribed to its topic, and
 * never to the process that published it. The topics call `subscribe` when a
 * topic gets its first local subscriber and `unsubscribe` when it loses its
 * last, so that a process only receives topics it has subscribers for.
 */
export interface Backplane {
  /** Called once, by the topics that use this backplane, with where to deliver. */
  attach(receive: BackplaneReceiver): void;
  /** Sends a message published here to the other processes (`payload` is UTF-8 when `isText`). */
  publish(topic: string, payload: Uint8Array, isText: boolean): void;
  /** This process has subscribers for `topic` now. */
  subscribe(topic: string): void;
  /** This process has no subscriber for `topic` any more. */
  unsubscribe(topic: string): void;
  /** Stops: unsubscribes everything, releases what it opened. */
  close(): Promise<void>;
}
