// Type-checks every TypeScript code block of README.md and docs/*.md against
// the package's built types, as a user's code would see them: the blocks
// import "websocket-sansio/…" and resolve it through package.json "exports"
// to the declarations `tsc -p tsconfig.build.json` emits.
//
//   node tools/docs/code-blocks.mjs
//
// A block is a module of its own. A block that uses names it does not define
// (an application's `handler`, a framework's `app`) declares them in an HTML
// comment just before it, which GitHub and the site do not show:
//
//   <!-- prelude
//   import type { Handler } from "websocket-sansio/node";
//   declare const handler: Handler;
//   -->
//   ```ts
//
// A block that cannot be checked at all is marked ```ts ignore (keep it rare).

import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The Markdown files whose blocks are checked. */
export function markdownFiles() {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs.sort()];
}

/**
 * The TypeScript blocks of a Markdown text: `{ line, code, prelude }`, line
 * being the 1-based line of the block's first code line.
 */
export function extractBlocks(text) {
  const lines = text.split("\n");
  const blocks = [];
  let prelude = null; // the prelude comment seen last, if nothing came after it
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("<!-- prelude")) {
      const start = i + 1;
      while (i < lines.length && !lines[i].includes("-->")) i++;
      prelude = lines.slice(start, i).join("\n");
      continue;
    }
    const fence = /^(\s*)(```+|~~~+)\s*([^\s`]*)\s*(.*)$/.exec(line);
    if (fence === null) {
      if (line.trim() !== "") prelude = null;
      continue;
    }
    const [, indent, marker, lang, rest] = fence;
    const start = i + 1;
    i++;
    while (i < lines.length && !lines[i].trimStart().startsWith(marker)) i++;
    const isTs = lang === "ts" || lang === "typescript";
    if (isTs && !/\bignore\b/.test(rest)) {
      const code = lines
        .slice(start, i)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join("\n");
      blocks.push({ line: start + 1, code, prelude: prelude ?? "" });
    }
    prelude = null;
  }
  return blocks;
}

/**
 * Writes every block to `.build-docs/blocks/`, emits the package's types to
 * `.build-docs/package/dist`, and runs tsc. Returns `{ ok, count, errors }`,
 * errors as `file.md:line: message` lines.
 */
export function checkCodeBlocks(files = markdownFiles()) {
  const work = join(root, ".build-docs");
  const blocksDir = join(work, "blocks");
  const packageDir = join(work, "package");
  rmSync(blocksDir, { recursive: true, force: true });
  rmSync(packageDir, { recursive: true, force: true });
  mkdirSync(join(blocksDir, "node_modules"), { recursive: true });
  mkdirSync(packageDir, { recursive: true });

  // The package as installed: its package.json (for "exports") and its types.
  copyFileSync(join(root, "package.json"), join(packageDir, "package.json"));
  const tsc = join(root, "node_modules", ".bin", "tsc");
  const emit = spawnSync(
    tsc,
    [
      "-p",
      join(root, "tsconfig.build.json"),
      "--outDir",
      join(packageDir, "dist"),
      "--emitDeclarationOnly",
      "--declarationMap",
      "false",
    ],
    { encoding: "utf8" },
  );
  if (emit.status !== 0) {
    return { ok: false, count: 0, errors: [`Cannot emit the package's types:\n${emit.stdout}`] };
  }
  symlinkSync(packageDir, join(blocksDir, "node_modules", "websocket-sansio"), "dir");

  // One module per block; where each came from, to report errors there.
  const origins = new Map();
  let count = 0;
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    for (const { line, code, prelude } of extractBlocks(text)) {
      const name = `${file.replace(/\.md$/, "").replace(/[^\w-]+/g, "_")}_${line}.ts`;
      // Deno's npm: specifiers name the same package.
      const body = code.replaceAll('"npm:websocket-sansio', '"websocket-sansio');
      const head = prelude === "" ? "" : `${prelude}\n`;
      writeFileSync(join(blocksDir, name), `${head}${body}\nexport {};\n`);
      origins.set(name, { file, line, offset: head === "" ? 0 : head.split("\n").length - 1 });
      count++;
    }
  }
  writeFileSync(join(blocksDir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(
    join(blocksDir, "tsconfig.json"),
    JSON.stringify(
      {
        extends: "../../tsconfig.base.json",
        compilerOptions: {
          noEmit: true,
          types: ["node"],
          typeRoots: [join(root, "node_modules", "@types")],
          // Examples name things to show them, and need not use them all.
          noUnusedLocals: false,
          noUnusedParameters: false,
          declaration: false,
          declarationMap: false,
          sourceMap: false,
        },
        include: ["*.ts"],
      },
      null,
      2,
    ),
  );
  const check = spawnSync(tsc, ["-p", join(blocksDir, "tsconfig.json"), "--pretty", "false"], {
    encoding: "utf8",
  });
  const errors = [];
  for (const line of `${check.stdout}${check.stderr}`.split("\n")) {
    const match = /^(?:.*[\\/])?([^\\/(]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
    const origin = match === null ? undefined : origins.get(match[1]);
    if (origin === undefined) {
      if (line.trim() !== "") errors.push(line);
      continue;
    }
    const inPrelude = Number(match[2]) <= origin.offset;
    const at = origin.line + Number(match[2]) - 1 - origin.offset;
    errors.push(
      `${origin.file}:${inPrelude ? `${origin.line} (prelude)` : at}:${match[3]}: ${match[4]}`,
    );
  }
  return { ok: check.status === 0 && errors.length === 0, count, errors };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ok, count, errors } = checkCodeBlocks();
  for (const error of errors) console.error(error);
  if (!ok) {
    console.error(`Cannot type-check the docs' code blocks: ${errors.length} errors`);
    process.exit(1);
  }
  console.log(
    `${count} TypeScript code blocks type-check (${relative(process.cwd(), root) || "."})`,
  );
}
