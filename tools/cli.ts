import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pathToFileURL } from 'node:url';

/**
 * The command-line contract every operator command keeps: `--help` prints the usage and exits 0;
 * a bad argument prints one line saying what was wrong, then the usage, and exits 2; never a stack
 * trace for either.
 */

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

/** A command line that cannot be run as given; its message is the one line the user sees. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
>['values'];

/** What a command is called with and how it says so. */
export interface CommandSpec<O extends Options> {
  usage: string;
  options: O;
}

// Node's parser explains how to pass a positional after `--`: true, but not what the user needs.
const firstSentence = (message: string): string => message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');

/**
 * Parses `argv` against the command's options (plus `--help`/`-h`) and runs `main` with the values.
 * Returns the exit code: `main`'s, 0 after `--help`, 2 when the arguments are wrong (a `UsageError`
 * thrown by `main` counts as wrong arguments too).
 */
export const runCommand = async <O extends Options>(
  argv: string[],
  spec: CommandSpec<O>,
  main: (values: Values<O>) => number | Promise<number>,
  io: CommandIo = processIo,
): Promise<number> => {
  const usage = (message: string) => {
    io.stderr(`${message}\n${spec.usage}`);
    return 2;
  };
  let values: Values<O> & { help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }) as { values: Values<O> & { help?: boolean } });
  } catch (error) {
    return usage(firstSentence(error instanceof Error ? error.message : String(error)));
  }
  if (values.help) {
    io.stdout(spec.usage);
    return 0;
  }
  try {
    return await main(values);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
};

/** True when the module at `url` is the script node was started with (not imported by a test). */
export const isMain = (url: string): boolean =>
  process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;

/** Parses an ISO-8601 option, or says which option is not a date. */
export const dateOption = (name: string, value: string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name} is not a date: ${value}`);
  return date;
};

/** Parses a whole-number option of at least `min`. */
export const wholeNumberOption = (name: string, value: string | undefined, min = 1): number => {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number above ${min - 1}, got ${value ?? 'nothing'}`);
  return n;
};
