/**
 * The process entry point of the `websocket-sansio` command (the package's
 * `bin` imports it): runs {@link main} on the process's arguments and exits
 * with its status once the output is written.
 *
 * @module
 */

import { main } from "./main.js";

function exit(status: number): void {
  // Exit even if stdin is still open (a pipe whose writer is alive), but only
  // after stdout has taken everything written to it.
  process.stdout.write("", () => process.exit(status));
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  process.stderr.write(
    `websocket-sansio: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  exit(70);
});
