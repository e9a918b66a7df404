/**
 * Exit statuses of the `websocket-sansio` command, and the error that
 * reports a usage mistake. Scripts read the status to learn how a connection
 * ended, so each outcome has its own number (documented in `--help`).
 *
 * @module
 */

/** Exit statuses: one per way a command can end. */
export const EXIT = {
  /** The connection closed normally (code 1000, 1001 or none, after a clean closing handshake), or the server stopped on a signal. */
  ok: 0,
  /** The connection closed abnormally: another close code, no close frame, a protocol error or a timeout. */
  abnormal: 1,
  /** Bad command line: unknown option, missing or malformed argument, invalid URL. */
  usage: 2,
  /** Cannot connect or listen: refused, unreachable, DNS or TLS failure, a proxy's refusal, address in use, timeout. */
  unreachable: 3,
  /** The server refused the opening handshake (an HTTP status other than 101, or an invalid response). */
  handshake: 4,
} as const;

/** An exit status. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** A mistake on the command line: printed with the command's usage hint, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Runs a command-line parser, reporting what it rejects as a {@link UsageError}. */
export function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** The exit-status table as shown by `--help`. */
export const EXIT_HELP = `Exit status:
  0  the connection closed normally (1000, 1001 or no code, clean closing handshake)
  1  the connection closed abnormally (other code, no close frame, protocol error, timeout)
  2  bad command line or URL
  3  cannot connect (refused, unreachable, DNS, TLS, proxy, timeout) or cannot listen
  4  the server refused the opening handshake (HTTP status other than 101)`;
