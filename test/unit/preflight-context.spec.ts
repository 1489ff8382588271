import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../../cli/errors';
import { loadCdkContext, parseContextFlags } from '../../cli/preflight/cdk-context';
import { nameCovers, namesCover } from '../../cli/preflight/dns-names';

describe('preflight context: the CDK CLI order (-c, cdk.json, cdk.context.json, ~/.cdk.json)', () => {
  let app: string;
  let home: string;

  beforeEach(() => {
    app = mkdtempSync(join(tmpdir(), 'preflight-app-'));
    home = mkdtempSync(join(tmpdir(), 'preflight-home-'));
  });
  afterEach(() => {
    rmSync(app, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('takes -c over cdk.json over cdk.context.json over ~/.cdk.json, key by key', () => {
    writeFileSync(
      join(home, '.cdk.json'),
      JSON.stringify({ context: { a: 'home', b: 'home', c: 'home', d: 'home' } }),
    );
    writeFileSync(
      join(app, 'cdk.context.json'),
      JSON.stringify({ a: 'context', b: 'context', c: 'context' }),
    );
    writeFileSync(
      join(app, 'cdk.json'),
      JSON.stringify({ app: 'x', context: { a: 'project', b: 'project' } }),
    );
    const context = loadCdkContext({ cwd: app, home, flags: ['a=flag'] });
    expect(context).toEqual({ a: 'flag', b: 'project', c: 'context', d: 'home' });
  });

  it('keeps JSON values from files and splits -c at the first =', () => {
    writeFileSync(join(app, 'cdk.json'), JSON.stringify({ context: { list: ['x'], flag: true } }));
    expect(loadCdkContext({ cwd: app, flags: ['url=https://a.example/?q=1'] })).toEqual({
      list: ['x'],
      flag: true,
      url: 'https://a.example/?q=1',
    });
  });

  it('works with no files at all', () => {
    expect(loadCdkContext({ cwd: app, home, flags: [] })).toEqual({});
  });

  it('refuses a -c without =, an aws: key and a cdk.json that is not JSON (usage errors, exit 2)', () => {
    expect(() => parseContextFlags(['domainName'])).toThrow(/expected key=value/);
    expect(() => parseContextFlags(['aws:cdk:x=1'])).toThrow(/reserved/);
    writeFileSync(join(app, 'cdk.json'), '{ not json');
    let thrown: unknown;
    try {
      loadCdkContext({ cwd: app, flags: [] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).exitCode).toBe(2);
    expect((thrown as CliError).message).toMatch(/cdk\.json is not valid JSON/);
  });
});

describe('certificate names: a wildcard covers exactly one label', () => {
  it.each([
    ['mtls.auth.example.com', 'mtls.auth.example.com', true],
    ['MTLS.Auth.Example.com.', 'mtls.auth.example.com', true],
    ['*.auth.example.com', 'mtls.auth.example.com', true],
    ['*.example.com', 'mtls.auth.example.com', false],
    ['*.example.com', 'auth.example.com', true],
    ['*.mtls.auth.example.com', 'mtls.auth.example.com', false],
    ['auth.example.com', 'mtls.auth.example.com', false],
    ['*.auth.example.com', 'auth.example.com', false],
    ['*.uth.example.com', 'mtls.auth.example.com', false],
  ])('%s covers %s: %s', (name, host, expected) => {
    expect(nameCovers(name, host)).toBe(expected);
  });

  it('a certificate covers a host when any of its names does', () => {
    expect(namesCover(['example.com', '*.example.com'], 'mtls.auth.example.com')).toBe(false);
    expect(namesCover(['example.com', '*.auth.example.com'], 'mtls.auth.example.com')).toBe(true);
  });
});
