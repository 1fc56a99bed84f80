/**
 * `npx cdk synth` as a user runs it: the CLI, cdk.json, bin/app.ts, local esbuild bundling, cdk-nag.
 * Offline: no Docker, no telemetry, no notices, no credentials, no instance-metadata lookups.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STACK_NAME } from '../../lib/visitor-gate-app';
import { repoRoot } from './stack-fixture';

const run = promisify(execFile);

const SAM_FUNCTION_IDS = ['TrackingAggregatorFunction816F45D6', 'TrackingAuthorizerFunctionB90252AA'];

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

const outDir = mkdtempSync(join(tmpdir(), 'vg-cdk-out-'));

/** Environment with nothing that could reach AWS, and Node 24 from the project first on PATH. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['HOME', 'TMPDIR', 'LANG', 'PATH']) if (process.env[key] !== undefined) env[key] = process.env[key];
  return {
    ...env,
    PATH: [resolve(repoRoot, 'node_modules/.bin'), env.PATH ?? ''].join(delimiter),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    CI: 'true',
  };
}

let stdout = '';
let stderr = '';

beforeAll(async () => {
  const result = await run(
    'npx',
    ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', outDir, '-c', 'originUrl=https://origin.example.com'],
    { cwd: repoRoot, env: offlineEnv(), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
  );
  stdout = result.stdout;
  stderr = result.stderr;
}, 300_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('npx cdk synth', () => {
  it('writes the stack template with both functions bundled locally (no Docker)', () => {
    expect(`${stdout}\n${stderr}`).not.toMatch(/docker/i);
    const template = JSON.parse(readFileSync(join(outDir, `${DEFAULT_STACK_NAME}.template.json`), 'utf8')) as {
      Resources: Record<string, Resource>;
    };
    const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    // The exact logical ids the README's `sam local invoke` commands use.
    expect(functions.map(([id]) => id).sort()).toEqual(SAM_FUNCTION_IDS);
    const readme = readFileSync(resolve(repoRoot, 'README.md'), 'utf8');
    for (const id of SAM_FUNCTION_IDS) expect(readme).toContain(`${DEFAULT_STACK_NAME}.template.json ${id} `);
    for (const [id, fn] of functions) {
      const assetPath = fn.Metadata?.['aws:asset:path'];
      expect(typeof assetPath, id).toBe('string');
      // SAM CLI resolves aws:asset:path against the template's folder: the bundle must be there.
      // One CommonJS file (lib/lambda-bundling.ts), so `index.js`, with its external source map.
      const bundle = join(outDir, String(assetPath), 'index.js');
      expect(existsSync(bundle), bundle).toBe(true);
      expect(existsSync(`${bundle}.map`), `${bundle}.map`).toBe(true);
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
    }
  });

  it('bundles the AWS SDK v3 into the functions instead of relying on the runtime copy', () => {
    const template = readFileSync(join(outDir, `${DEFAULT_STACK_NAME}.template.json`), 'utf8');
    const assetPath = /"aws:asset:path": "(asset\.[0-9a-f]+)"/.exec(template)?.[1];
    const bundle = readFileSync(join(outDir, String(assetPath), 'index.js'), 'utf8');
    // SDK code is inside the bundle (its Node-version warning text ships with @aws-sdk/core)...
    expect(bundle).toContain('AWS SDK for JavaScript (v3)');
    // ...and nothing is left to load from the runtime's copy.
    expect(bundle).not.toMatch(/\bimport\s*(?:\{[^}]*\}|\*\s*as\s*\w+|\w+)\s*from\s*["']@aws-sdk\//);
    expect(bundle).not.toMatch(/\b(?:import|require)\(["']@(?:aws-sdk|smithy)\//);
  });

  it('bundles with the settings of lib/lambda-bundling.ts: CommonJS, no arrow functions, Lambda-only substitutes', () => {
    const template = readFileSync(join(outDir, `${DEFAULT_STACK_NAME}.template.json`), 'utf8');
    const assetPaths = [...template.matchAll(/"aws:asset:path": "(asset\.[0-9a-f]+)"/g)].map((m) => m[1]);
    expect(assetPaths.length).toBeGreaterThan(0);
    for (const assetPath of new Set(assetPaths)) {
      const bundle = readFileSync(join(outDir, String(assetPath), 'index.js'), 'utf8');
      expect(bundle, assetPath).toMatch(/^"use strict";/);
      expect(bundle, assetPath).not.toMatch(/\bimport\.meta\b|^import\s/m);
      // Arrow functions lowered (V8 then pre-parses the lazily initialised modules instead of parsing them);
      // minified arrows have no space before `=>` (generated code inside string literals does).
      expect(bundle, assetPath).not.toMatch(/[\w)]=>/);
      // The default credential chain's SSO/INI/process/web-identity providers are not in the bundle...
      expect(bundle, assetPath).not.toContain('defaultProvider::fromSSO');
      expect(bundle, assetPath).not.toContain('defaultProvider::fromIni');
      // ...the environment provider is (Lambda's credentials), and the event-stream codec is the stub.
      expect(bundle, assetPath).toContain('AWS_SECRET_ACCESS_KEY');
      expect(bundle, assetPath).not.toContain('EventStreamCodec');
    }
  });

  it('passed the cdk-nag checks (a finding would have failed the synth)', () => {
    expect(`${stdout}\n${stderr}`).not.toMatch(/AwsSolutions-/);
  });

  it('fails with a clear message and no stack trace when originUrl is missing', async () => {
    const failure = await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', join(outDir, 'missing')], {
      cwd: repoRoot,
      env: offlineEnv(),
      timeout: 120_000,
    }).then(
      () => undefined,
      (error: { stderr?: string }) => error,
    );
    expect(failure?.stderr).toMatch(/originUrl is required: deploy with -c originUrl=https:/);
    expect(failure?.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
  }, 150_000);
});
