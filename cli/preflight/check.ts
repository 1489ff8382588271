/**
 * The shape of a preflight check (one rule each, cdk-nag style): a title, an optional reason it has
 * nothing to check for this configuration, and a run that reads the account and returns a verdict.
 */
import type { PreflightClients } from './clients';
import type { PreflightConfig } from './config';
import { asError, errorMessage } from '../../shared/errors';

/** Looks up the public NS records of a DNS name (node:dns by default; injected in tests). */
export type NsResolver = (name: string) => Promise<string[]>;

/** What every check runs with. */
export interface CheckEnv {
  readonly config: PreflightConfig;
  /** The caller's account (STS GetCallerIdentity). */
  readonly account: string;
  readonly clients: PreflightClients;
  /** The app directory: a relative `caBundle` resolves against it, as in `cdk deploy`. */
  readonly cwd: string;
  readonly now: Date;
  /** The CDK bootstrap stack to look for (`--toolkit-stack-name`). */
  readonly toolkitStackName: string;
  /** The bootstrap qualifier the app uses (context `@aws-cdk/core:bootstrapQualifier`). */
  readonly bootstrapQualifier: string;
  /** Public DNS lookups; undefined with `--no-dns`. */
  readonly resolveNs?: NsResolver;
}

export interface Verdict {
  readonly ok: boolean;
  /** What was found, one line. */
  readonly message: string;
  /** With `ok: false`: what to do about it, one line. */
  readonly fix?: string;
}

export interface PreflightCheck {
  readonly title: string;
  /** Why there is nothing to check for this configuration (printed as a pass), or undefined. */
  notApplicable?(config: PreflightConfig): string | undefined;
  run(env: CheckEnv): Promise<Verdict>;
}

export function pass(message: string): Verdict {
  return { ok: true, message };
}

export function fail(message: string, fix: string): Verdict {
  return { ok: false, message, fix };
}

/** The first line of an error's message (AWS messages can be long). */
export function firstLine(error: unknown): string {
  const message = errorMessage(error);
  return message.split('\n')[0] ?? message;
}

export function errorName(error: unknown): string {
  return asError(error).name;
}

function isAccessDenied(error: unknown): boolean {
  const name = errorName(error);
  return (
    /AccessDenied|Unauthorized|NotAuthorized|Forbidden/i.test(name) ||
    /not authorized to perform/i.test(firstLine(error))
  );
}

/**
 * A failed AWS read as a verdict: access denied names the action to allow; anything else is shown as
 * AWS said it, with the given fix.
 */
export function awsFailure(what: string, action: string, error: unknown, fix: string): Verdict {
  if (isAccessDenied(error)) {
    return fail(
      `${what}: access denied to ${action} (${firstLine(error)})`,
      `allow ${action} to the identity running preflight (docs/deploy.md#preflight lists every read it makes)`,
    );
  }
  return fail(`${what}: ${errorName(error)}: ${firstLine(error)}`, fix);
}

/** The account of an ARN (`arn:partition:service:region:account:…`). */
export function arnAccount(arn: string): string | undefined {
  return arn.split(':')[4] || undefined;
}

/** The region of an ARN. */
export function arnRegion(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}
