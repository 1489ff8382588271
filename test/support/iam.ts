/**
 * IAM from the template for the stand-ins: the policies the synthesized CustomerEdge stack gives the
 * proxy's role, the builder's role and the operators' managed policy, with `Ref`/`Fn::GetAtt`/`Fn::Join`/
 * `Fn::Sub` resolved to a concrete deployment (account 111111111111, region us-east-1, the stand-ins'
 * table, bucket and secret), registered in an IamGate under the principals' access keys. A stand-in that
 * consults the gate then refuses every call the role could not make in AWS.
 */
import { LOCAL_REGION, tableArn } from '../../stand-ins/registry-server';
import { secretArnFor } from '../../stand-ins/secrets-manager';
import {
  IamGate,
  LOCAL_ACCOUNT,
  PRINCIPAL_CREDENTIALS,
  installIamGate,
  type IamPrincipal,
  type PolicyDocument,
} from '../../stand-ins/iam-gate';
import { STACK_NAME } from '../../shared/contracts/stack';
import { TRUSTSTORE_BUCKET_LOGICAL_ID } from '../../lib/truststore';
import { stackTemplate, type CfnResource, type CfnTemplate } from './stack-template';

/** The names the proxy harness and the local edge use (table, secret). */
export const DEFAULT_DEPLOYMENT: Deployment = { tableName: 'customer-edge-registry' };

/** The physical names of one deployment of the stack in the stand-ins. */
export interface Deployment {
  readonly tableName: string;
  /** @default 'truststore' */
  readonly bucket?: string;
  /** The created key secret's ARN (an imported one is a literal in the template). @default - derived */
  readonly secretArn?: string;
  /** `AWS::StackId`. @default - a stack id of the shape CloudFormation gives (a random UUID at its end) */
  readonly stackId?: string;
}

export type PrincipalRole = 'proxy' | 'builder' | 'operator';

/** Resolves the template's intrinsics against a deployment. */
export class TemplateResolver {
  constructor(
    private readonly template: CfnTemplate,
    private readonly deployment: Deployment,
  ) {}

  private resource(id: string): CfnResource {
    const resource = this.template.Resources[id];
    if (!resource) throw new Error(`the template has no resource ${id}`);
    return resource;
  }

  private ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': STACK_NAME,
      'AWS::StackId':
        this.deployment.stackId ??
        `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${STACK_NAME}/51af3dc0-da77-11e4-872e-1234567db123`,
    };
    if (pseudo[id]) return pseudo[id];
    const { Type } = this.resource(id);
    switch (Type) {
      case 'AWS::DynamoDB::Table':
        return this.deployment.tableName;
      case 'AWS::S3::Bucket':
        return id === TRUSTSTORE_BUCKET_LOGICAL_ID
          ? (this.deployment.bucket ?? 'truststore')
          : id.toLowerCase();
      case 'AWS::SecretsManager::Secret':
        return this.deployment.secretArn ?? secretArnFor('customer-edge/cname-api-key');
      case 'AWS::Logs::LogGroup':
        return `/customer-edge/${id}`;
      case 'AWS::KMS::Key':
        return `key-${id}`;
      case 'AWS::IAM::Role':
        return id;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${LOCAL_ACCOUNT}:policy/${id}`;
      default:
        return id;
    }
  }

  private getAtt(id: string, attribute: string): string {
    const { Type } = this.resource(id);
    const name = this.ref(id);
    const key = `${Type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return tableArn(name);
      case 'AWS::DynamoDB::Table.StreamArn':
        return `${tableArn(name)}/stream/2026-01-01T00:00:00.000`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${name}:*`;
      case 'AWS::KMS::Key.Arn':
        return `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${name}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
      default:
        throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute} (${Type})`);
    }
  }

  /** The value with every intrinsic resolved. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      if (fn === 'Ref') return this.ref(arg as string);
      if (fn === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : (arg as string).split('.');
        return this.getAtt(id!, attribute!);
      }
      if (fn === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).join(separator);
      }
      if (fn === 'Fn::Select') {
        const [index, list] = arg as [number, unknown];
        return (this.resolve(list) as unknown[])[Number(index)];
      }
      if (fn === 'Fn::Split') {
        const [separator, text] = arg as [string, unknown];
        return String(this.resolve(text)).split(separator);
      }
      if (fn === 'Fn::Sub') {
        const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (vars[name] !== undefined) return String(this.resolve(vars[name]));
          const [id, attribute] = name.split('.');
          return attribute ? this.getAtt(id!, attribute) : this.ref(id!);
        });
      }
      if (fn.startsWith('Fn::')) throw new Error(`cannot resolve ${fn}`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }
}

/** The logical ID of the Lambda function whose environment has this variable. */
function functionWithEnv(template: CfnTemplate, variable: string): string {
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .filter(([, r]) => {
      const env = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      return env !== undefined && variable in env;
    })
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one function with ${variable}, found ${ids.length}`);
  return ids[0]!;
}

/** Every identity policy document attached to a role (inline, attached AWS::IAM::Policy, managed in the template). */
export function rolePolicies(
  template: CfnTemplate,
  roleId: string,
): { readonly name: string; readonly document: unknown }[] {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const documents: { name: string; document: unknown }[] = [];
  for (const inline of (role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ??
    []) {
    documents.push({ name: inline.PolicyName, document: inline.PolicyDocument });
  }
  for (const arn of (role.Properties?.ManagedPolicyArns as unknown[]) ?? []) {
    const id = (arn as { Ref?: string }).Ref;
    const managed = id ? template.Resources[id] : undefined;
    if (managed?.Type !== 'AWS::IAM::ManagedPolicy') {
      throw new Error(`${roleId} has a managed policy outside the template: ${JSON.stringify(arn)}`);
    }
    documents.push({ name: id!, document: managed.Properties?.PolicyDocument });
  }
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties?.Roles as { Ref?: string }[]) ?? [];
    if (roles.some((x) => x.Ref === roleId))
      documents.push({ name: id, document: r.Properties?.PolicyDocument });
  }
  return documents;
}

