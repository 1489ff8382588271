/**
 * Runs a bundled runner in a fresh `node` process: configuration through a JSON file, results and phase
 * marks over the IPC channel, stdout (the handler's JSON log and EMF lines) into a file or /dev/null.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { createWriteStream, writeFileSync } from 'node:fs';
import type { AckMessage, RunnerMessage } from './protocol';

/**
 * Where the processes run, when the machine has two or more CPUs and `taskset` exists (util-linux):
 * - this process (stand-ins, esbuild, PKI) on CPU 0;
 * - a measured child's main thread alone on CPU 1, and its other threads (V8's GC and compiler
 *   helpers, libuv's pool) on CPU 0: the runner moves them (BENCH_HELPER_CPUS, see warm-runner.ts).
 *   Sharing CPU 1, a helper would take the main thread's CPU for a whole time slice (4 ms, seen in
 *   /proc/self/task/<tid>/schedstat) in the middle of a timed request.
 * Returns whether it could.
 *
 * Tried and dropped: real-time priority (chrt -f) for the children. It starved the kernel's softirq
 * thread that delivers loopback packets and made every request about 2.7 times slower, which
 * measures the scheduler, not the edge.
 */
export function pinCpus(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    pinned = true;
  } catch {
    pinned = false;
  }
  return pinned;
}

let pinned = false;

export interface ChildOptions {
  readonly runner: string;
  readonly configFile: string;
  readonly config: object;
  readonly env: Record<string, string>;
  /** Extra `node` flags (e.g. --enable-source-maps, --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /**
   * Where the child's stdout ends up; discarded when omitted. Either way the child writes into a pipe
   * this process drains, as a Lambda function's stdout is a pipe to the runtime's log collector (a
   * synchronous write on Linux, like a file, but without the file system's cost per write).
   */
  readonly stdoutFile?: string;
  /** Called on a phase mark; the child continues once it returns. */
  readonly onPhase?: (phase: 'measure-start' | 'measure-end') => void;
}

export function runChild<R extends RunnerMessage>(options: ChildOptions): Promise<R> {
  writeFileSync(options.configFile, JSON.stringify(options.config));
  const args = [...(options.nodeArgs ?? []), options.runner];
  const command = [...(pinned ? ['taskset', '-c', '1'] : []), process.execPath, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    env: {
      ...options.env,
      BENCH_RUNNER_CONFIG: options.configFile,
      ...(pinned ? { BENCH_HELPER_CPUS: '0' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const stdoutDone = new Promise<void>((resolve, reject) => {
    if (!options.stdoutFile) {
      child.stdout!.resume().on('end', resolve);
      return;
    }
    const sink = createWriteStream(options.stdoutFile);
    sink.on('error', reject).on('finish', resolve);
    child.stdout!.pipe(sink);
  });
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
      if (result && code === 0) return void stdoutDone.then(() => resolve(result!), reject);
      reject(
        new Error(
          `benchmark runner ${options.runner} failed (exit ${code ?? signal}): ${failure ?? ''}\n${stderr}`.trim(),
        ),
      );
    });
  });
}
