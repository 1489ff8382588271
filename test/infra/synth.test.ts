/**
 * The CustomerEdge stack as `cdk synth` makes it: the real local esbuild bundling (the one synth of the
 * suite that bundles) and the CDK's built-in CloudFormation validation, which the other infra tests skip
 * (see support.ts) and which runs here for every configuration they assert on, and for the variants of
 * the CustomDomainEdge construct that custom-domain-edge.spec.ts gates with cdk-nag; its findings are
 * remembered per source state (test/support/remembered.ts).
 *
 * One whole-template snapshot: the refactoring net. Deterministic by construction: the test App loads
 * cdk.json's context, and the serializer masks what legitimately varies between checkouts and runs (asset
 * hashes, which depend on the bundle and its source map paths, and the CA bundle's hash, whose
 * certificates the test generates).
 *
 * And the proof that each Lambda asset is what the function runs: the bundled handler next to the CA
 * bundle, loadable on its own (no node_modules) with the environment the template gives it, and holding
 * none of the operator CLI's code: `auth0` is for `edge-certs` only and must never weigh on a cold start.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { App } from 'aws-cdk-lib';
import { remembered } from '../support/remembered';
import {
  CONFIGURATIONS,
  EDGE_GATE_VARIANTS,
  buildCustomDomainEdge,
  synthesizeEdge,
  validationFindings,
  type BuiltEdge,
  type SynthesizedEdge,
} from './support';

const run = promisify(execFile);

const HASH = /[0-9a-f]{64}/g;

function mask(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(HASH, '[HASH]');
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(HASH, '[HASH]'), mask(v)]));
  }
  return value;
}

let edge: SynthesizedEdge;

beforeAll(async () => {
  edge = await synthesizeEdge(CONFIGURATIONS.minimal, { bundling: true });
}, 120_000);

afterAll(() => edge?.cleanup());

it('the CustomerEdge template matches the snapshot (asset and CA bundle hashes masked)', () => {
  expect(mask(edge.template.toJSON())).toMatchSnapshot();
});

interface LambdaProperties {
  Handler: string;
  Code: { S3Key: string };
  Environment: { Variables: Record<string, unknown> };
}

/** The function whose environment holds `variable`, and the directory of its staged asset. */
function lambdaAsset(variable: string): { properties: LambdaProperties; dir: string } {
  const found = Object.values(edge.template.findResources('AWS::Lambda::Function')).filter(
    (r) => variable in (r as { Properties: LambdaProperties }).Properties.Environment.Variables,
  );
  expect(found).toHaveLength(1);
  const properties = (found[0] as { Properties: LambdaProperties }).Properties;
  const hash = /^([0-9a-f]{64})\.zip$/.exec(properties.Code.S3Key)?.[1];
  expect(hash).toBeDefined();
  return { properties, dir: join(edge.app.outdir, `asset.${hash}`) };
}

it.each([
  ['proxy', 'FORWARDING_TARGET'],
  ['truststore builder', 'TRUSTSTORE_KEY'],
])(
  'the %s asset is the bundled handler plus ca-bundle.pem, and loads on its own with its template environment',
  async (_name, variable) => {
    const { properties, dir } = lambdaAsset(variable);
    expect(properties.Handler).toBe('index.handler');
    expect(readFileSync(join(dir, 'ca-bundle.pem'), 'utf8')).toBe(edge.caBundlePem);
    expect(existsSync(join(dir, 'index.js'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    // Values the template resolves at deploy time (Ref, GetAtt) stand in as plain strings.
    const environment = Object.fromEntries(
      Object.entries(properties.Environment.Variables).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : 'resolved-at-deploy',
      ]),
    );
    const { stdout } = await run(
      process.execPath,
      ['-e', 'process.stdout.write(typeof require("./index.js").handler)'],
      { cwd: dir, env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...environment } },
    );
    expect(stdout).toBe('function');
  },
);

it.each([
  ['proxy', 'FORWARDING_TARGET'],
  ['truststore builder', 'TRUSTSTORE_KEY'],
])(
  "the %s bundle holds none of the operator CLI's code or its Auth0 Management API SDK (the bundle's source map lists every input)",
  (_name, variable) => {
    const { dir } = lambdaAsset(variable);
    const { sources } = JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8')) as { sources: string[] };
    expect(sources.some((source) => source.endsWith('shared/certificate.ts'))).toBe(true);
    expect(
      sources.filter(
        (source) => /node_modules\/(auth0|auth0-legacy|jose)\//.test(source) || /(^|\/)cli\//.test(source),
      ),
    ).toEqual([]);
  },
);

/**
 * The findings of the CDK's CloudFormation validation for one synthesis, remembered per source state
 * (test/support/remembered.ts): its WebAssembly engine takes seconds to start in every process (about
 * 3 s, and 6 s of CPU, on two cores), and what it finds depends only on the templates, that is on the
 * sources, the dependencies and the inputs named in `key`.
 */
function validated(key: string, synthesize: () => Promise<App>, cleanup: () => void): Promise<string[]> {
  return remembered('cfn-validation', key, async () => {
    try {
      return validationFindings(await synthesize());
    } finally {
      cleanup();
    }
  });
}

it.each(Object.keys(CONFIGURATIONS) as (keyof typeof CONFIGURATIONS)[])(
  '%s configuration: the CDK CloudFormation validation (cdk.json: errors fail the synth) finds nothing',
  async (name) => {
    let synthesized: SynthesizedEdge | undefined;
    const findings = await validated(
      JSON.stringify(['configuration', CONFIGURATIONS[name]]),
      async () => {
        synthesized = await synthesizeEdge(CONFIGURATIONS[name], { validation: true });
        return synthesized.app;
      },
      () => synthesized?.cleanup(),
    );
    expect(findings).toEqual([]);
  },
);

it.each(EDGE_GATE_VARIANTS)(
  'the CustomDomainEdge construct alone %s: the CDK CloudFormation validation finds nothing',
  async (_name, variant) => {
    let built: BuiltEdge | undefined;
    const findings = await validated(
      JSON.stringify(['CustomDomainEdge', variant]),
      () => {
        built = buildCustomDomainEdge(variant, { validation: true });
        // Without cdk.json's context its errors are warnings: the synth passes, the report lists them.
        built.app.synth();
        return Promise.resolve(built.app);
      },
      () => built?.cleanup(),
    );
    expect(findings).toEqual([]);
  },
);
