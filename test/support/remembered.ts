/**
 * Results computed from a synthesis, remembered on disk across jest workers and runs, per source state.
 *
 * A synthesized template depends only on the infrastructure code and the rules it imports (lib/,
 * shared/, bin/), cdk.json's context, the dependencies' versions (package-lock.json: the CDK, cdk-nag,
 * the CloudFormation validator), the tests' synthesizer, contexts and PKI (test/support/synthesize.ts,
 * stack-template.ts, stand-ins/pki.ts), the infra tests' configurations (test/infra/support.ts) and the
 * inputs named in the key. Change any of them and the result is computed again. Like the type check's
 * and prettier's caches, this saves work, never a check: to recompute everything, remove the folder
 * (`rm -rf "${TMPDIR:-/tmp}/customer-edge-test-cache"`). Paths are hashed relative to the repository,
 * so worktrees of the same sources share their results.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SOURCE_DIRS = ['lib', 'shared', 'bin'];
const SOURCE_FILES = [
  'cdk.json',
  'package-lock.json',
  'test/support/synthesize.ts',
  'test/support/stack-template.ts',
  'test/infra/support.ts',
  'stand-ins/pki.ts',
];

let digest: string | undefined;

/** The digest of everything a synthesis reads (computed once per process: sources do not change mid-run). */
export function sourceDigest(): string {
  if (digest === undefined) {
    const hash = createHash('sha256');
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') || name.endsWith('.js'))
          hash.update(relative(ROOT, path)).update(readFileSync(path));
      }
    };
    for (const dir of SOURCE_DIRS) walk(join(ROOT, dir));
    for (const file of SOURCE_FILES) hash.update(file).update(readFileSync(join(ROOT, file)));
    digest = hash.digest('hex').slice(0, 16);
  }
  return digest;
}

/**
 * `compute()`'s JSON result for `key` (a description of every input beyond the source state), from
 * the disk when this source state computed it before.
 */
export async function remembered<T>(namespace: string, key: string, compute: () => Promise<T>): Promise<T> {
  const dir = join(tmpdir(), 'customer-edge-test-cache', namespace);
  const file = join(
    dir,
    `${sourceDigest()}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`,
  );
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  const result = await compute();
  mkdirSync(dir, { recursive: true });
  // Written whole, then renamed: a concurrent reader sees the file complete or not at all.
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(result));
  renameSync(partial, file);
  return result;
}
