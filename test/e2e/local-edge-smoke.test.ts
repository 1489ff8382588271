/**
 * `npm start` as a real child process: it prints curl commands, the first one works when pasted into a
 * shell, the printed edge-certs command registers a certificate that the periodic truststore refresh
 * then lets through, and SIGINT stops everything with exit status 0, leaving no process behind. The same
 * with `npm start -- --front-door alb`: the listener's TLS policy at the handshake, and a registration
 * that the proxy sees within its registry cache lifetime, with no truststore.
 *
 * The two run concurrently (each its own edge and ports; the tier's one demo PKI, made by
 * test/e2e/global-setup.ts, which the edges only read): most of their time is spent waiting on
 * processes, not computing.
 */
import { exec, spawn, type ChildProcess } from 'node:child_process';
import { eventually } from './clients';
import { REPO_ROOT, demoStateDir } from './edge-harness';

/** Every edge started here, so afterAll can make sure none is left. */
const started: ChildProcess[] = [];

afterAll(() => {
  for (const edge of started) if (edge.pid && edge.exitCode === null) process.kill(-edge.pid, 'SIGKILL');
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

interface Edge {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Its exit status, once it exits. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts `npm start -- <args>`.
 * Exactly what `npm start` runs, in its own process group so we can check nothing is left.
 * (`node --require tsx/cjs`, one process: tsx's own CLI would put a parent in front that SIGKILLs the edge
 * when it does not acknowledge a relayed signal within 30 ms, which happens on a busy machine.)
 */
function startEdge(args: readonly string[], env: Record<string, string> = {}): Edge {
  let output = '';
  const edge = spawn(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      'local/edge/main.ts',
      '--port',
      '0',
      '--registry-port',
      '0',
      '--state-dir',
      demoStateDir(),
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No deadline a busy machine could hit: a 503 or 504 here would be the machine, not the edge.
      env: { ...process.env, DEPENDENCY_TIMEOUT_MS: '60000', UPSTREAM_TIMEOUT_MS: '60000', ...env },
    },
  );
  started.push(edge);
  edge.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  edge.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => edge.once('exit', (code) => resolve(code)));
  return { child: edge, output: () => output, exited };
}

it.concurrent('prints working curl commands and stops cleanly on SIGINT', async () => {
  const { child, output: printed, exited } = startEdge([]);

  await eventually('the banner', async () => (printed().includes('Ctrl-C') ? true : undefined), 45_000);
  let output = printed();
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
    /POST \/oauth\/token 200 forwarded SUCCESS/.test(printed()) ? true : undefined,
  );
  output = printed();

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
  await eventually('no process left', async () => (groupAlive(child.pid!) ? undefined : true), 10_000);
});

it.concurrent(
  "npm start -- --front-door alb: only the listener policy's TLS, any certificate at the handshake, a registration seen without a truststore",
  async () => {
    // A registry cache lifetime of 1 s (the proxy's optional settings apply from the environment), so the
    // registration is seen soon; the test waits for it, not for the clock.
    const {
      child,
      output: printed,
      exited,
    } = startEdge(['--front-door', 'alb'], { REGISTRY_CACHE_TTL_SECONDS: '1' });
    await eventually('the banner', async () => (printed().includes('Ctrl-C') ? true : undefined), 45_000);
    const output = printed();
    expect(output).toMatch(
      /\(ALB front door: mTLS passthrough, TLS policy ELBSecurityPolicy-TLS13-1-2-Res-2021-06\)/,
    );
    const commands = output.split('\n').filter((line) => line.startsWith('curl '));
    const caSigned = commands[0]!;
    expect(caSigned).toContain('client.pem');

    // The printed command as it is (TLS 1.3), and restricted to one TLS 1.2 ECDHE-GCM suite: forwarded.
    for (const extra of ['', ' --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256']) {
      const result = await run(caSigned + extra);
      expect(result.code).toBe(0);
      const echoed = JSON.parse(result.stdout) as { headers: Record<string, string[]> };
      expect(echoed.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    }
    // CBC only on TLS 1.2, or TLS 1.1 (security level 0, so the refusal is the server's): curl (35).
    for (const extra of [
      ' --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA',
      " --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0'",
    ]) {
      expect((await run(caSigned + extra)).code).toBe(35);
    }

    // The unregistered certificate completes the handshake and gets the proxy's 401 …
    const unregisteredCurl = commands.find((command) => command.includes('unregistered.pem'));
    expect(unregisteredCurl).toBeDefined();
    const status = async () => (await run(`${unregisteredCurl!} -o /dev/null -w '%{http_code}'`)).stdout;
    expect(await status()).toBe('401');
    // … until the banner's registration command is seen by the proxy: as printed, but with the entry
    // `npx edge-certs` resolves to (the case above runs it through npx, whose own start-up is a second
    // or two of CPU on a two-core machine).
    const register = output.split('\n').find((line) => / npx edge-certs .* register --cert /.test(line));
    expect(register).toBeDefined();
    expect((await run(register!.replace(' npx edge-certs ', ' node bin/edge-certs.js '))).code).toBe(0);
    await eventually('the registered certificate is forwarded', async () =>
      (await status()) === '200' ? true : undefined,
    );
    expect(printed()).not.toMatch(/truststore/i);

    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    await eventually('no process left', async () => (groupAlive(child.pid!) ? undefined : true), 10_000);
  },
);
