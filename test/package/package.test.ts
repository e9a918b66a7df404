import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

// The package as npm and JSR would publish it: what the tarball holds, that
// every entry loads with require() and import() on each Node we support,
// publint and arethetypeswrong (esm-only) on the tarball, and JSR's dry run.

const run = promisify(execFile);
/** The repository root (this file is .build/test/package/package.test.js once built). */
const root = resolve(fileURLToPath(import.meta.url), "../../../..");
// Inside the repository, so that the unpacked package finds its dependencies
// (fflate, the redis peer) in the repository's node_modules.
const scratch = join(root, ".build/package-test");
const unpacked = join(scratch, "node_modules/websocket-sansio");

interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, unknown>;
  bin: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;

/** Every file an exports map points to, through its conditions. */
function targets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(targets);
}

/** What each entry must export: a few names users reach for (any one missing means a broken entry). */
const EXPECTED: Record<string, readonly string[]> = {
  ".": ["ServerProtocol", "ClientProtocol", "ProtocolError"],
  "./node": ["serve", "connect", "diagnosticsChannels", "WebSocket"],
  "./proxy": ["ProxyError"],
  "./redis": ["redisBackplane"],
  "./testing": ["connectPair", "serveInMemory"],
  "./web": ["serve", "connect", "StreamTransport"],
  "./ws": ["WebSocketServer"],
  "./runtime": ["serve", "connect"],
};

let tarball = "";
let files: string[] = [];

