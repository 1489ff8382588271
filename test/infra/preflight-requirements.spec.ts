/**
 * The numbers `edge-certs preflight` compares the account against, pinned to what the synthesized stack
 * really needs: an aws-cdk-lib upgrade that raises the bootstrap version, or a reservation added to a
 * function, fails here instead of in the operator's first deploy. Synthesized without bundling (the
 * assets do not matter to either number).
 */
import { DefaultStackSynthesizer } from 'aws-cdk-lib';
import { AssetManifestArtifact, type CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import {
  BOOTSTRAP_QUALIFIER_CONTEXT,
  DEFAULT_BOOTSTRAP_QUALIFIER,
  MIN_BOOTSTRAP_VERSION,
  STACK_RESERVED_CONCURRENCY,
} from '../../cli/preflight/requirements';
import { STACK_NAME } from '../../shared/contracts/stack';
import { synthesizeEdge, type SynthesizedEdge } from './support';

let edge: SynthesizedEdge;
let artifact: CloudFormationStackArtifact;

beforeAll(async () => {
  edge = await synthesizeEdge({ 'aws:cdk:bundling-stacks': [] });
  artifact = edge.app.synth().getStackByName(STACK_NAME);
});
afterAll(() => edge.cleanup());

describe('what preflight requires of the account matches the synthesized stack', () => {
  it('the bootstrap version: the highest the stack or its assets require from the bootstrap stack', () => {
    const assets = artifact.dependencies.filter((d) => d instanceof AssetManifestArtifact);
    expect(assets).toHaveLength(1);
    const required = [artifact, ...assets].map((a) => a.requiresBootstrapStackVersion ?? 0);
    expect(Math.max(...required)).toBe(MIN_BOOTSTRAP_VERSION);
    // …and it is the version CDK's deploy checks against the bootstrap stack's SSM parameter.
    expect(artifact.bootstrapStackVersionSsmParameter).toBe(
      `/cdk-bootstrap/${DEFAULT_BOOTSTRAP_QUALIFIER}/version`,
    );
  });

  it("the bootstrap qualifier: aws-cdk-lib's default and context key", () => {
    expect(DefaultStackSynthesizer.DEFAULT_QUALIFIER).toBe(DEFAULT_BOOTSTRAP_QUALIFIER);
    expect(BOOTSTRAP_QUALIFIER_CONTEXT).toBe('@aws-cdk/core:bootstrapQualifier');
  });

  it('the reserved concurrency: the sum over every function of the stack', () => {
    const functions = edge.template.findResources('AWS::Lambda::Function') as Record<
      string,
      { Properties: { ReservedConcurrentExecutions?: number } }
    >;
    expect(Object.keys(functions).length).toBeGreaterThan(0);
    const reserved = Object.values(functions).reduce(
      (sum, fn) => sum + (fn.Properties.ReservedConcurrentExecutions ?? 0),
      0,
    );
    expect(reserved).toBe(STACK_RESERVED_CONCURRENCY);
  });
});
