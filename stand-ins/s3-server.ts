/**
 * An S3-compatible server for tests (s3rver, files in a temporary directory, port 0). s3rver has no
 * object versioning: PutObject and HeadObject return no VersionId. `versioningAdapter` fills that gap
 * honestly and visibly (VersionId = the object's ETag, so a changed object gets a new version id).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { LOCAL_REGION } from './registry-server';

/** s3rver accepts only its own well-known (throwaway) access key. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Server {
  readonly endpoint: string;
  /** A path-style client pointed at this server; `versioned` adds the VersionId adapter. */
  client(options?: { versioned?: boolean }): S3Client;
  close(): Promise<void>;
}

/** SDK middleware: VersionId := ETag on PutObject and HeadObject outputs (s3rver has no versioning). */
export function versioningAdapter(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const command = (context as { commandName?: string }).commandName;
      const output = result.output as { ETag?: string; VersionId?: string };
      if (
        (command === 'PutObjectCommand' || command === 'HeadObjectCommand') &&
        output.ETag &&
        !output.VersionId
      ) {
        output.VersionId = `etag-${output.ETag.replace(/"/g, '')}`;
      }
      return result;
    },
    { step: 'initialize', name: 's3rverVersioningAdapter' },
  );
  return client;
}

export async function startS3Server(buckets: readonly string[]): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  return {
    endpoint,
    client(options = {}) {
      const c = new S3Client({
        endpoint,
        region: LOCAL_REGION,
        credentials: S3RVER_CREDENTIALS,
        forcePathStyle: true,
      });
      clients.push(c);
      return options.versioned ? versioningAdapter(c) : c;
    },
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
