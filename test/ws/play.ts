// Plays a scenario (scenario.ts) with each side on the implementation asked
// for: the facade in this process (whatever runtime runs the tests), real ws 8
// in a Node child process (fixtures/real-ws.ts), the two talking over loopback.
//
// Real ws runs in the Node child on Node too: Bun replaces the `ws` package
// with its own implementation inside a Bun process, so the reference traces
// can only come from Node; with one code path on every runtime, the path Bun
// needs is the one every Node run exercises, and these tests never import
// `ws` themselves. One child serves a whole test file (a Node start costs
// 0.2 to 1 s on a loaded machine); each test file closes it in `after`.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as facade from "../../src/ws/index.js";
import { runtimes } from "../runtimes/runtimes.js";
import { type Module, type Params, playHere, roles, type Traces } from "./scenario.js";

export type { Params } from "./scenario.js";

/** Which implementation plays a side: `ws` (real ws 8, on Node) or our `facade`. */
export type Side = "ws" | "facade";

const FIXTURE = fileURLToPath(new URL("./fixtures/real-ws.js", import.meta.url));
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A Node binary for the child: this one when the tests run on Node; on Bun
 * or Deno, one installed by scripts/install-runtimes.sh, else `node` on PATH.
 */
export function nodeBinary(): string {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions["bun"] === undefined && versions["deno"] === undefined) return process.execPath;
  for (const name of ["node24", "node22", "node26"] as const) {
    if (existsSync(runtimes[name])) return runtimes[name];
  }
  return "node";
}

/** The Node child playing real ws, answering one request at a time by id. */
class RealWs {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly #exited: Promise<void>;
  #stderr = "";
  #id = 0;

  constructor() {
    const child = spawn(nodeBinary(), [FIXTURE, "serve"], { stdio: ["pipe", "pipe", "pipe"] });
    this.#child = child;
    child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      this.#stderr += text;
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const { id, result, error } = JSON.parse(line) as {
        id: number;
        result?: unknown;
        error?: string;
      };
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      if (error === undefined) pending?.resolve(result);
      else pending?.reject(new Error(`Real ws (Node child) failed: ${error}`));
    });
    this.#exited = new Promise((resolve) => {
      const fail = (why: string) => {
        for (const { reject } of this.#pending.values()) {
          reject(new Error(`The real ws child ${why}\nstderr:\n${this.#stderr}`));
        }
        this.#pending.clear();
        resolve();
      };
      child.on("error", (error) => fail(`failed to start: ${error.message}`));
      child.on("exit", (code, signal) => fail(`exited with ${code ?? signal}`));
    });
  }

  /** Sends `request`; its answer, or a rejection after REQUEST_TIMEOUT_MS. */
  request<T>(request: Record<string, unknown>): Promise<T> {
    const id = ++this.#id;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`The real ws child did not answer ${JSON.stringify(request)} in time`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#child.stdin!.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }

  /** Ends stdin (the child stops its servers and exits); killed if it takes over 2 s. */
  async close(): Promise<void> {
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 2000);
    await this.#exited;
    clearTimeout(timer);
  }
}

let child: RealWs | undefined;

/** Stops the real ws child, if one was started (each test file, in `after`). */
export async function closeRealWs(): Promise<void> {
  const closing = child?.close();
  child = undefined;
  await closing;
}

/**
 * Plays scenario `module/name` with `params`, each side on the implementation
 * `sides` asks for: facade sides here, ws sides in the Node child (both there
 * when both are ws), talking over loopback across the process boundary.
 */
export async function play(
  module: Module,
  name: string,
  params: Params,
  sides: { server: Side; client: Side },
): Promise<Traces> {
  const here = await roles(module, name, params);
  const noServer = here.server === undefined;
  if (sides.client === "facade" && (sides.server === "facade" || noServer)) {
    return playHere(here, facade, facade);
  }
  child ??= new RealWs();
  const request = { module, name, params };
  if (sides.client === "ws" && (sides.server === "ws" || noServer)) {
    return child.request<Traces>({ op: "both", ...request });
  }
  if (sides.server === "ws") {
    // A real ws server in the child, our client here.
    const { port } = await child.request<{ port: number }>({ op: "serve", ...request });
    const client: string[] = [];
    const failed = await here.client(facade, port, client).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    const { server } = await child.request<{ server: string[] }>({ op: "stop", port });
    if (failed !== undefined) throw failed.error;
    return { server, client };
  }
  // Our server here, a real ws client in the child.
  const server: string[] = [];
  const side = await here.server!(facade, server);
  try {
    const { client } = await child.request<{ client: string[] }>({
      op: "client",
      ...request,
      port: side.port,
    });
    return { server, client };
  } finally {
    await side.stop();
  }
}
