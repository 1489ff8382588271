/**
 * bin/app.ts run as the CDK CLI runs it (tsx, the context in CDK_CONTEXT_JSON): it reads the context
 * keys and the CA bundle file, and a bad one ends the app with exit code 1 and one line naming the key.
 * Both cases fail before synthesis, so nothing is bundled and the stack's modules never load.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REQUIRED_CONTEXT = {
  domainName: 'auth.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
  forwardingTarget: 'acme-cd-x.edge.tenants.eu.auth0.com',
};

interface Exit {
  readonly code: number | string | null;
  readonly stderr: string;
}

function runApp(context: Record<string, unknown>): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/app.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_DEFAULT_REGION: 'eu-west-1' },
      },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code ?? null) : 0, stderr }),
    );
  });
}

it('an unreadable caBundle file: exit 1, one line naming caBundle and the system error', async () => {
  const exit = await runApp({ ...REQUIRED_CONTEXT, caBundle: 'no-such-dir/ca.pem' });
  expect(exit).toEqual({
    code: 1,
    stderr:
      'error: Context key "caBundle": cannot read "no-such-dir/ca.pem" (ENOENT). Fix: -c caBundle=<path of your client CA bundle PEM>\n',
  });
}, 60_000);

it('a malformed optional key is read and refused: exit 1, one line naming it', async () => {
  const exit = await runApp({ ...REQUIRED_CONTEXT, caBundle: 'ca.pem', alarmEmail: 'ops' });
  expect(exit.code).toBe(1);
  expect(exit.stderr).toBe(
    'error: Context key "alarmEmail": got "ops"; expected an email address. Fix: -c alarmEmail=ops@example.com\n',
  );
}, 60_000);
