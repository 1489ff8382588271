import type { ParseArgsConfig } from 'node:util';
import type { Context } from '../context';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** A command: its help and its run function (returns the exit status). */
export interface Command {
  /** e.g. `register` or `truststore build`. */
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Lines after the usage in `--help`. */
  readonly details: readonly string[];
  readonly options: Options;
  /** Names of the positional arguments (all required). */
  readonly positionals?: readonly string[];
  /** Whether the command reads the registry (then --table/--stack apply). */
  readonly usesRegistry: boolean;
  run(ctx: Context, values: Values, positionals: readonly string[]): Promise<number>;
}
