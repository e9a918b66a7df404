/**
 * The logging and diagnostics hook. A connection calls it only when one is
 * set, and builds debug records (one per message or control frame) only when
 * `logLevel` is `"debug"`, so an unused hook costs one comparison.
 *
 * @module
 */

/** Severity of a log record, from the most verbose. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** What a logger receives. */
export interface LogRecord {
  readonly level: LogLevel;
  /**
   * What happened: `handshake`, `open`, `close`, `closed`, `error`, and at
   * `"debug"` `recv`, `ping`, `pong`.
   */
  readonly event: string;
  /** A sentence for humans. */
  readonly message: string;
  /** The peer's address, when known. */
  readonly remoteAddress?: string | undefined;
  /** Details: close code and reason, message size, HTTP status, the error. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A logging hook, e.g. `(record) => console.log(record.level, record.message)`. */
export type Logger = (record: LogRecord) => void;

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Whether records at `level` pass a logger configured with `threshold`. */
export function logs(level: LogLevel, threshold: LogLevel): boolean {
  return RANK[level] >= RANK[threshold];
}
