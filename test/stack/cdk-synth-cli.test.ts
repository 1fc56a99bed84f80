/**
 * `npx cdk synth` as a user runs it: the CLI, cdk.json, bin/app.ts, local esbuild bundling, cdk-nag.
 * Offline: no Docker, no telemetry, no notices, no credentials, no instance-metadata lookups.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER_ESM_ENTRY, AUTHORIZER_LAZY_MODULES, LAMBDA_NODE_OPTIONS, lazyModuleFile } from '../../lib/lambda-bundling';
import { DEFAULT_STACK_NAME } from '../../lib/visitor-gate-app';
import { SIGNING_KEYS, httpApiEvent } from '../authorizer/authorizer-fixtures';
import { repoRoot } from '../../harness/stack-fixture';

const run = promisify(execFile);

/** The authorizer, the consumer and the forget endpoint's function (lambdas/visitor-rights/forget-handler.ts). */
const SAM_FUNCTION_IDS = ['TrackingAggregatorFunction816F45D6', 'TrackingAuthorizerFunctionB90252AA', 'TrackingForgetFunction3BB10B3C'];

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

/** Each function's logical id -> its bundle folder (aws:asset:path, relative to the cloud assembly). */
function functionAssets(): Map<string, string> {
  const template = JSON.parse(readFileSync(join(outDir, `${DEFAULT_STACK_NAME}.template.json`), 'utf8')) as {
    Resources: Record<string, Resource>;
  };
  const assets = new Map<string, string>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    expect(r.Properties.Runtime, id).toBe('nodejs24.x');
    assets.set(id, join(outDir, String(r.Metadata?.['aws:asset:path'])));
  }
  return assets;
}

/** The JavaScript files of a bundle folder (index.js and lazy modules), with their text. */
function bundleFiles(folder: string): Map<string, string> {
  const files = readdirSync(folder).filter((f) => f.endsWith('.js'));
  return new Map(files.map((f) => [f, readFileSync(join(folder, f), 'utf8')]));
}

const AUTHORIZER_ID = 'TrackingAuthorizerFunctionB90252AA';

