// Command-line options of the benchmark scripts: `--name value` pairs, read
// where they are needed (no validation: a benchmark's operator types them).

const argv = process.argv.slice(2);

/** The value after `--name`, or undefined when the option is absent. */
export function option(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
}

/** The number after `--name`, or `fallback` when the option is absent. */
export function numberOption(name: string, fallback: number): number {
  const value = option(name);
  return value === undefined ? fallback : Number(value);
}

/** Whether the bare flag `--name` was given. */
export function flag(name: string): boolean {
  return argv.includes(`--${name}`);
}
