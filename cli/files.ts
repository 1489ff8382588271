/** Certificate files given on the command line: one certificate per file, PEM or DER; directories expand. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inspectCertificate, splitPemBlocks, type InspectedCertificate } from '../shared/certificate';
import { errorCode, errorMessage } from '../shared/errors';
import { usageError } from './errors';

const CERTIFICATE_EXTENSIONS = /\.(pem|crt|cer|der)$/i;

/** Files and directories (their `*.pem`, `*.crt`, `*.cer`, `*.der` files, sorted) as a list of files. */
export function expandCertificatePaths(paths: readonly string[], cwd: string): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(resolve(cwd, path)).isDirectory();
    } catch (error) {
      throw usageError(`${path}: cannot read (${errorCode(error) ?? errorMessage(error)})`);
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const found = readdirSync(resolve(cwd, path))
      .filter((name) => CERTIFICATE_EXTENSIONS.test(name))
      .sort()
      .map((name) => join(path, name))
      .filter((file) => statSync(resolve(cwd, file)).isFile());
    if (found.length === 0)
      throw usageError(`${path}: no certificate files (*.pem, *.crt, *.cer, *.der) in this directory`);
    files.push(...found);
  }
  return files;
}

/**
 * The one certificate of a file.
 * @throws CliError (exit 2) naming the file and the problem.
 */
export function readCertificateFile(path: string, cwd: string): InspectedCertificate {
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(cwd, path));
  } catch (error) {
    throw usageError(`${path}: cannot read (${errorCode(error) ?? errorMessage(error)})`);
  }
  const text = bytes.toString('latin1');
  let input: string | Buffer = bytes;
  if (text.includes('-----BEGIN')) {
    const blocks = splitPemBlocks(text);
    if (blocks.length === 0)
      throw usageError(`${path}: no PEM certificate in the file (a key or a request?)`);
    if (blocks.length > 1) {
      throw usageError(`${path}: holds ${blocks.length} certificates; give one certificate per file`);
    }
    input = blocks[0] as string;
  }
  try {
    return inspectCertificate(input);
  } catch (error) {
    throw usageError(`${path}: ${errorMessage(error)}`);
  }
}

/** `CN=…, thumbprint …`: how a certificate is named in messages. */
export function describe(cert: Pick<InspectedCertificate, 'subject' | 'thumbprint'>): string {
  return `${cert.subject || '(empty subject)'}, thumbprint ${cert.thumbprint}`;
}
