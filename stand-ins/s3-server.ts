/**
 * An S3-compatible server for tests: s3rver (files in a temporary directory, port 0) behind a small
 * gateway that adds what s3rver lacks and the truststore builder relies on, the way S3 does it:
 * - object versioning for the buckets named `versioned`: every PutObject gets a fresh VersionId
 *   (`x-amz-version-id`), HeadObject/GetObject answer the current one, `?versionId=` reads an older one;
 *   `versioningDelayWrites` leaves the first writes unversioned, as S3 may for up to 15 minutes after
 *   versioning is first enabled;
 * - conditional writes: PutObject with `If-None-Match: *` or `If-Match: <etag>` (412 PreconditionFailed);
 * - IAM (see iam-gate.ts): each request's access key names a principal whose policies must allow the
 *   call, else 403 AccessDenied; a missing key is 404 only for a principal with s3:ListBucket on the
 *   bucket, else 403 (GetObject/HeadObject "Permissions").
 * Object bytes live in s3rver; the gateway keeps the version index and the older versions' copies.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { PRINCIPAL_CREDENTIALS, accessKeyIdOf, activeIamGate, type IamGate } from './iam-gate';
import { close, listen, readBodyBytes } from './listen';
import { LOCAL_REGION } from './registry-server';

/** s3rver accepts only its own well-known (throwaway) access key; the gateway forwards with it. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3ServerOptions {
  /** Which buckets have versioning enabled (also buckets created later). @default - none */
  readonly versioned?: (bucket: string) => boolean;
  /** Per bucket: writes that still get no VersionId (S3's propagation delay). @default - none */
  readonly versioningDelayWrites?: Readonly<Record<string, number>>;
  /** @default - the gate installed for the process (installIamGate), if any */
  readonly iam?: IamGate;
}

export interface S3Server {
  readonly endpoint: string;
  /** A path-style client pointed at this server. @default credentials - the tests' fixture principal */
  client(credentials?: { accessKeyId: string; secretAccessKey: string }): S3Client;
  /** The bytes of one version of an object, as stored (for assertions). */
  version(bucket: string, key: string, versionId: string): Buffer | undefined;
  close(): Promise<void>;
}

interface StoredVersion {
  readonly versionId: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly contentType?: string;
  readonly metadata: Record<string, string>;
  readonly lastModified: Date;
}

function xmlError(res: ServerResponse, status: number, code: string, message: string, head: boolean): void {
  res.writeHead(status, {
    'content-type': 'application/xml',
    'x-amz-request-id': randomBytes(8).toString('hex'),
  });
  res.end(
    head
      ? undefined
      : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

/** Serializes the writes of one key (the check and the write of a conditional PUT are one step). */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.tails.set(key, mine);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === mine) this.tails.delete(key);
    }
  }
}

