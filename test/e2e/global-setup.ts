/**
 * Jest globalSetup of the e2e tier: one demo PKI (local/edge/demo-pki.ts) for every edge the tier
 * starts, made once before the first file instead of once per edge (two RSA-2048 keys each). The edges
 * only read it (the state directory holds nothing else), so edges running side by side can share it.
 * Its directory reaches the test files through the environment (`demoStateDir()` in edge-harness.ts);
 * global-teardown.ts removes it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDemoPki } from '../../local/edge/demo-pki';

/** Where this setup tells the test files the tier's shared demo PKI is (`demoStateDir()`). */
export const DEMO_STATE_DIR_ENV = 'E2E_DEMO_STATE_DIR';

export default async function globalSetup(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-demo-pki-'));
  await ensureDemoPki(dir);
  process.env[DEMO_STATE_DIR_ENV] = dir;
}
