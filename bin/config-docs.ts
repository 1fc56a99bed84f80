/** `npm run docs:config`: writes docs/configuration.md from the settings table (lib/configuration-docs.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CONFIGURATION_DOCS_PATH, renderConfigurationDocs } from '../lib/configuration-docs';

const path = resolve(import.meta.dirname, '..', CONFIGURATION_DOCS_PATH);
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, renderConfigurationDocs());
console.log(`${CONFIGURATION_DOCS_PATH} written from lambdas/contract/settings.ts`);
