/**
 * Fuzzing client mode: the suite is the client and tests a WebSocket echo server.
 *
 * For each case it opens a new TCP connection to the server URL, performs the opening handshake
 * the way Autobahn's fuzzer does (AUTOBAHN.md section 2), checks the server's response strictly
 * (RFC 6455 4.2.2, RFC 7692 7.1), runs the case and judges it.
 */
import type { Socket } from "node:net";
import { runCase } from "./case-runner.js";
import type { Case } from "./catalogue.js";
import { acceptResponse, type DeflateParams } from "./deflate.js";
import { runServerCase, SERVER_CASES } from "./handshake-cases.js";
import { headerValues, newKey, writeHead } from "./http.js";
import { type CaseResult, failedResult, pool } from "./results.js";
import {
  checkUpgradeResponse,
  openSocket,
  parseTarget,
  readHead,
  requestFields,
  type Target,
  toResult,
} from "./wire.js";

/** Options of {@link fuzzServer}. */
export interface FuzzServerOptions {
  /** The echo server's URL, `ws://host:port/path`. */
  readonly url: string;
  readonly cases: readonly Case[];
  readonly catalogue: readonly Case[];
  /** Cases run at once, except the heavy sections 9, 12 and 13. */
  readonly concurrency?: number;
  /** Cases of sections 9, 12 and 13 run at once. */
  readonly heavyConcurrency?: number;
  readonly loopScale?: number;
  /** Ids of the section-0 handshake cases to run (0.1.x). */
  readonly handshakeCases?: readonly string[];
  /** Called as each case finishes (progress output). */
  readonly onResult?: (r: CaseResult) => void;
}

/** Opens a connection and performs the opening handshake for case `c`. */
async function handshake(
  target: Target,
  c: Case,
): Promise<{ socket: Socket; rest: Uint8Array; deflate: DeflateParams | null }> {
  const socket = await openSocket(target);
  try {
    const key = newKey();
    const offer = c.deflate?.fuzzingclient_offer_header;
    socket.write(writeHead(`GET ${target.path} HTTP/1.1`, requestFields(target, key, offer)));
    const { head, rest } = await readHead(socket);
    const problems = checkUpgradeResponse(head, key);
    if (problems.length > 0) throw new Error(problems.join("; "));
    const extensions = headerValues(head, "sec-websocket-extensions");
    let deflate: DeflateParams | null = null;
    if (offer) deflate = acceptResponse(offer, extensions);
    else if (extensions.length > 0)
      throw new Error(`server accepted extensions never offered: ${extensions}`);
    return { socket, rest, deflate };
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

/** Runs one catalogue case against the server. */
export async function fuzzOne(
  target: Target,
  c: Case,
  options: Pick<FuzzServerOptions, "catalogue" | "loopScale">,
): Promise<CaseResult> {
  let conn: Awaited<ReturnType<typeof handshake>>;
  try {
    conn = await handshake(target, c);
  } catch (e) {
    return failedResult(c.id, c.description, `Handshake failed: ${(e as Error).message}`);
  }
  const run = await runCase(c, conn.socket, conn.rest, {
    role: "client",
    deflate: conn.deflate,
    catalogue: options.catalogue,
    ...(options.loopScale === undefined ? {} : { loopScale: options.loopScale }),
  });
  return toResult(c, run.observation, run.durationMs, run.loopCount);
}

/** Whether a case belongs to the heavy sections (large messages, long loops). */
export function isHeavy(c: { readonly id: string }): boolean {
  return /^(9|12|13)\./.test(c.id);
}

/** Runs every selected case against the echo server at `options.url`. */
export async function fuzzServer(options: FuzzServerOptions): Promise<CaseResult[]> {
  const target = parseTarget(options.url);
  const light = options.cases.filter((c) => !isHeavy(c));
  const heavy = options.cases.filter(isHeavy);
  const report = (r: CaseResult) => {
    options.onResult?.(r);
    return r;
  };
  const task = async (c: Case) => report(await fuzzOne(target, c, options));
  const handshakes = SERVER_CASES.filter((h) => options.handshakeCases?.includes(h.id));
  return [
    ...(await pool(handshakes, options.concurrency ?? 16, async (h) =>
      report(await runServerCase(h, target, options.catalogue)),
    )),
    ...(await pool(light, options.concurrency ?? 16, task)),
    ...(await pool(heavy, options.heavyConcurrency ?? 1, task)),
  ];
}
