/**
 * The local key ring: generated once into the data folder, so cookies minted by one `npm start` stay
 * valid after a restart. Same flat JSON shape as the deployed secret (`{"current":"k1","k1":"..."}`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIGNING_KEYS_FILE = 'signing-keys.json';

function generateKeyRing(): string {
  // 48 random bytes -> 64 base64url characters, well above the 32-character minimum.
  return JSON.stringify({ current: 'k1', k1: randomBytes(48).toString('base64url') });
}

/** Returns the key ring JSON stored in `dataDir`, creating it (mode 0600) on first use. */
export function loadOrCreateLocalKeyRing(dataDir: string): string {
  const path = join(dataDir, SIGNING_KEYS_FILE);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const keyRing = generateKeyRing();
  writeFileSync(path, `${keyRing}\n`, { mode: 0o600 });
  return keyRing;
}
