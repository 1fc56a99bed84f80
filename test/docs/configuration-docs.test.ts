/**
 * docs/configuration.md must be exactly what `npm run docs:config` renders from the settings table: a
 * hand edit, or a changed setting without re-running the script, fails here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTING_ENTRIES, type SettingSpec } from '../../lambdas/contract/settings';
import { CONFIGURATION_DOCS_PATH, renderConfigurationDocs } from '../../lib/configuration-docs';

const committed = readFileSync(resolve(import.meta.dirname, '../..', CONFIGURATION_DOCS_PATH), 'utf8');

describe(CONFIGURATION_DOCS_PATH, () => {
  it('is exactly what `npm run docs:config` renders from lambdas/contract/settings.ts', () => {
    expect(committed).toBe(renderConfigurationDocs());
  });

  it('lists every key and variable with its default, and would show a changed one', () => {
    for (const [id, spec] of SETTING_ENTRIES) {
      if (spec.cdk !== undefined) expect(committed, id).toContain(`| \`${id}\``);
      if (spec.env !== undefined) expect(committed, id).toContain(`| \`${spec.env}\``);
    }
    const edited = SETTING_ENTRIES.map(([id, spec]): [typeof id, SettingSpec] =>
      id === 'sessionTimeoutSeconds' ? [id, { ...spec, default: 1234 }] : [id, spec],
    );
    const rendered = renderConfigurationDocs(edited);
    expect(rendered).not.toBe(committed);
    expect(rendered).toContain('| `sessionTimeoutSeconds` | `1234` |');
    expect(rendered).toContain('| `SESSION_TIMEOUT_SECONDS` | `1234` |');
  });
});