describe("The npm package", { timeout: 180_000 }, () => {
  before(async () => {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(unpacked, { recursive: true });
    // `npm pack` runs `prepack` (a clean build of dist/), as `npm publish` does.
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(scratch, packed!.filename);
    files = packed!.files.map((file) => file.path).sort();
    await run("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"]);
  });

  test("the tarball holds the entries, the CLI and the README, and nothing else", () => {
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE(\.md)?$/,
      /^bin\/websocket-sansio\.js$/,
      /^dist\/[\w/.-]+\.(js|d\.ts)$/,
    ];
    const stray = files.filter((path) => !allowed.some((pattern) => pattern.test(path)));
    assert.deepEqual(stray, [], "files that the docs do not promise");
    // Every entry's files, the bin and what the bin runs are there.
    const needed = [
      ...targets(pkg.exports).map((target) => target.replace(/^\.\//, "")),
      ...Object.values(pkg.bin),
      "dist/cli/run.js",
      "README.md",
    ];
    for (const path of needed) assert.ok(files.includes(path), `${path} is missing`);
    // No tests, benchmarks, sources or build output of ours slipped in under dist/.
    assert.ok(!files.some((path) => /(^|\/)(test|bench|conformance|\.build)\//.test(path)));
    assert.ok(!files.some((path) => path.endsWith(".map")));
  });

  test("publint finds nothing (strict)", async () => {
    const { messages, pkg: linted } = await publint({
      pkgDir: unpacked,
      pack: false,
      strict: true,
    });
    assert.deepEqual(
      messages.map((message) => formatMessage(message, linted, { color: false })),
      [],
    );
  });

  test("arethetypeswrong finds nothing with the esm-only profile", async () => {
    const attw = join(root, "node_modules/.bin/attw");
    const { stdout } = await run(attw, [tarball, "--profile", "esm-only", "--format", "json"], {
      cwd: scratch,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => {
      // Exit status 1 with the problems on stdout: show them.
      assert.fail(`attw failed:\n${error.stdout ?? String(error)}`);
    });
    const report = JSON.parse(stdout) as {
      analysis: {
        entrypoints: Record<string, unknown>;
        problems: { kind: string; entrypoint: string; resolutionKind?: string }[];
      };
    };
    // esm-only ignores only what a CommonJS-era resolver sees.
    const problems = report.analysis.problems.filter(
      (problem) => problem.resolutionKind !== "node10" && problem.resolutionKind !== "node16-cjs",
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      Object.keys(report.analysis.entrypoints).sort(),
      Object.keys(pkg.exports).sort(),
    );
  });

  // Node >= 20.19 and >= 22.12 load ES modules with require(); the .runtimes
  // ones are installed by scripts/install-runtimes.sh (pretest).
  const nodes = [
    process.execPath,
    ...["node22", "node24", "node26"].map((name) =>
      join(root, `.runtimes/node_modules/${name}/bin/node`),
    ),
  ];
  for (const node of nodes) {
    test(`every entry loads with require() and import() on ${node === process.execPath ? `this Node (${process.version})` : node.split("/").at(-3)}`, async (t) => {
      if (!existsSync(node)) {
        t.skip("not installed (scripts/install-runtimes.sh)");
        return;
      }
      const entries = Object.keys(pkg.exports).filter((entry) => entry !== "./package.json");
      const script = `
        const entries = ${JSON.stringify(entries)};
        const out = { version: process.version, required: {}, imported: {} };
        for (const entry of entries) {
          const id = "websocket-sansio" + entry.slice(1);
          try { out.required[entry] = Object.keys(require(id)); } catch (e) { out.required[entry] = String(e); }
        }
        (async () => {
          for (const entry of entries) {
            const id = "websocket-sansio" + entry.slice(1);
            try { out.imported[entry] = Object.keys(await import(id)); } catch (e) { out.imported[entry] = String(e); }
          }
          console.log(JSON.stringify(out));
        })();`;
      const { stdout } = await run(node, ["--no-warnings", "-e", script], { cwd: scratch });
      const out = JSON.parse(stdout) as {
        version: string;
        required: Record<string, string[] | string>;
        imported: Record<string, string[] | string>;
      };
      const [major, minor] = out.version.slice(1).split(".").map(Number) as [number, number];
      assert.ok(major > 20 || (major === 20 && minor >= 19), `${out.version} is older than 20.19`);
      for (const entry of entries) {
        for (const [how, keys] of [
          ["require()", out.required[entry]],
          ["import()", out.imported[entry]],
        ] as const) {
          assert.ok(Array.isArray(keys), `${how} of ${entry} failed on ${out.version}: ${keys}`);
          for (const name of EXPECTED[entry] ?? []) {
            // require() of the ws entry gives ws's shape: the WebSocket class with the rest on it.
            assert.ok(keys.includes(name), `${how} of ${entry} on ${out.version} has no ${name}`);
          }
        }
      }
    });
  }
});

describe("The JSR package", { timeout: 120_000 }, () => {
  const deno = join(root, ".runtimes/node_modules/@deno/linux-x64-glibc/deno");
  const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as {
    name: string;
    version: string;
    exports: Record<string, string>;
  };

  test("has the npm package's version and entries", () => {
    assert.equal(config.version, pkg.version);
    assert.deepEqual(
      Object.keys(config.exports).sort(),
      Object.keys(pkg.exports)
        .filter((entry) => entry !== "./package.json")
        .sort(),
    );
    for (const [entry, path] of Object.entries(config.exports)) {
      assert.ok(existsSync(join(root, path)), `${entry}: ${path} does not exist`);
    }
  });

  test("deno publish --dry-run passes (type check and slow types), offline", async (t) => {
    if (!existsSync(deno)) {
      t.skip("Deno not installed (scripts/install-runtimes.sh)");
      return;
    }
    const { stdout, stderr } = await run(deno, ["publish", "--dry-run", "--allow-dirty"], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        DENO_NO_UPDATE_CHECK: "1",
        NO_COLOR: "1",
        // Offline: no registry is needed (the npm dependencies resolve from
        // package.json and node_modules); a proxy that refuses makes sure.
        HTTPS_PROXY: "http://127.0.0.1:9",
        HTTP_PROXY: "http://127.0.0.1:9",
      },
    }).catch((error: { stdout?: string; stderr?: string }) =>
      assert.fail(`deno publish --dry-run failed:\n${error.stderr ?? ""}${error.stdout ?? ""}`),
    );
    assert.match(stdout + stderr, /Success Dry run complete/);
    // The published files: the sources of the entries, no tests or CLI.
    const published = [
      ...(stdout + stderr).matchAll(/file:\/\/\S+?\/((?:src|README|deno)\S*)/g),
    ].map((match) => match[1]);
    assert.ok(published.includes("src/core/index.ts"), published.join("\n"));
    assert.ok(!published.some((path) => path?.startsWith("src/cli/")));
  });
});
