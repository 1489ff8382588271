/**
 * A local Secrets Manager stand-in speaking the real JSON protocol (`x-amz-target:
 * secretsmanager.GetSecretValue` / `PutSecretValue`), so the unmodified SDK reaches it through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. npm has no Secrets Manager emulator; this covers what the edge uses.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { close, listen, readBody } from './listen';

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
): Promise<SecretsManagerStandIn> {
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
      const id = input.SecretId ?? '';
      const arn = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}`;
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