function roleOfFunction(template: CfnTemplate, functionId: string): string {
  const role = template.Resources[functionId]?.Properties?.Role as { 'Fn::GetAtt'?: string[] } | undefined;
  const id = role?.['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`${functionId} has no role in the template`);
  return id;
}

/** The operators' customer-managed policy (the stack's OperatorPolicy output). */
export function operatorPolicyId(template: CfnTemplate): string {
  const ids = Object.entries(template.Resources)
    .filter(([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('OperatorPolicy'))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one OperatorPolicy managed policy, found ${ids.length}`);
  return ids[0]!;
}

/** The three principals of the stack with their policies resolved against a deployment. */
export function principalsOf(
  template: CfnTemplate,
  deployment: Deployment,
): Record<PrincipalRole, IamPrincipal> {
  const resolver = new TemplateResolver(template, deployment);
  const resolved = (docs: { name: string; document: unknown }[]) =>
    docs.map((d) => ({ name: d.name, document: resolver.resolve(d.document) as PolicyDocument }));
  const proxyRole = roleOfFunction(template, functionWithEnv(template, 'FORWARDING_TARGET'));
  const builderRole = roleOfFunction(template, functionWithEnv(template, 'TRUSTSTORE_STATE_KEY'));
  const operator = operatorPolicyId(template);
  return {
    proxy: {
      name: `proxy role (${proxyRole})`,
      arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${proxyRole}`,
      policies: resolved(rolePolicies(template, proxyRole)),
    },
    builder: {
      name: `builder role (${builderRole})`,
      arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${builderRole}`,
      policies: resolved(rolePolicies(template, builderRole)),
    },
    operator: {
      name: `operator (${operator})`,
      arn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/operator`,
      policies: resolved([
        { name: operator, document: template.Resources[operator]!.Properties!.PolicyDocument },
      ]),
    },
  };
}

export interface TemplateIam {
  readonly gate: IamGate;
  readonly template: CfnTemplate;
  /**
   * Registers one deployment's principals; returns their credentials. `keys` picks the access key ids
   * (default: PRINCIPAL_CREDENTIALS, i.e. the ones the local edge and the CLI use).
   */
  deploy(
    deployment: Deployment,
    keys?: Partial<Record<PrincipalRole, string>>,
  ): Record<PrincipalRole, { accessKeyId: string; secretAccessKey: string }>;
  /** Registers one principal of a deployment under its own access key; returns its credentials. */
  deployRole(
    role: PrincipalRole,
    deployment: Deployment,
    accessKeyId: string,
  ): { accessKeyId: string; secretAccessKey: string };
  /** Fails with every denial recorded so far (then forgets them). */
  expectNoDenials(): void;
}

let current: TemplateIam | undefined;

/** The TemplateIam of the running test file (useTemplateIam), if any: for shared harnesses. */
export function currentTemplateIam(): TemplateIam | undefined {
  return current;
}

/**
 * Call at the top of a test file (before the hooks that start stand-ins): synthesizes (or reads the
 * cached) template and installs an IamGate holding its principals for the whole file, so every stand-in
 * started afterwards consults it; after the file, uninstalls it and fails on any denial nobody expected
 * (the code under test may have swallowed the error).
 */
export function useTemplateIam(
  options: { readonly context?: Record<string, string>; readonly deployment?: Deployment } = {},
): TemplateIam {
  const gate = new IamGate();
  let template: CfnTemplate | undefined;
  beforeAll(async () => {
    template = await stackTemplate(options.context);
    installIamGate(gate);
    current = iam;
    // The evaluator loads AWS's action data per service on first use: do it now, not in a timed path.
    await gate.warmUp(['dynamodb', 's3', 'secretsmanager', 'cloudformation', 'kms', 'apigateway']);
    iam.deploy(options.deployment ?? DEFAULT_DEPLOYMENT);
  }, 600_000);
  afterAll(() => {
    installIamGate(undefined);
    current = undefined;
    iam.expectNoDenials();
  });
  const iam: TemplateIam = {
    gate,
    get template(): CfnTemplate {
      if (!template) throw new Error('useTemplateIam: the template is ready in beforeAll');
      return template;
    },
    deploy(deployment, keys = {}) {
      const principals = principalsOf(iam.template, deployment);
      const credentials = {} as Record<PrincipalRole, { accessKeyId: string; secretAccessKey: string }>;
      for (const role of ['proxy', 'builder', 'operator'] as const) {
        const accessKeyId = keys[role] ?? PRINCIPAL_CREDENTIALS[role].accessKeyId;
        gate.register(accessKeyId, principals[role]);
        credentials[role] = { accessKeyId, secretAccessKey: 'local' };
      }
      return credentials;
    },
    deployRole(role, deployment, accessKeyId) {
      gate.register(accessKeyId, principalsOf(iam.template, deployment)[role]);
      return { accessKeyId, secretAccessKey: 'local' };
    },
    expectNoDenials() {
      const text = gate.describeDenials();
      gate.denials.length = 0;
      if (text) throw new Error(`calls the stack's IAM policies would refuse in AWS:\n${text}`);
    },
  };
  return iam;
}
