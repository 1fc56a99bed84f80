import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FUNCTION_SETTINGS,
  SETTINGS,
  SETTING_ENTRIES,
  closestName,
  editDistance,
  nearMissEnvProblems,
  readEnv,
  readValue,
  valueProblems,
} from '../../lambdas/contract/settings';

const repoRoot = resolve(import.meta.dirname, '../..');

describe('the settings table', () => {
  it('names each environment variable once, and every entry has a reader and a description', () => {
    const envNames = SETTING_ENTRIES.flatMap(([, spec]) => (spec.env === undefined ? [] : [spec.env]));
    expect(new Set(envNames).size).toBe(envNames.length);
    for (const [id, spec] of SETTING_ENTRIES) {
      expect(spec.env !== undefined || spec.cdk !== undefined, id).toBe(true);
      expect(spec.readers.length, id).toBeGreaterThan(0);
      expect(spec.description.length, id).toBeGreaterThan(10);
      // A CDK key is read by the stack; an environment variable by a function or npm start.
      expect(spec.cdk === undefined || spec.readers.includes('stack'), id).toBe(true);
      expect(spec.env === undefined || spec.readers.some((reader) => reader !== 'stack'), id).toBe(true);
    }
  });

  it('has defaults its own checks accept, deployed and locally', () => {
    for (const [id, spec] of SETTING_ENTRIES) {
      for (const value of [spec.default, spec.localDefault]) {
        if (value === undefined || spec.kind.type === 'url') continue;
        expect(valueProblems(spec.kind, id, value, { deployed: true }), id).toEqual([]);
      }
      if (spec.kind.type === 'integer') expect(spec.kind.min, id).toBeLessThanOrEqual(spec.kind.max);
    }
  });

  it('imports nothing but its own pure modules (the authorizer bundle loads it at cold start)', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, specifier] of source.matchAll(/^import\s(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\.?\//);
        visit(resolve(dirname(file), `${specifier}.ts`));
      }
    };
    visit(resolve(repoRoot, 'lambdas/contract/settings.ts'));
    expect([...seen].map((file) => file.slice(repoRoot.length + 1)).sort()).toEqual([
      'lambdas/contract/function-settings.ts',
      'lambdas/contract/reserved-paths.ts',
      'lambdas/contract/settings.ts',
      'lambdas/identity/cookie-attributes.ts',
      'lambdas/identity/request-path.ts',
    ]);
  });

  it("keeps the functions to their part of the table (the rest would cost the authorizer's cold start)", () => {
    const files = readdirSync(resolve(repoRoot, 'lambdas'), { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && file !== join('contract', 'settings.ts'),
    );
    for (const file of files) expect(readFileSync(resolve(repoRoot, 'lambdas', file), 'utf8'), file).not.toMatch(/from '(\.\.\/contract|\.)\/settings'/);
    // Every entry a function's code reads is in that part.
    for (const [id, spec] of SETTING_ENTRIES) {
      if (spec.readers.includes('authorizer') || spec.readers.includes('consumer')) expect(Object.keys(FUNCTION_SETTINGS), id).toContain(id);
    }
  });
});

