/**
 * A local Secrets Manager stand-in speaking the real JSON protocol (`x-amz-target:
 * secretsmanager.GetSecretValue` / `PutSecretValue`), so the unmodified SDK reaches it through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. npm has no Secrets Manager emulator; this covers what the edge uses.
 *
 * Each secret has a complete ARN (name + `-` + six characters, as Secrets Manager makes them) and is found
 * by name or ARN. With an IAM gate (given, or installed for the process when the stand-in starts), the
 * caller's policies must allow `secretsmanager:<Operation>` on that ARN (else 400 AccessDeniedException),
 * and a secret encrypted with a customer-managed KMS key also needs `kms:Decrypt` on the key through
 * Secrets Manager (`kms:ViaService`), under the key's policy (else 400 DecryptionFailure).
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT, accessKeyIdOf, activeIamGate, type IamGate, type PolicyDocument } from './iam-gate';
import { close, listen, readBody } from './listen';

const REGION = 'us-east-1';

/** The complete ARN Secrets Manager would give a secret of this name (stable six-character suffix). */
export function secretArnFor(name: string): string {
  const suffix = createHash('sha256').update(name).digest('base64url').replace(/[-_]/g, 'x').slice(0, 6);
  return `arn:aws:secretsmanager:${REGION}:${LOCAL_ACCOUNT}:secret:${name}-${suffix}`;
}

/** The default key policy of a KMS key: the account's IAM policies decide. */
export function defaultKeyPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${LOCAL_ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

export interface SecretsManagerOptions {
  /** Secret name → the ARN of the customer-managed KMS key it is encrypted with. @default - aws/secretsmanager */
  readonly kmsKeys?: Readonly<Record<string, string>>;
  /** @default - the IAM gate installed for the process when the stand-in starts, if any */
  readonly iam?: IamGate;
}

export type SecretsFailureMode = 'none' | 'error' | 'hang';

export interface SecretsManagerStandIn {
  readonly endpoint: string;
  readonly port: number;
  /** GetSecretValue calls served so far. */
  readonly reads: () => number;
  setSecret(id: string, value: string): void;
  deleteSecret(id: string): void;
  /** `error`: answer 500 InternalServiceError; `hang`: never answer. */
  fail(mode: SecretsFailureMode): void;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}

export async function startSecretsManagerStandIn(
  initial: Record<string, string> = {},
  port = 0,
  options: SecretsManagerOptions = {},
): Promise<SecretsManagerStandIn> {
  const gate = options.iam ?? activeIamGate();
  const secrets = new Map<string, { value: string; version: string }>(
    Object.entries(initial).map(([k, v]) => [k, { value: v, version: randomUUID() }]),
  );
  let mode: SecretsFailureMode = 'none';
  let reads = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (mode === 'hang') return; // never answers; the client must time out
      if (mode === 'error') {
        return reply(res, 500, { __type: 'InternalServiceError', message: 'stand-in failure' });
      }
      let input: { SecretId?: string; SecretString?: string };
      try {
        input = JSON.parse(body || '{}') as typeof input;
      } catch {
        return reply(res, 400, { __type: 'InvalidRequestException', message: 'malformed JSON' });
      }
      const given = input.SecretId ?? '';
      const id = given.startsWith('arn:')
        ? ([...secrets.keys()].find((name) => secretArnFor(name) === given) ?? given)
        : given;
      const arn = secretArnFor(id);
      if (gate) {
        const action = `secretsmanager:${target.split('.').pop() ?? ''}`;
        const accessKeyId = accessKeyIdOf(req.headers.authorization);
        const decision = await gate.authorize({ accessKeyId, action, resource: arn });
        if (!decision.allowed) {
          return reply(res, 400, {
            __type: 'AccessDeniedException',
            Message: `User: ${decision.principal} is not authorized to perform: ${action} on resource: ${arn}`,
          });
        }
        const keyArn = options.kmsKeys?.[id];
        if (keyArn && target === 'secretsmanager.GetSecretValue') {
          const kms = await gate.authorize({
            accessKeyId,
            action: 'kms:Decrypt',
            resource: keyArn,
            context: {
              'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`,
              'kms:EncryptionContext:SecretARN': arn,
            },
            resourcePolicy: defaultKeyPolicy(),
          });
          if (!kms.allowed) {
            return reply(res, 400, {
              __type: 'DecryptionFailure',
              Message: `Access to KMS is not allowed (kms:Decrypt on ${keyArn})`,
            });
          }
        }
      }
      if (target === 'secretsmanager.GetSecretValue') {
        reads += 1;
        const secret = secrets.get(id);
        if (!secret) {
          return reply(res, 400, {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          });
        }
        return reply(res, 200, {
          ARN: arn,
          Name: id,
          SecretString: secret.value,
          VersionId: secret.version,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: Date.now() / 1000,
        });
      }
      if (target === 'secretsmanager.PutSecretValue') {
        const version = randomUUID();
        secrets.set(id, { value: input.SecretString ?? '', version });
        return reply(res, 200, { ARN: arn, Name: id, VersionId: version, VersionStages: ['AWSCURRENT'] });
      }
      return reply(res, 400, { __type: 'UnknownOperationException', message: `unsupported: ${target}` });
    })();
  });
  const bound = await listen(server, port);
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    port: bound,
    reads: () => reads,
    setSecret: (id, value) => secrets.set(id, { value, version: randomUUID() }),
    deleteSecret: (id) => secrets.delete(id),
    fail: (m) => {
      mode = m;
    },
    close: () => close(server),
  };
}
