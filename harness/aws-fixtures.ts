/**
 * The AWS-shaped events in `test/fixtures/aws-events/` (written for this project from AWS's documented
 * formats; see the README there). Tests read fixtures only from inside the repository.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURES_DIR = resolve(import.meta.dirname, '../test/fixtures/aws-events');

/** The client address in the fixtures (a documentation range): it must never reach a log or a message. */
export const FIXTURE_IP = '198.51.100.23';

type Json = Record<string, unknown>;
const fixtureText = new Map<string, string>();

/** A fresh copy of a fixture event (the file is read once). */
export function loadFixture(name: string): Json {
  let text = fixtureText.get(name);
  if (text === undefined) {
    text = readFileSync(resolve(FIXTURES_DIR, name), 'utf8');
    fixtureText.set(name, text);
  }
  return JSON.parse(text) as Json;
}
