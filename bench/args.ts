// Command-line options of the benchmark scripts: `--name value` or
// `--name=value` (bench/run.ts passes the load generator the second form),
// read where they are needed (no validation: a benchmark's operator types them).

const argv = process.argv.slice(2);

/** The value of `--name value` or `--name=value`, or undefined when the option is absent. */
export function option(name: string): string | undefined {
  const bare = `--${name}`;
  const prefix = `${bare}=`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === bare) return argv[i + 1];
    if (arg.startsWith(prefix)) return arg.slice(prefix.length);
  }
  return undefined;
}

/** The number after `--name`, or `fallback` when the option is absent. */
export function numberOption(name: string, fallback: number): number {
  const value = option(name);
  return value === undefined ? fallback : Number(value);
}

/** Whether the flag `--name` (or `--name=true`) was given. */
export function flag(name: string): boolean {
  return argv.includes(`--${name}`) || argv.includes(`--${name}=true`);
}
