/**
 * Fuzzing server mode: the suite is the server and tests a WebSocket client that speaks the
 * Autobahn URL protocol (AUTOBAHN.md section 2):
 *
 * - `GET /getCaseCount`: one text message with the number of selected cases, then close;
 * - `GET /runCase?case=N&agent=A` (or `?casetuple=1.2.3&agent=A`): case N (1-based, id order);
 *   the client echoes everything until the connection closes;
 * - `GET /updateReports?agent=A`: the run of agent A is over;
 * - `GET /getCaseInfo?case=N`: `{id, description}` as text; `GET /stopServer`.
 *
 * Every client request is checked against RFC 6455 4.1 (section 0 of our suite) and every
 * frame the client sends is checked by the strict reader (it must mask, and so on).
 */
import { createServer, type Server, type Socket } from "node:net";
import { runCase } from "./case-runner.js";
import type { Case } from "./catalogue.js";
import { answerOffers, type DeflateParams } from "./deflate.js";
import { encodeFrame, OPCODE } from "./frames.js";
import { CLIENT_CASES, checkClientRequest, runClientCase } from "./handshake-cases.js";
import { acceptFor, type Head, headerValues, writeHead } from "./http.js";
import { type CaseResult, failedResult } from "./results.js";
import { readHead, toResult } from "./wire.js";

/** Options of {@link FuzzingServer}. */
export interface FuzzingServerOptions {
  readonly cases: readonly Case[];
  readonly catalogue: readonly Case[];
  /** Ids of the section-0 handshake cases to run (0.2.x); they come first. */
  readonly handshakeCases?: readonly string[];
  readonly loopScale?: number;
  readonly onResult?: (r: CaseResult) => void;
}

type Entry =
  | { readonly kind: "handshake"; readonly c: (typeof CLIENT_CASES)[number] }
  | { readonly kind: "catalogue"; readonly c: Case };

/** A fuzzing server: listen, let a client drive it, then read the results per agent. */
export class FuzzingServer {
  readonly #options: FuzzingServerOptions;
  readonly #entries: Entry[];
  readonly #server: Server;
  readonly #results = new Map<string, Map<string, CaseResult>>();
  readonly #seenKeys = new Set<string>();
  readonly #sockets = new Set<Socket>();
  readonly #reportWaiters: ((agent: string) => void)[] = [];
  #port = 0;

