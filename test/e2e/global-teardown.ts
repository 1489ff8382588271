/** Jest globalTeardown of the e2e tier: removes the shared demo PKI that global-setup.ts made. */
import { rm } from 'node:fs/promises';
import { DEMO_STATE_DIR_ENV } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env[DEMO_STATE_DIR_ENV];
  if (dir) await rm(dir, { recursive: true, force: true });
}
