// The interactive client in a real terminal: tmux (Debian `tmux`) runs the
// command in a pane, send-keys types, capture-pane reads the screen. Messages
// that arrive while a line is being typed must appear above it and leave the
// line (and the cursor) intact.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { type ClientConnection, connect } from "../../src/node/index.js";
import { CLI, type ServeProcess, startServe } from "./helpers.js";

function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const skip = hasTmux() ? false : "tmux is not installed (apt-get install tmux)";

/** One tmux pane on a private tmux server, running the client. */
class Pane {
  readonly #socket = `wss-cli-test-${randomUUID().slice(0, 8)}`;

  constructor(command: string, width = 80, height = 24) {
    this.#tmux(
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-s",
      "t",
      "-x",
      String(width),
      "-y",
      String(height),
      // Keep the pane after the command ends, to read its exit status.
      `${command}; echo "EXIT=$?"; sleep 60`,
    );
  }

  #tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.#socket, ...args], { encoding: "utf8" });
  }

  /** Types `text` literally. */
  type(text: string): void {
    this.#tmux("send-keys", "-t", "t", "-l", text);
  }

  /** Presses keys by name (`Enter`, `C-c`, `C-b`). */
  press(...keys: string[]): void {
    this.#tmux("send-keys", "-t", "t", ...keys);
  }

  /**
   * The visible screen with wrapped rows joined into their logical lines
   * (`-J`, which also keeps trailing spaces), trailing blank lines removed.
   */
  screen(): string {
    return this.#tmux("capture-pane", "-p", "-J", "-t", "t").replace(/\s+$/, "");
  }

  /** Waits until the screen matches `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (performance.now() > deadline) {
        throw new Error(`Screen never matched ${pattern}:\n${screen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  kill(): void {
    try {
      this.#tmux("kill-server");
    } catch {
      // Already gone.
    }
  }
}

/** Sends a message from the other client, which the broadcast server also relays back to it. */
async function say(other: ClientConnection, text: string): Promise<void> {
  await other.send(text);
  assert.equal(await other.recv(), text);
}

function lastLines(screen: string, count: number): string[] {
  return screen.split("\n").slice(-count);
}

async function session(
  run: (pane: Pane, server: ServeProcess, other: ClientConnection) => Promise<void>,
  width = 80,
): Promise<void> {
  const server = await startServe(["--broadcast"]);
  const url = `ws://127.0.0.1:${server.port}/`;
  const pane = new Pane(`${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} ${url}`, width);
  let other: ClientConnection | undefined;
  try {
    await pane.waitFor(/\* Connected to ws:\/\/127\.0\.0\.1:\d+\/ \(permessage-deflate\)/);
    other = await connect(url);
    await run(pane, server, other);
  } finally {
    pane.kill();
    await other?.close();
    await server.stop();
  }
}

