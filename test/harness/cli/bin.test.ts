/**
 * `npx infusim` from a fresh clone runs the package's own bin, dist/harness/cli/main.js, which tsc
 * writes without the executable bit: the build makes it executable (scripts/bin-executable.mjs).
 * `npm install` / `npm ci` build the package (prepare), so dist/ is there when the tests run.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('the infusim bin', () => {
  it('is built executable, with a node shebang', () => {
    const bin = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { infusim: string } }).bin.infusim;
    expect(existsSync(bin), `${bin} is missing: run npm run build`).toBe(true);
    expect(statSync(bin).mode & 0o111, `${bin} is not executable`).toBe(0o111);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
