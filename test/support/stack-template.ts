/**
 * The CustomerEdge template as CloudFormation receives it, for the tests that check the code against
 * AWS's rules (IAM in the stand-ins, resource schemas): synthesized the way bin/app.ts does it (cdk.json
 * context, validated config, a CA bundle made for the test) but WITHOUT bundling the Lambdas
 * (`aws:cdk:bundling-stacks: []`: the template is the same, the asset hashes aside). One synthesis per
 * context and source state, remembered on disk across jest workers and runs (remembered.ts).
 */
import type { CustomerEdgeStack } from '../../lib/customer-edge-stack';
import { remembered } from './remembered';
import { synthesizeEdge } from './synthesize';

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

/** The synthesized template for these context keys (over STAND_IN_CONTEXT), remembered per source state. */
export function stackTemplate(context: Record<string, string> = {}): Promise<CfnTemplate> {
  const key = JSON.stringify(Object.entries(context).sort());
  let cached = memory.get(key);
  if (!cached) {
    cached = remembered('templates', key, () => synthesize(context));
    memory.set(key, cached);
  }
  return cached;
}
