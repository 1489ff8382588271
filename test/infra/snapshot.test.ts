/**
 * One whole-template snapshot of the CustomerEdge stack: the refactoring net. Deterministic by
 * construction: the test App loads cdk.json's context, and the serializer masks what legitimately
 * varies between checkouts and runs (asset hashes, which depend on the bundle and its source map paths,
 * and the CA bundle's hash, whose certificates the test generates).
 */
import { synthesizeEdge, type SynthesizedEdge } from './support';

const HASH = /[0-9a-f]{64}/g;

function mask(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(HASH, '[HASH]');
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(HASH, '[HASH]'), mask(v)]));
  }
  return value;
}

let edge: SynthesizedEdge;

beforeAll(async () => {
  edge = await synthesizeEdge();
}, 120_000);

afterAll(() => edge?.cleanup());

it('the CustomerEdge template matches the snapshot (asset and CA bundle hashes masked)', () => {
  expect(mask(edge.template.toJSON())).toMatchSnapshot();
});
