/**
 * `npm start` stopped the way supervisors and scripts stop things: SIGTERM or SIGINT to the process
 * `npm start` started — npm itself, not a process group — stops everything, frees every port and
 * exits 0. Real processes: npm, its script shell and node (and tsx's esbuild service when it has a file
 * to compile). The three cases run concurrently (each its own processes and ports; the tier's one demo
 * PKI, made by test/e2e/global-setup.ts, which the edges only read).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { eventually } from './clients';
import { REPO_ROOT, demoStateDir } from './edge-harness';

/** A process as /proc shows it: its parent, and its start time (so a reused pid is not mistaken for it). */
interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly start: string;
}

function proc(pid: number): Proc | undefined {
  try {
    // Fields after the command (which may hold spaces) start after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** Every process below `root`. */
function descendants(root: number): Proc[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => proc(Number(name)))
    .filter((p): p is Proc => p !== undefined);
  const found: Proc[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const children = all.filter((p) => frontier.includes(p.ppid));
    found.push(...children);
    frontier = children.map((p) => p.pid);
  }
  return found;
}

function alive(p: Proc): boolean {
  return proc(p.pid)?.start === p.start;
}

/** Local ports in LISTEN state (IPv4 and IPv6), by socket inode. */
function listeningSockets(): Map<string, number> {
  const sockets = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') sockets.set(cols[9]!, parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return sockets;
}

/**
 * The listening sockets these processes hold: socket inode → port. By inode, not port, so a port that
 * another case's new server happens to get once this one freed it is not mistaken for this one's.
 */
function socketsOf(procs: readonly Proc[]): Map<string, number> {
  const listening = listeningSockets();
  const held = new Map<string, number>();
  for (const p of procs) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${p.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p.pid}/fd/${fd}`))?.[1];
        const port = inode === undefined ? undefined : listening.get(inode);
        if (inode !== undefined && port !== undefined) held.set(inode, port);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return held;
}

/** What the cases started: npm and everything below it. */
const children: ChildProcess[] = [];
const started: Proc[] = [];

afterAll(() => {
  // Whatever is left after a failure: only what these cases started.
  for (const p of started) if (alive(p)) process.kill(p.pid, 'SIGKILL');
  for (const child of children) {
    if (child.pid && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

it.concurrent.each([
  ['SIGTERM', 'npm (the process npm start started)'],
  ['SIGINT', 'npm (the process npm start started)'],
  ['SIGINT', 'the process group (Ctrl-C in a terminal)'],
] as const)('%s to %s stops everything, frees every port, exit 0', async (signal, target) => {
  const group = target.startsWith('the process group');
  let output = '';
  const child = spawn(
    'npm',
    ['start', '--', '--port', '0', '--registry-port', '0', '--state-dir', demoStateDir()],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: group,
    },
  );
  children.push(child);
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, by) => resolve({ code, signal: by })),
  );
  await eventually(
    'the banner',
    async () => (output.includes('Ctrl-C stops everything') ? true : undefined),
    60_000,
  );

  const mine = descendants(child.pid!);
  started.push(...mine);
  const sockets = socketsOf(mine);
  const ports = [...new Set(sockets.values())];
  // The edge, the registry, the secret store stand-in and the echo upstream.
  expect(ports.length).toBeGreaterThanOrEqual(4);
  const shown = [...output.matchAll(/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
  expect(shown.length).toBeGreaterThan(0);
  for (const port of shown) expect(ports).toContain(port);

  if (group) process.kill(-child.pid!, signal);
  else child.kill(signal);
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(output).toContain(`${signal}: stopping`);
  await eventually('no process left', async () => (mine.some(alive) ? undefined : true), 15_000);
  const stillListening = listeningSockets();
  expect([...sockets.keys()].filter((inode) => stillListening.has(inode))).toEqual([]);
});
