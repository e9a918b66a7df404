/**
 * `npm run conformance`: runs the suite against a server, a client, or both, prints the
 * report and exits non-zero unless every case is OK or INFORMATIONAL with a clean close.
 *
 *   node .build/conformance/cli.js [--target ours|ws] [--server-url ws://host:port/]
 *     [--server-cmd "cmd --port {port}"] [--client-cmd "cmd --url {url} --agent {agent}"]
 *     [--cases "1.*,6.4.*"] [--exclude "9.*"] [--profile fast|full] [--out reports/conformance]
 *
 * Profiles: `full` is Autobahn exactly (1000 messages per 12.x and 13.x case; about 15 minutes
 * per peer against ws); `fast` (the default, and CI's) runs every case but sends 20 messages
 * per compression case instead of 1000 (about 40 s per peer against ws).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { type Case, loadCatalogue, selectCases } from "./catalogue.js";
import { fuzzServer } from "./fuzzing-client.js";
import { FuzzingServer } from "./fuzzing-server.js";
import { CLIENT_CASES, SERVER_CASES } from "./handshake-cases.js";
import {
  countVerdicts,
  passed,
  problemTable,
  type RunReport,
  summaryTable,
  writeReport,
} from "./report.js";
import type { CaseResult } from "./results.js";

/** Parsed command-line options. */
export interface CliOptions {
  target?: string;
  serverUrl?: string;
  serverCmd?: string;
  clientCmd?: string;
  agent?: string;
  cases: string[];
  exclude: string[];
  profile: "fast" | "full";
  out: string;
  concurrency: number;
  quiet: boolean;
}

const FAST_LOOP_SCALE = 0.02;

/** Parses argv (without node and the script). */
export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    cases: ["*"],
    exclude: [],
    profile: "fast",
    out: "reports/conformance",
    concurrency: 16,
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new TypeError(`Cannot parse arguments: ${arg} needs a value`);
      return v;
    };
    const list = () =>
      value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    switch (arg) {
      case "--target":
        o.target = value();
        break;
      case "--server-url":
        o.serverUrl = value();
        break;
      case "--server-cmd":
        o.serverCmd = value();
        break;
      case "--client-cmd":
        o.clientCmd = value();
        break;
      case "--agent":
        o.agent = value();
        break;
      case "--cases":
        o.cases = list();
        break;
      case "--exclude":
        o.exclude = list();
        break;
      case "--profile": {
        const p = value();
        if (p !== "fast" && p !== "full")
          throw new TypeError(`Cannot parse arguments: profile "${p}"`);
        o.profile = p;
        break;
      }
      case "--out":
        o.out = value();
        break;
      case "--concurrency":
        o.concurrency = Number(value());
        break;
      case "--quiet":
        o.quiet = true;
        break;
      default:
        throw new TypeError(`Cannot parse arguments: unknown option "${arg}"`);
    }
  }
  return o;
}

/** The commands of a named target preset. */
export function preset(name: string): { serverCmd: string; clientCmd: string; agent: string } {
  if (name === "ws") {
    return {
      serverCmd: "node .build/conformance/targets/ws-echo-server.js --port {port}",
      clientCmd:
        "node .build/conformance/targets/ws-autobahn-client.js --url {url} --agent {agent}",
      agent: "ws",
    };
  }
  if (name === "ours") {
    return {
      serverCmd: "npm run --silent autobahn:server -- --port {port}",
      clientCmd: "npm run --silent autobahn:client -- --url {url} --agent {agent}",
      agent: "websocket-sansio",
    };
  }
  if (name === "ours-h2") {
    // Our HTTP/2 transport (RFC 8441) in both roles, through a bridge that
    // translates only the opening handshake (see targets/h2-bridge.ts); run
    // it with `--exclude "0.*"`: the HTTP/1.1 handshake cases do not apply.
    const bridge = "node .build/conformance/targets/h2-bridge.js";
    return {
      serverCmd: `${bridge} server --port {port}`,
      clientCmd: `${bridge} client --url {url} --agent {agent}`,
      agent: "websocket-sansio-h2",
    };
  }
  throw new TypeError(`Cannot select target "${name}": use ours, ours-h2 or ws`);
}