export async function startS3Server(
  buckets: readonly string[],
  options: S3ServerOptions = {},
): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port: backendPort } = await backend.run();
  const backendClient = new S3Client({
    endpoint: `http://127.0.0.1:${backendPort}`,
    region: LOCAL_REGION,
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
  });
  const isVersioned = options.versioned ?? (() => false);
  const delayedWrites = new Map(Object.entries(options.versioningDelayWrites ?? {}));
  /** `bucket/key` → versions, oldest first; the last one is current (undefined id: written unversioned). */
  const versions = new Map<string, StoredVersion[]>();
  const locks = new KeyLocks();
  const gate = (): IamGate | undefined => options.iam ?? activeIamGate();

  /** Forwards the request to s3rver with its own access key; resolves with status, headers and body. */
  function forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    const headers = { ...req.headers, host: `127.0.0.1:${backendPort}` };
    delete headers['if-match'];
    delete headers['if-none-match'];
    if (typeof headers.authorization === 'string') {
      headers.authorization = headers.authorization.replace(
        /Credential=[^/]+\//,
        `Credential=${S3RVER_CREDENTIALS.accessKeyId}/`,
      );
    }
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  async function storeVersion(bucket: string, key: string, versionId: string): Promise<void> {
    const got = await backendClient.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const list = versions.get(`${bucket}/${key}`) ?? [];
    list.push({
      versionId,
      body: Buffer.from(await got.Body!.transformToByteArray()),
      etag: got.ETag ?? '',
      contentType: got.ContentType,
      metadata: got.Metadata ?? {},
      lastModified: got.LastModified ?? new Date(),
    });
    versions.set(`${bucket}/${key}`, list);
  }

  function sendVersion(res: ServerResponse, v: StoredVersion, head: boolean): void {
    const headers: Record<string, string> = {
      etag: v.etag,
      'content-length': String(v.body.length),
      'last-modified': v.lastModified.toUTCString(),
      'x-amz-version-id': v.versionId,
    };
    if (v.contentType) headers['content-type'] = v.contentType;
    for (const [name, value] of Object.entries(v.metadata)) headers[`x-amz-meta-${name}`] = value;
    res.writeHead(200, headers);
    res.end(head ? undefined : v.body);
  }

  async function allowed(
    req: IncomingMessage,
    action: string,
    resource: string,
    context?: Record<string, string>,
    how: { record?: boolean } = {},
  ): Promise<boolean> {
    const iam = gate();
    if (!iam) return true;
    const decision = await iam.authorize(
      { accessKeyId: accessKeyIdOf(req.headers.authorization), action, resource, context },
      how,
    );
    return decision.allowed;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    const body = await readBodyBytes(req);
    const versionId = url.searchParams.get('versionId') ?? undefined;
    const objectArn = `arn:aws:s3:::${bucket}/${key}`;
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const subresource = [...url.searchParams.keys()].some((k) => k !== 'versionId' && k !== 'x-id');

    if (key && !subresource && (method === 'GET' || method === 'HEAD')) {
      const action = versionId ? 's3:GetObjectVersion' : 's3:GetObject';
      if (!(await allowed(req, action, objectArn))) {
        return xmlError(res, 403, 'AccessDenied', 'Access Denied', head);
      }
      const list = versions.get(`${bucket}/${key}`);
      if (versionId) {
        const v = list?.find((x) => x.versionId === versionId);
        if (!v) return xmlError(res, 404, 'NoSuchVersion', 'The specified version does not exist.', head);
        return sendVersion(res, v, head);
      }
      const answer = await forward(req, body);
      if (
        answer.status === 404 &&
        !(await allowed(req, 's3:ListBucket', bucketArn, { 's3:prefix': key }, { record: false }))
      ) {
        // No s3:ListBucket: S3 does not tell a missing key from a forbidden one.
        return xmlError(res, 403, 'AccessDenied', 'Access Denied', head);
      }
      const current = list?.at(-1);
      const headers = { ...answer.headers };
      if (answer.status === 200 && current) headers['x-amz-version-id'] = current.versionId;
      res.writeHead(answer.status, headers as Record<string, string>);
      return void res.end(head ? undefined : answer.body);
    }

    if (key && !subresource && method === 'PUT' && !req.headers['x-amz-copy-source']) {
      if (!(await allowed(req, 's3:PutObject', objectArn))) {
        return xmlError(res, 403, 'AccessDenied', 'Access Denied', false);
      }
      return locks.run(`${bucket}/${key}`, async () => {
        const ifNoneMatch = req.headers['if-none-match'];
        const ifMatch = req.headers['if-match'];
        if (ifNoneMatch !== undefined || ifMatch !== undefined) {
          let currentEtag: string | undefined;
          try {
            currentEtag = (await backendClient.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).ETag;
          } catch {
            currentEtag = undefined;
          }
          if (ifNoneMatch === '*' && currentEtag !== undefined) {
            return xmlError(
              res,
              412,
              'PreconditionFailed',
              'At least one of the pre-conditions you specified did not hold',
              false,
            );
          }
          if (ifMatch !== undefined && currentEtag === undefined) {
            return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.', false);
          }
          if (ifMatch !== undefined && ifMatch !== currentEtag) {
            return xmlError(
              res,
              412,
              'PreconditionFailed',
              'At least one of the pre-conditions you specified did not hold',
              false,
            );
          }
        }
        const answer = await forward(req, body);
        const headers = { ...answer.headers };
        if (answer.status === 200 && isVersioned(bucket)) {
          const delayed = delayedWrites.get(bucket) ?? 0;
          if (delayed > 0) {
            delayedWrites.set(bucket, delayed - 1); // versioning not in effect yet: no VersionId
          } else {
            const id = randomBytes(16).toString('base64url');
            await storeVersion(bucket, key, id);
            headers['x-amz-version-id'] = id;
          }
        }
        res.writeHead(answer.status, headers as Record<string, string>);
        res.end(answer.body);
      });
    }

    if (!key && method === 'GET' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      if (!(await allowed(req, 's3:ListBucket', bucketArn, { 's3:prefix': prefix }))) {
        return xmlError(res, 403, 'AccessDenied', 'Access Denied', false);
      }
    } else if (
      gate() &&
      accessKeyIdOf(req.headers.authorization) !== PRINCIPAL_CREDENTIALS.fixture.accessKeyId &&
      accessKeyIdOf(req.headers.authorization) !== S3RVER_CREDENTIALS.accessKeyId
    ) {
      // Anything else is the tests' own setup; a principal under IAM reaching here is a gap in this gateway.
      return xmlError(
        res,
        501,
        'NotImplemented',
        `the S3 stand-in does not map ${method} ${url.pathname}${url.search} to an IAM action`,
        head,
      );
    }
    const answer = await forward(req, body);
    res.writeHead(answer.status, answer.headers as Record<string, string>);
    res.end(head ? undefined : answer.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) xmlError(res, 500, 'InternalError', String(error), req.method === 'HEAD');
      else res.destroy();
    });
  });
  const port = await listen(server);
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  return {
    endpoint,
    client(credentials = PRINCIPAL_CREDENTIALS.fixture) {
      const c = new S3Client({ endpoint, region: LOCAL_REGION, credentials, forcePathStyle: true });
      clients.push(c);
      return c;
    },
    version: (bucket, key, id) => versions.get(`${bucket}/${key}`)?.find((v) => v.versionId === id)?.body,
    async close() {
      for (const c of clients) c.destroy();
      backendClient.destroy();
      await close(server);
      await backend.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
