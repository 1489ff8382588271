/**
 * IAM for the local stand-ins, enforced server-side as AWS does: each request's SigV4 access key id names
 * a principal, and the principal's identity policies (taken from the synthesized template by the tests,
 * see test/support/iam.ts) decide the call with a real IAM policy evaluator (@cloud-copilot/iam-simulate,
 * which ships AWS's action, resource and condition-key data). A denied call is answered like the service
 * answers it, and recorded, so a test fails even when the code under test swallows the error.
 *
 * A stand-in consults the gate given to it, else the one installed for the process (`installIamGate`),
 * else none (the local edge and the benchmark run without IAM).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';

/** The account every stand-in resource lives in, for ARNs and the evaluator. */
export const LOCAL_ACCOUNT = '111111111111';

/** Throwaway credentials of the principals the tests act as (the stand-ins check no signature). */
export const PRINCIPAL_CREDENTIALS = {
  /** The tests' own setup (creating tables, seeding items): not checked. */
  fixture: { accessKeyId: 'local', secretAccessKey: 'local' },
  /** The proxy Lambda's role. */
  proxy: { accessKeyId: 'local-proxy', secretAccessKey: 'local' },
  /** The truststore builder Lambda's role. */
  builder: { accessKeyId: 'local-builder', secretAccessKey: 'local' },
  /** An operator running `edge-certs` (the CLI's loopback credentials, cli/aws.ts). */
  operator: { accessKeyId: 'local-operator', secretAccessKey: 'local' },
} as const;

export type PolicyDocument = { readonly Version?: string; readonly Statement: readonly unknown[] };

export interface IamPrincipal {
  /** e.g. `proxy`, named in denials. */
  readonly name: string;
  /** The principal's ARN (a role or a user in LOCAL_ACCOUNT). */
  readonly arn: string;
  readonly policies: readonly { readonly name: string; readonly document: PolicyDocument }[];
}

export interface IamRequest {
  readonly accessKeyId: string | undefined;
  /** e.g. `s3:GetObject`. */
  readonly action: string;
  /** The ARN of the resource the call acts on. */
  readonly resource: string;
  /** Request context keys (e.g. `s3:prefix`, `kms:ViaService`). */
  readonly context?: Readonly<Record<string, string | string[]>>;
  /** A resource-based policy that must allow the call too (e.g. a KMS key policy). */
  readonly resourcePolicy?: PolicyDocument;
}

export interface IamDenial {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly reason: string;
}

export interface IamDecision {
  readonly allowed: boolean;
  /** The principal's name, or `unchecked` for the tests' own fixture credentials. */
  readonly principal: string;
}

export class IamGate {
  private readonly principals = new Map<string, IamPrincipal>();
  private readonly unchecked = new Set<string>([PRINCIPAL_CREDENTIALS.fixture.accessKeyId]);
  private readonly cache = new Map<string, Promise<boolean>>();
  /** Every call refused so far (tests assert this is empty, or holds exactly what they provoked). */
  readonly denials: IamDenial[] = [];
  /** Every call decided so far, by `principal action resource` (to show what was checked). */
  readonly decisions: string[] = [];

  /** Registers the principal behind an access key id (replacing any earlier one). */
  register(accessKeyId: string, principal: IamPrincipal): void {
    this.principals.set(accessKeyId, principal);
  }

