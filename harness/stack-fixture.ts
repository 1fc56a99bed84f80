/**
 * Synthesizes the real app (createVisitorGateApp, the same code `cdk synth` runs) with cdk.json's
 * context, so feature flags match the CLI. Bundling runs esbuild, so synthesize once per file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import type { AnonymousTrackingProps } from '../lib/tracking-settings';
import { createVisitorGateApp } from '../lib/visitor-gate-app';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export const TEST_ORIGIN = 'https://origin.example.com';

interface CdkJson {
  context: Record<string, unknown>;
}

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(repoRoot, 'cdk.json'), 'utf8')) as CdkJson;
  return cdkJson.context;
}

/** The app and stack, not yet synthesized (add constructs first, then `Template.fromStack`). */
export function buildStack(tracking: AnonymousTrackingProps = {}, context: Record<string, unknown> = {}) {
  return createVisitorGateApp({
    context: { ...cdkJsonContext(), originUrl: TEST_ORIGIN, ...context },
    tracking,
  });
}

export function synthesize(tracking: AnonymousTrackingProps = {}, context: Record<string, unknown> = {}) {
  const { app, stack } = buildStack(tracking, context);
  const template = Template.fromStack(stack);
  return { app, stack, template };
}

/** The one resource of a type whose logical id starts with `prefix` (fails loudly otherwise). */
export function resourceIdStartingWith(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}