/** `ours` when package.json has the autobahn:server and autobahn:client scripts, else `ws`. */
export function defaultTarget(): string {
  try {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
      scripts?: Record<string, string>;
    };
    return pkg.scripts?.["autobahn:server"] && pkg.scripts["autobahn:client"] ? "ours" : "ws";
  } catch {
    return "ws";
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a shell command in its own process group, so that it can be stopped as a whole. */
function start(command: string, quiet: boolean): ChildProcess {
  return spawn(command, {
    shell: true,
    detached: true,
    stdio: ["ignore", quiet ? "ignore" : "inherit", "inherit"],
  });
}

function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the server command exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

/** What to run, resolved from the options. */
interface Selection {
  readonly catalogue: Case[];
  readonly cases: Case[];
  readonly serverHandshakes: string[];
  readonly clientHandshakes: string[];
  readonly loopScale: number;
}

function select(o: CliOptions): Selection {
  const catalogue = loadCatalogue();
  return {
    catalogue,
    cases: selectCases(catalogue, o.cases, o.exclude),
    serverHandshakes: selectCases(SERVER_CASES, o.cases, o.exclude).map((c) => c.id),
    clientHandshakes: selectCases(CLIENT_CASES, o.cases, o.exclude).map((c) => c.id),
    loopScale: o.profile === "full" ? 1 : FAST_LOOP_SCALE,
  };
}

function progress(quiet: boolean) {
  let n = 0;
  return (r: CaseResult) => {
    n++;
    if (!quiet && process.stdout.isTTY) process.stdout.write(`\r${n} cases done (${r.id})      `);
  };
}

/** Runs the fuzzing client against a server URL. */
export async function testServer(
  o: CliOptions,
  s: Selection,
  url: string,
  agent: string,
): Promise<RunReport> {
  const started = performance.now();
  const results = await fuzzServer({
    url,
    cases: s.cases,
    catalogue: s.catalogue,
    handshakeCases: s.serverHandshakes,
    loopScale: s.loopScale,
    concurrency: o.concurrency,
    onResult: progress(o.quiet),
  });
  return {
    agent,
    tested: "server",
    profile: o.profile,
    durationMs: performance.now() - started,
    results,
  };
}

/** Runs the fuzzing server and a client command against it. */
export async function testClient(
  o: CliOptions,
  s: Selection,
  command: string,
  agent: string,
): Promise<RunReport> {
  const started = performance.now();
  const server = new FuzzingServer({
    cases: s.cases,
    catalogue: s.catalogue,
    handshakeCases: s.clientHandshakes,
    loopScale: s.loopScale,
    onResult: progress(o.quiet),
  });
  const port = await server.listen(0);
  const url = `ws://127.0.0.1:${port}`;
  const child = start(
    command
      .replaceAll("{url}", url)
      .replaceAll("{agent}", agent)
      .replaceAll("{port}", String(port)),
    o.quiet,
  );
  const limitMs = o.profile === "full" ? 3 * 3600_000 : 15 * 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      server.reportsRequested(),
      new Promise((resolve) => child.once("exit", resolve)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, limitMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    stop(child);
    await server.close();
  }
  // A client may report under its own agent name; use it when it is the only one.
  const reported =
    server.agents.includes(agent) || server.agents.length !== 1 ? agent : server.agents[0]!;
  return {
    agent,
    tested: "client",
    profile: o.profile,
    durationMs: performance.now() - started,
    results: server.results(reported),
  };
}

function print(run: RunReport, folder: string): void {
  const { behavior, close } = countVerdicts(run.results);
  const fmt = (c: Record<string, number>) =>
    Object.entries(c)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
  console.log(`\n== ${run.agent}: ${run.tested} under test (${run.profile} profile) ==`);
  console.log(summaryTable(run.results));
  console.log(`behavior: ${fmt(behavior)}; close: ${fmt(close)}`);
  console.log(
    `${run.results.length} cases in ${(run.durationMs / 1000).toFixed(1)} s -> ${passed(run.results) ? "PASSED" : "FAILED"}`,
  );
  if (!passed(run.results)) console.log(problemTable(run.results));
  console.log(`report: ${folder}/report.md, ${folder}/index.json`);
}

/** Entry point; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const o = parseArgs(argv);
  const explicit =
    o.serverUrl !== undefined || o.serverCmd !== undefined || o.clientCmd !== undefined;
  const targetName = o.target ?? (explicit ? undefined : defaultTarget());
  const p = targetName ? preset(targetName) : undefined;
  if (!o.target && !explicit) console.log(`Target: ${targetName} (pass --target to choose)`);
  const agent = o.agent ?? p?.agent ?? "peer";
  const serverCmd = o.serverCmd ?? (o.serverUrl ? undefined : p?.serverCmd);
  const clientCmd = o.clientCmd ?? p?.clientCmd;
  const s = select(o);
  const runs: RunReport[] = [];
  if (o.serverUrl) {
    runs.push(await testServer(o, s, o.serverUrl, agent));
  } else if (serverCmd) {
    const port = await freePort();
    const child = start(serverCmd.replaceAll("{port}", String(port)), o.quiet);
    try {
      await waitForPort(port, 60_000, child);
      runs.push(await testServer(o, s, `ws://127.0.0.1:${port}/`, agent));
    } finally {
      stop(child);
    }
  }
  if (clientCmd) runs.push(await testClient(o, s, clientCmd, agent));
  let ok = runs.length > 0;
  for (const run of runs) {
    print(run, writeReport(o.out, run));
    ok &&= passed(run.results);
  }
  return ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(2);
    },
  );
}