  /**
   * Decides a call. `record: false` asks a question the service asks itself (e.g. S3: may the caller
   * list the bucket, to choose between 404 and 403): a "no" there is no denied call.
   */
  async authorize(request: IamRequest, how: { readonly record?: boolean } = {}): Promise<IamDecision> {
    const record = how.record ?? true;
    const key = request.accessKeyId ?? '';
    if (this.unchecked.has(key)) return { allowed: true, principal: 'unchecked' };
    const principal = this.principals.get(key);
    if (!principal) {
      if (record) {
        this.deny('(unknown access key)', request, `no principal is registered for access key id "${key}"`);
      }
      return { allowed: false, principal: '(unknown)' };
    }
    // Decisions are cached by what decides them (the principal's policies and the request), so every
    // principal registered with the same policies shares them.
    const cacheKey = JSON.stringify([
      principal.arn,
      principal.policies,
      request.action,
      request.resource,
      request.context ?? {},
      request.resourcePolicy ?? null,
    ]);
    let decision = this.cache.get(cacheKey);
    if (!decision) {
      decision = this.evaluate(principal, request);
      this.cache.set(cacheKey, decision);
    }
    const allowed = await decision;
    if (!record) return { allowed, principal: principal.name };
    this.decisions.push(`${principal.name} ${request.action} ${request.resource}`);
    if (!allowed) this.deny(principal.name, request, 'no statement of its policies allows it');
    return { allowed, principal: principal.name };
  }

  /** Evaluates one throwaway request per service, so the evaluator has loaded its data. */
  async warmUp(services: readonly string[]): Promise<void> {
    const probe: IamPrincipal = {
      name: 'warm-up',
      arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/warm-up`,
      policies: [],
    };
    const actions: Record<string, [string, string]> = {
      dynamodb: ['dynamodb:GetItem', `arn:aws:dynamodb:us-east-1:${LOCAL_ACCOUNT}:table/t`],
      s3: ['s3:GetObject', 'arn:aws:s3:::b/k'],
      secretsmanager: [
        'secretsmanager:GetSecretValue',
        `arn:aws:secretsmanager:us-east-1:${LOCAL_ACCOUNT}:secret:s-AbCdEf`,
      ],
      cloudformation: [
        'cloudformation:DescribeStacks',
        `arn:aws:cloudformation:us-east-1:${LOCAL_ACCOUNT}:stack/s/1`,
      ],
      kms: ['kms:Decrypt', `arn:aws:kms:us-east-1:${LOCAL_ACCOUNT}:key/k`],
      apigateway: ['apigateway:GET', 'arn:aws:apigateway:us-east-1::/domainnames/d'],
    };
    await Promise.all(
      services.map((service) => {
        const [action, resource] = actions[service] ?? [`${service}:Get`, '*'];
        return this.evaluate(probe, { accessKeyId: undefined, action, resource });
      }),
    );
  }

  /** The denials, one line each (for assertion messages). */
  describeDenials(): string {
    return this.denials
      .map((d) => `${d.principal} may not ${d.action} on ${d.resource} (${d.reason})`)
      .join('\n');
  }

  private deny(principal: string, request: IamRequest, reason: string): void {
    this.denials.push({ principal, action: request.action, resource: request.resource, reason });
  }

  private async evaluate(principal: IamPrincipal, request: IamRequest): Promise<boolean> {
    const result = await runSimulation(
      {
        request: {
          principal: principal.arn,
          action: request.action,
          resource: { resource: request.resource, accountId: LOCAL_ACCOUNT },
          contextVariables: { ...request.context },
        },
        identityPolicies: principal.policies.map((p) => ({ name: p.name, policy: p.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: request.resourcePolicy,
      },
      {},
    );
    if (result.resultType === 'error') {
      throw new Error(
        `IAM evaluation of ${request.action} on ${request.resource} for ${principal.name} failed: ${JSON.stringify(result.errors)}`,
      );
    }
    return result.overallResult === 'Allowed';
  }
}

let installed: IamGate | undefined;

/** Makes `gate` the one every stand-in started afterwards (and running now) consults. */
export function installIamGate(gate: IamGate | undefined): void {
  installed = gate;
}

export function activeIamGate(): IamGate | undefined {
  return installed;
}

/** The access key id of a SigV4-signed request (`Authorization: AWS4-HMAC-SHA256 Credential=AKID/...`). */
export function accessKeyIdOf(authorization: string | string[] | undefined): string | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  return /Credential=([^/,\s]+)\//.exec(header ?? '')?.[1];
}
