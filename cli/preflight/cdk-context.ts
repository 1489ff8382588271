/**
 * The CDK context as `cdk synth|deploy` hands it to the app, so `edge-certs preflight` checks the very
 * configuration that will be deployed: `-c key=value` (and `--context`) first, then the `context` of the
 * project's `cdk.json`, then `cdk.context.json`, then the `context` of `~/.cdk.json`. That is the CDK
 * CLI's order (aws-cdk `Configuration.loadConfigFiles`); values from `-c` are strings, from files any JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode, errorMessage } from '../../shared/errors';
import { usageError } from '../errors';

export type ContextValues = Readonly<Record<string, unknown>>;

/** `key=value` assignments as the CDK CLI parses them: split at the first `=`. */
export function parseContextFlags(assignments: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) {
      throw usageError(`preflight: -c ${assignment}: expected key=value (as with cdk -c)`);
    }
    const key = assignment.slice(0, at);
    if (key.startsWith('aws:')) {
      throw usageError(`preflight: -c ${key}: keys starting with aws: are reserved by the CDK`);
    }
    context[key] = assignment.slice(at + 1);
  }
  return context;
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return {};
    throw usageError(`preflight: cannot read ${file} (${errorCode(error) ?? errorMessage(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(`preflight: ${file} is not valid JSON (${errorMessage(error).split('\n')[0]})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw usageError(`preflight: ${file} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function contextOf(file: string): Record<string, unknown> {
  const context = readJson(file).context;
  return context !== null && typeof context === 'object' && !Array.isArray(context)
    ? (context as Record<string, unknown>)
    : {};
}

/** The merged context, highest precedence first as the CDK CLI merges it. */
export function loadCdkContext(options: {
  /** The app directory (where cdk.json is). */
  readonly cwd: string;
  /** The home directory (for ~/.cdk.json); undefined skips it. */
  readonly home?: string;
  /** `-c key=value` assignments. */
  readonly flags: readonly string[];
}): ContextValues {
  const sources: Record<string, unknown>[] = [
    parseContextFlags(options.flags),
    contextOf(join(options.cwd, 'cdk.json')),
    readJson(join(options.cwd, 'cdk.context.json')),
    options.home ? contextOf(join(options.home, '.cdk.json')) : {},
  ];
  const merged: Record<string, unknown> = {};
  for (const source of [...sources].reverse()) Object.assign(merged, source);
  return merged;
}