describe("connect: interactive mode in a terminal", { skip, timeout: 60_000 }, () => {
  test("sends lines, shows messages above the line being typed", async () => {
    await session(async (pane, _server, other) => {
      pane.type("hello");
      pane.press("Enter");
      // The broadcast server relays the line to everyone, this client included.
      assert.equal(await other.recv(), "hello");
      await pane.waitFor(/^> hello\n< hello\n> ?$/m);

      // A message arrives while a line is half typed.
      pane.type("draft text");
      await pane.waitFor(/> draft text$/);
      await say(other, "interrupting");
      let screen = await pane.waitFor(/< interrupting\n> draft text$/);
      assert.deepEqual(lastLines(screen, 2), ["< interrupting", "> draft text"]);
      // The line is intact and still editable: finish it and send it.
      pane.type(" continues");
      pane.press("Enter");
      assert.equal(await other.recv(), "draft text continues");
      screen = await pane.waitFor(/< draft text continues\n> ?$/);

      // The cursor stays where it was inside the line: type in the middle,
      // receive a message, type again.
      pane.type("ac");
      await pane.waitFor(/> ac$/);
      pane.press("C-b");
      await new Promise((resolve) => setTimeout(resolve, 100));
      await say(other, "meanwhile");
      await pane.waitFor(/< meanwhile\n> ac$/);
      pane.type("b");
      pane.press("Enter");
      assert.equal(await other.recv(), "abc");

      // A peer's escape sequences are shown, not obeyed.
      await say(other, "\x1b[2Jcleared?\x07");
      await pane.waitFor(/< \\x1b\[2Jcleared\?\\x07\n> ?$/);
      // Multi-line messages keep their lines aligned under the mark.
      await say(other, "line 1\nline 2");
      await pane.waitFor(/< line 1\n {2}line 2\n> ?$/);
    });
  });

  test("a long line that wraps survives incoming messages", async () => {
    await session(async (pane, _server, other) => {
      const long = "this line is longer than the forty columns of this terminal";
      pane.type(long);
      await pane.waitFor(/terminal$/);
      await say(other, "one");
      await say(other, "two");
      const screen = await pane.waitFor(/< two\n> this/);
      // Each message once, in order, then the whole input (wrapped on screen,
      // joined here): nothing lost, doubled or left over from the redraws.
      assert.deepEqual(lastLines(screen, 3), ["< one", "< two", `> ${long}`]);
      assert.equal(screen.match(/< one/g)?.length, 1);
      assert.equal(screen.match(/this line/g)?.length, 1);
      pane.press("Enter");
      assert.equal(await other.recv(), long);
    }, 40);
  });

  test("commands: /help, /ping, /binary, unknown, //escape", async () => {
    await session(async (pane, _server, other) => {
      pane.type("/help");
      pane.press("Enter");
      await pane.waitFor(/\* Commands: \/ping/);
      pane.type("/ping");
      pane.press("Enter");
      await pane.waitFor(/\* Pong in \d+\.\d\d ms/);
      pane.type("/binary 68656c6c6f");
      pane.press("Enter");
      assert.deepEqual(await other.recv(), new TextEncoder().encode("hello"));
      await pane.waitFor(
        /> \[binary, 5 bytes\] 68 65 6c 6c 6f\n< \[binary, 5 bytes\] 68 65 6c 6c 6f/,
      );
      pane.type("/binary AAEC/w==");
      pane.press("Enter");
      assert.deepEqual(await other.recv(), new Uint8Array([0, 1, 2, 255]));
      pane.type("/binary not hex!");
      pane.press("Enter");
      await pane.waitFor(/\* Cannot send binary message: "not hex!" is neither hex nor base64/);
      pane.type("/nope");
      pane.press("Enter");
      await pane.waitFor(/\* Unknown command \/nope/);
      pane.type("//slash");
      pane.press("Enter");
      assert.equal(await other.recv(), "/slash");
    });
  });

  test("/close with a code closes and exits with the status of that close", async () => {
    await session(async (pane, server) => {
      pane.type("/close 99");
      pane.press("Enter");
      await pane.waitFor(/\* Cannot close: "99" is not a close code/);
      pane.type("/close 4000 done here");
      pane.press("Enter");
      await pane.waitFor(/\* Closing with 4000 "done here"/);
      await pane.waitFor(/\* Connection closed: 4000[^\n]*\nEXIT=1$/);
      await server.waitForLog(/closed 4000 "done here"/);
    });
  });

  test("Ctrl-C closes with 1000 and exits 0", async () => {
    await session(async (pane, server) => {
      pane.type("unsent");
      pane.press("C-c");
      await pane.waitFor(/\* Connection closed: 1000 \(normal closure\)\nEXIT=0$/);
      await server.waitForLog(/closed 1000 \(normal closure\)/);
    });
  });

  test("the server stopping ends the session with 1001 and exit 0", async () => {
    await session(async (pane, server) => {
      await server.stop();
      await pane.waitFor(
        /\* Connection closed: 1001 \(going away\) "Server shutting down"\nEXIT=0$/,
      );
    });
  });
});
