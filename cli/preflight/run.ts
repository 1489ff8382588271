/**
 * Runs the preflight: who and where (STS GetCallerIdentity, the certificate's region), then every check,
 * one line each, ✓ or ✗ with the fix. Read-only: every AWS call is a Describe/Get.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { errorName, firstLine, type CheckEnv, type PreflightCheck, type Verdict } from './check';
import { PREFLIGHT_CHECKS } from './checks';

export type PreflightOptions = Omit<CheckEnv, 'account'> & {
  /** Prints one line. */
  readonly print: (line: string) => void;
  /** @default PREFLIGHT_CHECKS */
  readonly checks?: readonly PreflightCheck[];
};

export const PASS_MARK = '✓';
export const FAIL_MARK = '✗';

function line(title: string, verdict: Verdict): string {
  return verdict.ok
    ? `${PASS_MARK} ${title}: ${verdict.message}`
    : `${FAIL_MARK} ${title}: ${verdict.message} — fix: ${verdict.fix ?? 'see above'}`;
}

async function verdictOf(check: PreflightCheck, env: CheckEnv): Promise<Verdict> {
  const skip = check.notApplicable?.(env.config);
  if (skip !== undefined) return { ok: true, message: skip };
  try {
    return await check.run(env);
  } catch (error) {
    return {
      ok: false,
      message: `the check failed unexpectedly (${errorName(error)}: ${firstLine(error)})`,
      fix: 'retry; if it persists, report it with this line',
    };
  }
}

/** @returns whether every check passed */
export async function runPreflight(options: PreflightOptions): Promise<boolean> {
  const { print, checks = PREFLIGHT_CHECKS, ...rest } = options;
  const region = rest.config.region;
  let account: string | undefined;
  let caller: string | undefined;
  try {
    ({ Account: account, Arn: caller } = await rest.clients
      .sts(region)
      .send(new GetCallerIdentityCommand({})));
  } catch (error) {
    print(
      line('AWS credentials', {
        ok: false,
        message: `cannot tell who you are (${errorName(error)}: ${firstLine(error)})`,
        fix: 'configure the credentials you deploy with (aws configure sso, AWS_PROFILE or --profile NAME, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
      }),
    );
    return false;
  }
  if (!account) {
    print(line('AWS credentials', { ok: false, message: 'STS returned no account', fix: 'retry' }));
    return false;
  }
  print(
    `preflight: account ${account}, region ${region} (the region of certificateArn), as ${caller ?? 'unknown'}`,
  );
  const env: CheckEnv = { ...rest, account };
  const verdicts = await Promise.all(checks.map((check) => verdictOf(check, env)));
  let failed = 0;
  checks.forEach((check, i) => {
    const verdict = verdicts[i] as Verdict;
    if (!verdict.ok) failed += 1;
    print(line(check.title, verdict));
  });
  print(
    failed === 0
      ? `preflight: all ${checks.length} checks passed in ${account}/${region}`
      : `preflight: ${failed} of ${checks.length} checks failed in ${account}/${region}`,
  );
  return failed === 0;
}