describe('npx cdk synth', () => {
  it('writes the stack template with every function bundled locally (no Docker)', () => {
    expect(`${stdout}\n${stderr}`).not.toMatch(/docker/i);
    const assets = functionAssets();
    // The exact logical ids the `sam local invoke` commands in docs/deploying.md use.
    expect([...assets.keys()].sort()).toEqual(SAM_FUNCTION_IDS);
    const deploying = readFileSync(resolve(repoRoot, 'docs/deploying.md'), 'utf8');
    for (const id of SAM_FUNCTION_IDS) expect(deploying).toContain(`${DEFAULT_STACK_NAME}.template.json ${id} `);
    for (const [id, folder] of assets) {
      // SAM CLI resolves aws:asset:path against the template's folder: the bundle must be there.
      // CommonJS (lib/lambda-bundling.ts): `index.js` and any lazy module files, each with its source map.
      const files = [...bundleFiles(folder).keys()];
      expect(files, id).toContain('index.js');
      for (const file of files) expect(existsSync(join(folder, `${file}.map`)), `${id}/${file}.map`).toBe(true);
    }
  });

  it("ships the authorizer's lazy modules beside index.js, and the AWS SDK only in them", () => {
    const files = bundleFiles(functionAssets().get(AUTHORIZER_ID) ?? '');
    expect([...files.keys()].sort()).toEqual([...AUTHORIZER_LAZY_MODULES.map(lazyModuleFile), 'index.js'].sort());
    const index = files.get('index.js') ?? '';
    for (const specifier of AUTHORIZER_LAZY_MODULES) expect(index).toContain(`require("${specifier}")`);
    expect(index).not.toContain('AWS SDK for JavaScript (v3)');
    expect(files.get('first-invocation-modules.js')).toContain('AWS SDK for JavaScript (v3)');
  });

  it("runs the synthesized authorizer as Lambda would: the first invocation loads its lazy modules", async () => {
    const folder = functionAssets().get(AUTHORIZER_ID) ?? '';
    // No credentials and an unreachable queue: the send fails and the page view is logged for replay,
    // which needs the SQS client and logger from first-invocation-modules.js.
    const script = `require(${JSON.stringify(join(folder, 'index.js'))}).handler(JSON.parse(process.argv[1])).then((r) => console.log('RESULT ' + r.context.reason));`;
    const event = JSON.stringify(httpApiEvent({ path: '/pricing' }));
    const { stdout: out, stderr: err } = await run(process.execPath, [...LAMBDA_NODE_OPTIONS, '-e', script, event], {
      env: { PATH: process.env.PATH ?? '', SIGNING_KEYS, AWS_REGION: 'eu-west-1', QUEUE_URL: 'http://127.0.0.1:9/000000000000/views', POWERTOOLS_METRICS_DISABLED: 'true' },
      timeout: 30_000,
    });
    expect(out).toContain('RESULT tracked');
    expect(err).toContain('visitor-gate.unpublished-message');
  }, 60_000);

  it("ships the authorizer's ES-module entry beside index.js, as the lifecycle tests run it", () => {
    const folder = functionAssets().get(AUTHORIZER_ID) ?? '';
    expect(readFileSync(join(folder, AUTHORIZER_ESM_ENTRY), 'utf8')).toBe(readFileSync(join(repoRoot, 'lambdas/authorizer', AUTHORIZER_ESM_ENTRY), 'utf8'));
  });

  it('bundles the AWS SDK v3 into the functions instead of relying on the runtime copy', () => {
    for (const [id, folder] of functionAssets()) {
      const code = [...bundleFiles(folder).values()].join('\n');
      // SDK code is inside the bundle (its Node-version warning text ships with @aws-sdk/core)...
      expect(code, id).toContain('AWS SDK for JavaScript (v3)');
      // ...and nothing is left to load from the runtime's copy.
      expect(code, id).not.toMatch(/\bimport\s*(?:\{[^}]*\}|\*\s*as\s*\w+|\w+)\s*from\s*["']@aws-sdk\//);
      expect(code, id).not.toMatch(/\b(?:import|require)\(["']@(?:aws-sdk|smithy)\//);
    }
  });

  it('bundles with the settings of lib/lambda-bundling.ts: CommonJS, no arrow functions, Lambda-only substitutes', () => {
    for (const [id, folder] of functionAssets()) {
      const files = bundleFiles(folder);
      for (const [file, code] of files) {
        expect(code, `${id}/${file}`).toMatch(/^"use strict";/);
        expect(code, `${id}/${file}`).not.toMatch(/\bimport\.meta\b|^import\s/m);
        // Arrow functions lowered (V8 then pre-parses the lazily initialised modules instead of parsing them);
        // minified arrows have no space before `=>` (generated code inside string literals does).
        expect(code, `${id}/${file}`).not.toMatch(/[\w)]=>/);
      }
      const code = [...files.values()].join('\n');
      // The default credential chain's SSO/INI/process/web-identity providers are not in the bundle...
      expect(code, id).not.toContain('defaultProvider::fromSSO');
      expect(code, id).not.toContain('defaultProvider::fromIni');
      // ...the environment provider is (Lambda's credentials), and the event-stream codec is the stub.
      expect(code, id).toContain('AWS_SECRET_ACCESS_KEY');
      expect(code, id).not.toContain('EventStreamCodec');
    }
  });

  it('prints no warnings: only the bundling report (no reserved context key, no unconfigured feature flags)', () => {
    // What esbuild and the CLI print while bundling: "Bundling asset ...", one line per file with its
    // size, "Done in ..." (with CI=true the CLI logs to stdout).
    const bundlingReport = /^(Bundling asset \S+\.\.\.|\s*\S+\s+\d+(\.\d+)?[kmg]?b|\W*Done in \d+ms|\s*)$/i;
    const other = `${stdout}\n${stderr}`.split('\n').filter((line) => !bundlingReport.test(line));
    expect(other).toEqual([]);
  });

  it('passed the cdk-nag checks (a finding would have failed the synth)', () => {
    expect(`${stdout}\n${stderr}`).not.toMatch(/AwsSolutions-/);
  });

  /** A synth that must fail: its exit code and output. */
  async function failedSynth(...context: string[]): Promise<{ code?: number; stderr?: string }> {
    const args = ['cdk', 'synth', '--quiet', '--no-notices', '-o', join(outDir, 'failed'), ...context.flatMap((entry) => ['-c', entry])];
    return run('npx', args, { cwd: repoRoot, env: offlineEnv(), timeout: 120_000 }).then(
      () => ({}),
      (error: { code?: number; stderr?: string }) => error,
    );
  }

  it('fails with a clear message and no stack trace when originUrl is missing', async () => {
    const failure = await failedSynth();
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/originUrl is required: deploy with -c originUrl=https:/);
    expect(failure.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
  }, 150_000);

  it('fails before synthesis on a mistyped -c key, with a hint and no stack trace', async () => {
    const failure = await failedSynth('originUrl=https://origin.example.com', 'retentionDay=7');
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('unknown context key "retentionDay": did you mean retentionDays?');
    expect(failure.stderr).not.toMatch(/Bundling asset|\n\s+at .*\.ts:\d+/);
  }, 150_000);

  it('refuses, under audienceMeasurement=cnil, a 400-day cookie and JWT user linking, with a clear message', async () => {
    const failure = await failedSynth(
      'originUrl=https://origin.example.com',
      'audienceMeasurement=cnil',
      'cookieMaxAgeSeconds=34560000',
      'jwtJwksUrl=https://id.example.com/jwks.json',
      'jwtIssuer=https://id.example.com/',
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('audienceMeasurement: cnil allows cookieMaxAgeSeconds of at most 33955200 (13 months, counted as 393 days; got 34560000, 400 days)');
    expect(failure.stderr).toContain('audienceMeasurement: cnil forbids linking visitors to users: unset jwtJwksUrl, jwtIssuer (JWT user linking)');
    expect(failure.stderr).not.toMatch(/Bundling asset|\n\s+at .*\.ts:\d+/);
  }, 150_000);
});
