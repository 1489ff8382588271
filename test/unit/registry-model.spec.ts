import {
  REGISTRY_ATTRIBUTES,
  REGISTRY_KEY,
  REGISTRY_TTL_ATTRIBUTE,
  entryFromItem,
  isRegistryStatus,
  itemFromEntry,
  verdictFromItem,
  type RegistryEntry,
} from '../../shared/registry-model';

const full: RegistryEntry = {
  thumbprint: 'x'.repeat(43),
  kind: 'self-signed',
  status: 'active',
  pem: '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n',
  subject: 'CN=model, O=Acme',
  notAfter: '2030-01-01T00:00:00.000Z',
  clientId: 'app-1',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-02T00:00:00.000Z',
  expiresAt: 1_900_000_000,
};

describe('registry item shape', () => {
  it('writes the attribute names of docs/reference.md#registry (the literals are the interface)', () => {
    expect(itemFromEntry(full)).toEqual({
      thumbprint: { S: full.thumbprint },
      kind: { S: 'self-signed' },
      status: { S: 'active' },
      pem: { S: full.pem },
      subject: { S: full.subject },
      notAfter: { S: full.notAfter },
      clientId: { S: 'app-1' },
      createdAt: { S: full.createdAt },
      updatedAt: { S: full.updatedAt },
      expiresAt: { N: '1900000000' },
    });
    expect([REGISTRY_KEY, REGISTRY_TTL_ATTRIBUTE]).toEqual(['thumbprint', 'expiresAt']);
  });

  it('names every entry field by its own attribute name', () => {
    const { owner, ...entryAttributes } = REGISTRY_ATTRIBUTES;
    expect(owner).toBe('owner');
    expect(Object.entries(entryAttributes).every(([field, attribute]) => field === attribute)).toBe(true);
    expect(Object.keys(itemFromEntry(full)).sort()).toEqual(Object.values(entryAttributes).sort());
  });

  it('reads back what it wrote, optional attributes left out included', () => {
    expect(entryFromItem(itemFromEntry(full))).toEqual(full);
    const minimal: RegistryEntry = {
      thumbprint: full.thumbprint,
      kind: 'ca-signed',
      status: 'revoked',
      subject: full.subject,
      notAfter: full.notAfter,
    };
    expect(entryFromItem(itemFromEntry(minimal))).toMatchObject(minimal);
  });

  it('never reads a malformed kind or status as a verdict', () => {
    const item = itemFromEntry(full);
    expect(verdictFromItem(item)).toEqual({ kind: 'self-signed', status: 'active' });
    expect(verdictFromItem({ ...item, [REGISTRY_ATTRIBUTES.status]: { S: 'Active' } })).toBeUndefined();
    expect(verdictFromItem({ ...item, [REGISTRY_ATTRIBUTES.kind]: { S: 'self signed' } })).toBeUndefined();
    expect(verdictFromItem({ ...item, [REGISTRY_ATTRIBUTES.status]: { N: '1' } })).toBeUndefined();
  });
});

describe('isRegistryStatus', () => {
  it('accepts exactly active and revoked', () => {
    expect(['active', 'revoked', 'Active', '', undefined].map(isRegistryStatus)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
