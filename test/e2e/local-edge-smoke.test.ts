/**
 * `npm start` as a real child process: it prints curl commands, the first one works when pasted into a
 * shell, the printed edge-certs command registers a certificate that the periodic truststore refresh
 * then lets through, and SIGINT stops everything with exit status 0, leaving no process behind.
 */
import { exec, spawn, type ChildProcess } from 'node:child_process';
import { eventually } from './clients';
import { REPO_ROOT, tempDir, type TempDir } from './edge-harness';

let tmp: TempDir;
let child: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  tmp = await tempDir();
});

afterAll(async () => {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  await tmp?.remove();
});

/** A printed command, pasted into a shell. */
function run(command: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    exec(command, { cwd: REPO_ROOT, shell: '/bin/sh' }, (error, stdout) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('prints working curl commands and stops cleanly on SIGINT', async () => {
  // Exactly what `npm start` runs, in its own process group so we can check nothing is left.
  // (`node --import tsx`, one process: tsx's own CLI would put a parent in front that SIGKILLs the edge
  // when it does not acknowledge a relayed signal within 30 ms, which happens on a busy machine.)
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/edge/main.ts', '--port', '0', '--registry-port', '0', '--state-dir', tmp.dir],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No deadline a busy machine could hit: a 503 or 504 here would be the machine, not the edge.
      env: { ...process.env, DEPENDENCY_TIMEOUT_MS: '60000', UPSTREAM_TIMEOUT_MS: '60000' },
    },
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

  await eventually('the banner', async () => (output.includes('Ctrl-C') ? true : undefined), 45_000);
  const commands = output.split('\n').filter((line) => line.startsWith('curl '));
  expect(commands.length).toBeGreaterThanOrEqual(4);
  expect(output).toMatch(/# CA-signed client certificate → 200, client-certificate-ca-verified: SUCCESS/);
  expect(output).toMatch(
    /AWS_ENDPOINT_URL_DYNAMODB=http:\/\/127\.0\.0\.1:\d+ npx edge-certs --table customer-edge-registry list/,
  );

  const first = await run(commands[0]!);
  expect(first.code).toBe(0);
  const echoed = JSON.parse(first.stdout) as { headers: Record<string, string[]> };
  expect(echoed.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
  // The per-request terminal line.
  await eventually('the request log line', async () =>
    /POST \/oauth\/token 200 forwarded SUCCESS/.test(output) ? true : undefined,
  );

  // The banner's registration command, pasted as printed: within the refresh interval (2 s by default)
  // the unregistered certificate passes the handshake and is forwarded with FAILED.
  const register = output.split('\n').find((line) => / edge-certs .* register --cert /.test(line));
  expect(register).toBeDefined();
  const registered = await run(register!);
  expect(registered.code).toBe(0);
  const unregisteredCurl = commands.find((command) => command.includes('unregistered.pem'));
  expect(unregisteredCurl).toBeDefined();
  const accepted = await eventually('the registered certificate passes the handshake', async () => {
    const result = await run(unregisteredCurl!);
    return result.code === 0 ? result : undefined;
  });
  const forwarded = JSON.parse(accepted.stdout) as { headers: Record<string, string[]> };
  expect(forwarded.headers['client-certificate-ca-verified']).toEqual(['FAILED']);

  process.kill(-child.pid!, 'SIGINT'); // like Ctrl-C in a terminal: the whole process group
  expect(await exited).toBe(0);
  await eventually('no process left', async () => (groupAlive(child!.pid!) ? undefined : true), 10_000);
});