describe('readValue and readEnv', () => {
  it('parse text and typed values alike, and report problems as strings', () => {
    expect(readValue(SETTINGS.retentionDays.kind, 'retentionDays', ' 90 ', { deployed: true })).toEqual({ value: 90, problems: [] });
    expect(readValue(SETTINGS.retentionDays.kind, 'retentionDays', 90, { deployed: true })).toEqual({ value: 90, problems: [] });
    expect(readValue(SETTINGS.retentionDays.kind, 'retentionDays', '1e3', { deployed: true }).problems).toEqual([
      'retentionDays must be an integer from 1 to 3650 (got "1e3")',
    ]);
    expect(readValue(SETTINGS.tracing.kind, 'tracing', 'TRUE', { deployed: true }).value).toBe(true);
    expect(readValue(SETTINGS.skipPrefixes.kind, 'skipPrefixes', ['/a/', ' /b '], { deployed: true }).value).toEqual(['/a/', '/b']);
  });

  it('apply the reader\'s default: unset or empty, and after a problem', () => {
    const problems: string[] = [];
    expect(readEnv(SETTINGS.consumerBatchSize, {}, problems, 'local')).toBe(100);
    expect(readEnv(SETTINGS.consumerBatchSize, { BATCH_SIZE: ' ' }, problems, 'stack')).toBe(1000);
    expect(problems).toEqual([]);
    expect(readEnv(SETTINGS.sessionTimeoutSeconds, { SESSION_TIMEOUT_SECONDS: '5' }, problems, 'authorizer')).toBe(1800);
    expect(problems).toEqual(['SESSION_TIMEOUT_SECONDS must be an integer from 60 to 86400 (got "5")']);
  });

  it('read an empty list variable as the empty list (the stack writes `untrackedPrefixes: []` so)', () => {
    const problems: string[] = [];
    expect(readEnv(SETTINGS.untrackedPrefixes, { UNTRACKED_PREFIXES: '' }, problems, 'authorizer')).toEqual([]);
    expect(readEnv(SETTINGS.untrackedPrefixes, {}, problems, 'authorizer')).toEqual(['/api/']);
    expect(problems).toEqual([]);
  });

  it('report a missing required value only to the readers that require it', () => {
    const problems: string[] = [];
    expect(readEnv(SETTINGS.tableName, {}, problems, 'local')).toBe('visitor-gate');
    expect(problems).toEqual([]);
    expect(readEnv(SETTINGS.tableName, {}, problems, 'consumer')).toBeUndefined();
    expect(problems).toEqual(['TABLE_NAME is required: the DynamoDB table the aggregator writes to']);
  });

  it('never show a secret value', () => {
    const problems: string[] = [];
    readEnv(SETTINGS.jwtSecret, { JWT_SECRET: 'short-secret-value' }, problems, 'authorizer');
    expect(problems).toEqual(['JWT_SECRET must be at least 32 characters']);
  });

  it('check an origin the same way everywhere: https when deployed, http(s) locally, never a path', () => {
    const origin = (value: string, deployed: boolean) => readValue(SETTINGS.originUrl.kind, 'originUrl', value, { deployed }).problems;
    expect(origin('https://origin.example.com', true)).toEqual([]);
    expect(origin('http://localhost:5173', false)).toEqual([]);
    expect(origin('http://origin.example.com', true)).toEqual(['originUrl must be an https URL (got "http://origin.example.com")']);
    for (const deployed of [true, false]) expect(origin('https://origin.example.com/app', deployed)).toHaveLength(1);
  });
});

describe('near misses', () => {
  it('measures edits, a swap of neighbours counting once', () => {
    expect(editDistance('retentionDay', 'retentionDays')).toBe(1);
    expect(editDistance('sesison', 'session')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('PORT', 'HOST')).toBe(2);
  });

  it('suggests the closest of our names, case ignored, and nothing for names far from ours', () => {
    const keys = SETTING_ENTRIES.map(([id]) => id);
    expect(closestName('retentionDay', keys)).toBe('retentionDays');
    expect(closestName('RetentionDays', keys)).toBe('retentionDays');
    expect(closestName('originURL', keys)).toBe('originUrl');
    expect(closestName('colour', keys)).toBeUndefined();
    // Short names need a closer match: HOST is two edits from PORT.
    expect(closestName('HOST', ['PORT'])).toBeUndefined();
    expect(closestName('PROT', ['PORT'])).toBe('PORT');
  });

  it('reports environment variables that are near misses of ours, and only those', () => {
    expect(
      nearMissEnvProblems({ SESSION_TIMEOUT_SECOND: '60', SESSION_TIMEOUT_SECONDS: '60', HOME: '/root', RETENTIONDAYS: '3', npm_config_cache: 'x' }),
    ).toEqual(['SESSION_TIMEOUT_SECOND is not a visitor-gate setting: did you mean SESSION_TIMEOUT_SECONDS?', 'RETENTIONDAYS is not a visitor-gate setting: did you mean RETENTION_DAYS?']);
  });
});
