/**
 * Reports: a text table per run (printed and written as Markdown) and a JSON file in the shape
 * of Autobahn's `index.json` (`{agent: {caseId: {behavior, behaviorClose, duration, ...}}}`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareIds } from "./catalogue.js";
import type { CaseResult } from "./results.js";
import { CLOSE_VERDICTS, isStrictPass, VERDICTS } from "./verdict.js";

/** One run: which peer, in which role, with what results. */
export interface RunReport {
  readonly agent: string;
  /** What was tested: `server` (fuzzing client mode) or `client` (fuzzing server mode). */
  readonly tested: "server" | "client";
  readonly profile: string;
  readonly durationMs: number;
  readonly results: readonly CaseResult[];
}

/** Counts of each verdict. */
export function countVerdicts(results: readonly CaseResult[]) {
  const behavior = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<string, number>;
  const close = Object.fromEntries(CLOSE_VERDICTS.map((v) => [v, 0])) as Record<string, number>;
  for (const r of results) {
    behavior[r.behavior] = (behavior[r.behavior] ?? 0) + 1;
    close[r.behaviorClose] = (close[r.behaviorClose] ?? 0) + 1;
  }
  return { behavior, close };
}

/** Whether every case passed the strict gate (behaviour and close OK or INFORMATIONAL). */
export function passed(results: readonly CaseResult[]): boolean {
  return results.length > 0 && results.every(isStrictPass);
}

const section = (id: string) => id.split(".")[0]!;

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** The summary table: one row per section with counts per verdict, then a total row. */
export function summaryTable(results: readonly CaseResult[]): string {
  const sections = [...new Set(results.map((r) => section(r.id)))].sort((a, b) => compareIds(a, b));
  const cols = [...VERDICTS, "close OK", "close other"];
  const lines = [
    `| section | cases | ${cols.join(" | ")} |`,
    `|---|---:|${cols.map(() => "---:").join("|")}|`,
  ];
  const row = (name: string, rs: readonly CaseResult[]) => {
    const { behavior } = countVerdicts(rs);
    const closeOk = rs.filter(
      (r) => r.behaviorClose === "OK" || r.behaviorClose === "INFORMATIONAL",
    ).length;
    const cells = [
      ...VERDICTS.map((v) => String(behavior[v] ?? 0)),
      String(closeOk),
      String(rs.length - closeOk),
    ];
    return `| ${name} | ${rs.length} | ${cells.join(" | ")} |`;
  };
  for (const s of sections)
    lines.push(
      row(
        s,
        results.filter((r) => section(r.id) === s),
      ),
    );
  lines.push(row("**all**", results));
  return lines.join("\n");
}

/** The rows that did not pass the strict gate, with reasons. */
export function problemTable(results: readonly CaseResult[]): string {
  const bad = results.filter((r) => !isStrictPass(r));
  if (bad.length === 0) return "Every case: OK or INFORMATIONAL, with a clean close.";
  const w = Math.max(...bad.map((r) => r.id.length));
  return bad
    .map(
      (r) =>
        `${pad(r.id, w)}  ${pad(r.behavior, 13)} ${pad(r.behaviorClose, 16)} ${r.result}${r.behaviorClose === "OK" ? "" : ` | close: ${r.resultClose}`}`,
    )
    .join("\n");
}

/** The full report as Markdown. */
export function markdown(run: RunReport): string {
  const all = run.results
    .map(
      (r) =>
        `| ${r.id} | ${r.behavior} | ${r.behaviorClose} | ${r.durationMs} | ${r.remoteCloseCode ?? ""} | ${r.result.replace(/\|/g, "\\|")} |`,
    )
    .join("\n");
  return `# Conformance: ${run.agent} (${run.tested} under test)

Profile ${run.profile}, ${run.results.length} cases, ${(run.durationMs / 1000).toFixed(1)} s, ${passed(run.results) ? "PASSED" : "FAILED"} (gate: OK or INFORMATIONAL, close OK or INFORMATIONAL).

${summaryTable(run.results)}

## Not passing

\`\`\`
${problemTable(run.results)}
\`\`\`

## Every case

| case | behavior | close | ms | peer code | result |
|---|---|---|---:|---:|---|
${all}
`;
}

/** Writes `index.json` and `report.md` under `dir/<tested>-<agent>/`; returns that folder. */
export function writeReport(dir: string, run: RunReport): string {
  const folder = join(dir, `${run.tested}-${run.agent.replace(/[^\w.-]+/g, "_")}`);
  mkdirSync(folder, { recursive: true });
  const index = {
    [run.agent]: Object.fromEntries(
      run.results.map((r) => [
        r.id,
        {
          behavior: r.behavior,
          behaviorClose: r.behaviorClose,
          duration: r.durationMs,
          remoteCloseCode: r.remoteCloseCode,
          result: r.result,
          resultClose: r.resultClose,
          ...(r.loopCount === undefined ? {} : { loopCount: r.loopCount }),
        },
      ]),
    ),
  };
  const meta = {
    agent: run.agent,
    tested: run.tested,
    profile: run.profile,
    durationMs: Math.round(run.durationMs),
    passed: passed(run.results),
    counts: countVerdicts(run.results),
  };
  writeFileSync(join(folder, "index.json"), `${JSON.stringify(index, null, 2)}\n`);
  writeFileSync(join(folder, "summary.json"), `${JSON.stringify(meta, null, 2)}\n`);
  writeFileSync(join(folder, "report.md"), markdown(run));
  return folder;
}
