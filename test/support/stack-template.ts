/**
 * The CustomerEdge template as CloudFormation receives it, for the tests that check the code against
 * AWS's rules (IAM in the stand-ins, resource schemas): synthesized the way bin/app.ts does it (cdk.json
 * context, validated config, a CA bundle made for the test) but WITHOUT bundling the Lambdas
 * (`aws:cdk:bundling-stacks: []`: the template is the same, the asset hashes aside). One synthesis per
 * context and source state, cached on disk across jest workers and runs.
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
import { join, resolve } from 'node:path';
import type { CustomerEdgeStack } from '../../lib/customer-edge-stack';
import { synthesizeEdge } from './synthesize';

const ROOT = resolve(__dirname, '..', '..');

/** The context the stand-in tests deploy: region us-east-1 (the stand-ins' region). */
export const STAND_IN_CONTEXT = {
  domainName: 'auth.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
  forwardingTarget: 'acme-cd-x.edge.tenants.us.auth0.com',
} as const;

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly [other: string]: unknown;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
  readonly [other: string]: unknown;
}

function sourceDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') || name.endsWith('.js')) hash.update(path).update(readFileSync(path));
    }
  };
  for (const dir of ['lib', 'shared', 'bin']) walk(join(ROOT, dir));
  for (const file of ['cdk.json', 'package-lock.json', 'test/support/synthesize.ts', 'stand-ins/pki.ts'])
    hash.update(readFileSync(join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}

const memory = new Map<string, Promise<CfnTemplate>>();

/** Synthesizes (no cache); `mutate` may change the stack first (e.g. an escape hatch). */
export async function synthesize(
  context: Record<string, string>,
  mutate?: (stack: CustomerEdgeStack) => void,
): Promise<CfnTemplate> {
  const edge = await synthesizeEdge({ ...STAND_IN_CONTEXT, ...context }, mutate ? { mutate } : {});
  edge.cleanup();
  return edge.template.toJSON() as CfnTemplate;
}

/** The synthesized template for these context keys (over STAND_IN_CONTEXT). */
export function stackTemplate(context: Record<string, string> = {}): Promise<CfnTemplate> {
  const key = JSON.stringify(Object.entries(context).sort());
  let cached = memory.get(key);
  if (!cached) {
    cached = (async () => {
      const cacheDir = join(tmpdir(), 'customer-edge-template-cache');
      const file = join(
        cacheDir,
        `${sourceDigest()}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`,
      );
      if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
      const template = await synthesize(context);
      mkdirSync(cacheDir, { recursive: true });
      const partial = `${file}.${process.pid}`;
      writeFileSync(partial, JSON.stringify(template));
      renameSync(partial, file);
      return template;
    })();
    memory.set(key, cached);
  }
  return cached;
}