  constructor(options: FuzzingServerOptions) {
    this.#options = options;
    this.#entries = [
      ...CLIENT_CASES.filter((h) => options.handshakeCases?.includes(h.id)).map(
        (c) => ({ kind: "handshake", c }) as const,
      ),
      ...options.cases.map((c) => ({ kind: "catalogue", c }) as const),
    ];
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
      socket.on("error", () => {});
      void this.#handle(socket).catch(() => socket.destroy());
    });
  }

  /** The selected cases in run order (index N-1 is `/runCase?case=N`). */
  get caseIds(): string[] {
    return this.#entries.map((e) => e.c.id);
  }

  /** Starts listening on 127.0.0.1; resolves with the port. */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => {
        const address = this.#server.address();
        this.#port = typeof address === "object" && address ? address.port : port;
        resolve(this.#port);
      });
    });
  }

  /** Resolves with the agent name when a client asks for `/updateReports`. */
  reportsRequested(): Promise<string> {
    return new Promise((resolve) => this.#reportWaiters.push(resolve));
  }

  /**
   * The results of one agent, one per selected case, in order; a case the client never ran
   * is FAILED.
   */
  results(agent: string): CaseResult[] {
    const got = this.#results.get(agent) ?? new Map<string, CaseResult>();
    return this.#entries.map(
      (e) =>
        got.get(e.c.id) ?? failedResult(e.c.id, e.c.description, "The client never ran this case"),
    );
  }

  /** The agents that ran at least one case. */
  get agents(): string[] {
    return [...this.#results.keys()];
  }

  /** Stops listening and destroys open connections. */
  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(socket: Socket): Promise<void> {
    const { head, rest } = await readHead(socket);
    const target = /^GET (\S+) HTTP/.exec(head.startLine)?.[1] ?? "";
    const url = new URL(target, "http://fuzzer");
    const agent = url.searchParams.get("agent") ?? "unknown";
    const problems = checkClientRequest(head, this.#port, this.#seenKeys);
    switch (url.pathname) {
      case "/getCaseCount":
        return this.#sendAndClose(socket, head, String(this.#entries.length));
      case "/getCaseInfo": {
        const e = this.#entry(url);
        return this.#sendAndClose(
          socket,
          head,
          JSON.stringify(e ? { id: e.c.id, description: e.c.description } : null),
        );
      }
      case "/updateReports":
        await this.#sendAndClose(socket, head, null);
        for (const w of this.#reportWaiters.splice(0)) w(agent);
        return;
      case "/stopServer":
        await this.#sendAndClose(socket, head, null);
        return;
      case "/runCase":
        break;
      default:
        socket.end(writeHead("HTTP/1.1 404 Not Found", [["Content-Length", "0"]]));
        return;
    }
    const entry = this.#entry(url);
    if (!entry) {
      socket.end(writeHead("HTTP/1.1 404 Not Found", [["Content-Length", "0"]]));
      return;
    }
    const result = await this.#run(entry, socket, head, rest, problems);
    let perAgent = this.#results.get(agent);
    if (!perAgent) this.#results.set(agent, (perAgent = new Map()));
    perAgent.set(entry.c.id, result);
    this.#options.onResult?.(result);
  }

  #entry(url: URL): Entry | undefined {
    const tuple = url.searchParams.get("casetuple");
    if (tuple) return this.#entries.find((e) => e.c.id === tuple);
    return this.#entries[Number(url.searchParams.get("case")) - 1];
  }

  async #run(entry: Entry, socket: Socket, head: Head, rest: Uint8Array, problems: string[]) {
    const catalogue = this.#options.catalogue;
    const c = entry.c;
    if (entry.kind === "handshake") {
      const r = await runClientCase(entry.c, socket, head, rest, catalogue);
      return problems.length > 0 ? withProblems(r, problems) : r;
    }
    const key = headerValues(head, "sec-websocket-key")[0];
    if (!key) {
      socket.end(writeHead("HTTP/1.1 400 Bad Request", [["Content-Length", "0"]]));
      return failedResult(c.id, c.description, `Client request: ${problems.join("; ")}`);
    }
    const fields: [string, string][] = [
      ["Upgrade", "websocket"],
      ["Connection", "Upgrade"],
      ["Sec-WebSocket-Accept", acceptFor(key)],
    ];
    let deflate: DeflateParams | null = null;
    if (entry.c.deflate) {
      const answer = answerOffers(c.id, headerValues(head, "sec-websocket-extensions"));
      if (answer) {
        fields.push(["Sec-WebSocket-Extensions", answer.header]);
        deflate = answer.params;
      }
    }
    socket.write(writeHead("HTTP/1.1 101 Switching Protocols", fields));
    const run = await runCase(entry.c, socket, rest, {
      role: "server",
      deflate,
      catalogue,
      ...(this.#options.loopScale === undefined ? {} : { loopScale: this.#options.loopScale }),
    });
    const observation =
      problems.length > 0
        ? {
            ...run.observation,
            violations: [
              ...problems.map((p) => `Client request: ${p}`),
              ...run.observation.violations,
            ],
          }
        : run.observation;
    return toResult(entry.c, observation, run.durationMs, run.loopCount);
  }

  /** Accepts, optionally sends one text message, closes with 1000 and drops TCP. */
  async #sendAndClose(socket: Socket, head: Head, text: string | null): Promise<void> {
    const key = headerValues(head, "sec-websocket-key")[0] ?? "";
    socket.write(
      writeHead("HTTP/1.1 101 Switching Protocols", [
        ["Upgrade", "websocket"],
        ["Connection", "Upgrade"],
        ["Sec-WebSocket-Accept", acceptFor(key)],
      ]),
    );
    if (text !== null) socket.write(encodeFrame(OPCODE.text, new TextEncoder().encode(text)));
    socket.write(encodeFrame(OPCODE.close, new Uint8Array([0x03, 0xe8])));
    // Give the client a moment to answer the close, then drop TCP as a server does.
    socket.resume();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      socket.once("data", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    socket.end();
  }
}

function withProblems(r: CaseResult, problems: readonly string[]): CaseResult {
  return { ...r, behavior: "FAILED", result: `Client request: ${problems.join("; ")}` };
}
