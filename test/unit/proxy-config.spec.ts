import { loadConfig } from '../../lambda/proxy/config';

const base = {
  FORWARDING_TARGET: 'https://acme-cd-abc123.edge.tenants.us.auth0.com',
  CNAME_API_KEY_SECRET_ID: 'edge/cname-api-key',
  REGISTRY_TABLE_NAME: 'registry',
  CA_BUNDLE_FILE: 'ca-bundle.pem',
};

describe('loadConfig', () => {
  it('applies the defaults of docs/reference.md#proxy-environment and resolves the bundle against the handler directory', () => {
    const config = loadConfig(base, '/var/task');
    expect(config.forwardingTarget.origin).toBe('https://acme-cd-abc123.edge.tenants.us.auth0.com');
    expect(config.caBundleFile).toBe('/var/task/ca-bundle.pem');
    expect([...config.allowedPaths]).toEqual(['/oauth/token', '/oauth/par', '/userinfo']);
    expect(config.caSignedPolicy).toBe('any');
    expect(config.clientIpHeader).toBe('x-forwarded-for');
    expect(config.upstreamTimeoutMs).toBe(25000);
    expect(config.registryCacheTtlMs).toBe(30000);
    expect(config.secretCacheTtlMs).toBe(300000);
  });

  it('reads every optional variable', () => {
    const config = loadConfig(
      {
        ...base,
        CA_BUNDLE_FILE: '/etc/ca.pem',
        ALLOWED_PATHS: '/oauth/token, /userinfo',
        CA_SIGNED_POLICY: 'registered',
        CLIENT_IP_HEADER: 'True-Client-IP',
        UPSTREAM_TIMEOUT_MS: '1000',
        REGISTRY_CACHE_TTL_SECONDS: '0',
        SECRET_CACHE_TTL_SECONDS: '7',
      },
      '/var/task',
    );
    expect(config.caBundleFile).toBe('/etc/ca.pem');
    expect([...config.allowedPaths]).toEqual(['/oauth/token', '/userinfo']);
    expect(config.caSignedPolicy).toBe('registered');
    expect(config.clientIpHeader).toBe('true-client-ip');
    expect(config.upstreamTimeoutMs).toBe(1000);
    expect(config.registryCacheTtlMs).toBe(0);
    expect(config.secretCacheTtlMs).toBe(7000);
  });

  it.each(['FORWARDING_TARGET', 'CNAME_API_KEY_SECRET_ID', 'REGISTRY_TABLE_NAME', 'CA_BUNDLE_FILE'])(
    'names the missing required variable %s',
    (name) => {
      expect(() => loadConfig({ ...base, [name]: undefined }, '/')).toThrow(
        new RegExp(`^${name} is required`),
      );
    },
  );

  it.each([
    ['http://acme.example.com', /must use https/],
    ['https://acme.example.com/path', /without path/],
    ['not a url', /must be a URL/],
  ])('refuses FORWARDING_TARGET %s', (value, message) => {
    expect(() => loadConfig({ ...base, FORWARDING_TARGET: value }, '/')).toThrow(message);
  });

  it('allows plain http only for loopback targets', () => {
    expect(
      loadConfig({ ...base, FORWARDING_TARGET: 'http://127.0.0.1:8080' }, '/').forwardingTarget.port,
    ).toBe('8080');
    expect(
      loadConfig({ ...base, FORWARDING_TARGET: 'http://[::1]:8080' }, '/').forwardingTarget.hostname,
    ).toBe('[::1]');
  });

  it.each([
    ['CA_SIGNED_POLICY', 'sometimes', /CA_SIGNED_POLICY must be/],
    ['CLIENT_IP_HEADER', 'x-client-ip', /CLIENT_IP_HEADER must be one of/],
    ['UPSTREAM_TIMEOUT_MS', '0', /UPSTREAM_TIMEOUT_MS must be a positive integer/],
    ['REGISTRY_CACHE_TTL_SECONDS', '-1', /non-negative/],
    ['ALLOWED_PATHS', '/oauth/token?x=1', /exact paths/],
    ['ALLOWED_PATHS', '/oauth/token,/authorize', /has no method list for "\/authorize"/],
  ])('refuses a malformed %s', (name, value, message) => {
    expect(() => loadConfig({ ...base, [name]: value }, '/')).toThrow(message);
  });
});
