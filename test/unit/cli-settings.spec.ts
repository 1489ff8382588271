import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientSettings, hasConfiguredCredentials, isLoopbackUrl } from '../../cli/aws';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'cli-home-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('CLI AWS settings', () => {
  it.each(['http://127.0.0.1:8000', 'http://localhost:8000', 'http://[::1]:8000', 'http://127.1.2.3'])(
    '%s is loopback',
    (url) => expect(isLoopbackUrl(url)).toBe(true),
  );

  it.each(['https://dynamodb.eu-west-1.amazonaws.com', 'http://10.0.0.1:8000', 'not a url', undefined])(
    '%s is not loopback',
    (url) => expect(isLoopbackUrl(url)).toBe(false),
  );

  it('a loopback endpoint with no credentials anywhere gets throwaway credentials and us-east-1', () => {
    expect(
      clientSettings('DYNAMODB', { HOME: home, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }),
    ).toEqual({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local-operator', secretAccessKey: 'local' },
    });
    expect(
      clientSettings('DYNAMODB', {
        HOME: home,
        AWS_ENDPOINT_URL: 'http://localhost:1',
        AWS_REGION: 'eu-west-1',
      }),
    ).toMatchObject({ region: 'eu-west-1' });
  });

  it('otherwise the SDK decides: real endpoints, or configured credentials', () => {
    expect(clientSettings('DYNAMODB', { HOME: home })).toEqual({});
    expect(
      clientSettings('DYNAMODB', {
        HOME: home,
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
        AWS_PROFILE: 'ops',
      }),
    ).toEqual({});
  });

  it('a credentials file with keys counts as configured; a config file with only a region does not', () => {
    const config = join(home, 'config');
    writeFileSync(config, '[default]\nregion = eu-west-1\n');
    expect(hasConfiguredCredentials({ HOME: home, AWS_CONFIG_FILE: config })).toBe(false);
    const credentials = join(home, 'credentials');
    writeFileSync(credentials, '[default]\naws_access_key_id = AKIAEXAMPLE\n');
    expect(hasConfiguredCredentials({ HOME: home, AWS_SHARED_CREDENTIALS_FILE: credentials })).toBe(true);
  });
});
