/**
 * Runs a bundled runner in a fresh `node` process: configuration through a JSON file, results and phase
 * marks over the IPC channel, stdout (the handler's JSON log and EMF lines) into a file or /dev/null.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import type { AckMessage, RunnerMessage } from './protocol';

/** How the measured processes are kept apart from everything else on the machine. */
export interface Isolation {
  /** The children run on CPU 1, this process (stand-ins, esbuild, PKI) on CPU 0. */
  readonly pinned: boolean;
  /** The children run SCHED_FIFO, so the machine's own threads cannot preempt a timed request. */
  readonly realtime: boolean;
}

let isolation: Isolation = { pinned: false, realtime: false };

function runs(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Real-time priority of the measured children: high enough to beat ordinary threads, below the kernel's. */
const REALTIME_PRIORITY = '50';

/**
 * Keeps the measured handlers (the children) away from the rest of the machine, as far as it allows:
 * - on different CPUs from this process when there are two or more and `taskset` exists (util-linux),
 *   so the stand-ins do not preempt a timed request;
 * - at real-time priority (`chrt -f`) when the user may (root, or CAP_SYS_NICE): on a small VM the
 *   kernel's and the hypervisor agent's threads otherwise take the CPU for 1–5 ms several times a
 *   second, which lands in about 1 % of requests, right where a p99 is read. The kernel keeps 5 % of
 *   every second for other threads (sched_rt_runtime_us), and the warm runner pauses on its own.
 * Without either the benchmark still runs, and its output says so.
 */
export function isolateChildren(): Isolation {
  const pinned = cpus().length >= 2 && runs('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
  const realtime = runs('chrt', ['-f', REALTIME_PRIORITY, 'true']);
  isolation = { pinned, realtime };
  return isolation;
}

export interface ChildOptions {
  readonly runner: string;
  readonly configFile: string;
  readonly config: object;
  readonly env: Record<string, string>;
  /** Extra `node` flags (e.g. --enable-source-maps, --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** Where the child's stdout goes; /dev/null when omitted. */
  readonly stdoutFile?: string;
  /** Called on a phase mark; the child continues once it returns. */
  readonly onPhase?: (phase: 'measure-start' | 'measure-end') => void;
}

export function runChild<R extends RunnerMessage>(options: ChildOptions): Promise<R> {
  writeFileSync(options.configFile, JSON.stringify(options.config));
  const stdout = openSync(options.stdoutFile ?? '/dev/null', 'w');
  const args = [...(options.nodeArgs ?? []), options.runner];
  const command = [
    ...(isolation.realtime ? ['chrt', '-f', REALTIME_PRIORITY] : []),
    ...(isolation.pinned ? ['taskset', '-c', '1'] : []),
    process.execPath,
    ...args,
  ];
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...options.env, BENCH_RUNNER_CONFIG: options.configFile },
    stdio: ['ignore', stdout, 'pipe', 'ipc'],
  });
  closeSync(stdout);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  return new Promise<R>((resolve, reject) => {
    let result: R | undefined;
    let failure: string | undefined;
    child.on('message', (message: RunnerMessage) => {
      if (message.type === 'measure-start' || message.type === 'measure-end') {
        options.onPhase?.(message.type);
        const ack: AckMessage = { type: 'ack' };
        child.send(ack);
      } else if (message.type === 'failure') {
        failure = message.message;
      } else {
        result = message as R;
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (result && code === 0) return resolve(result);
      reject(
        new Error(
          `benchmark runner ${options.runner} failed (exit ${code ?? signal}): ${failure ?? ''}\n${stderr}`.trim(),
        ),
      );
    });
  });
}
