/**
 * docs/scenarios.md against the timeline table (src/harness/scenario/timelineTable.ts): the
 * Actions and Faults tables name the same actions and faults, with the same args, the units of
 * numeric args, the defaults of fault args, what `end` means for each fault, and which faults
 * repeat and may target the gateway. The docs are written for people; the table is what the
 * loader, the scheduler and training read; this test keeps them saying the same thing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTIONS, FAULTS, type ArgSpec } from '../../src/harness/scenario/timelineTable.js';

const DOC = readFileSync('docs/scenarios.md', 'utf8');

/** The rows of the first table under a `## heading`: name (first cell, unquoted) -> cells. */
function tableRows(heading: string): Map<string, string[]> {
  const at = DOC.indexOf(`\n## ${heading}\n`);
  expect(at, `docs/scenarios.md has a "## ${heading}" section`).toBeGreaterThan(0);
  const next = DOC.indexOf('\n## ', at + 1);
  const lines = DOC.slice(at, next < 0 ? undefined : next).split('\n');
  const rows = new Map<string, string[]>();
  for (const line of lines.filter((l) => l.startsWith('| `'))) {
    const cells = line.split(' | ').map((c) => c.replace(/^\| /, '').replace(/ \|$/, ''));
    rows.set(cells[0]!.replace(/`/g, ''), cells.slice(1));
  }
  return rows;
}

/**
 * The arg names a docs cell lists: in the Faults table each is written `name`: ...; in the Actions
 * table they are the backquoted words outside parentheses.
 */
function docArgs(cell: string, colon: boolean): string[] {
  if (cell === 'none') return [];
  const names = colon ? [...cell.matchAll(/`([a-z]+)`:/g)] : [...cell.replace(/\([^)]*\)/g, '').matchAll(/`([a-z]+)`/g)];
  return names.map((m) => m[1]!).filter((n, i, all) => all.indexOf(n) === i);
}

const SIMPLE_UNITS = new Set(['mL', 'mL/h', 'kg', 'min', 'h', 'ms', 's']);

function unitOf(spec: ArgSpec): string | undefined {
  return spec.kind === 'number' && spec.unit !== undefined && SIMPLE_UNITS.has(spec.unit) ? spec.unit : undefined;
}

describe('docs/scenarios.md, Actions, says what the timeline table says', () => {
  const rows = tableRows('Actions');

  it('lists every action of the table, and no other', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  it.each(Object.entries(ACTIONS))('%s: the same args, with their units', (name, spec) => {
    const cell = rows.get(name)?.[0] ?? '';
    const args: Record<string, ArgSpec> = spec.args;
    expect(docArgs(cell, false).sort(), `args of ${name} in the docs`).toEqual(Object.keys(args).sort());
    for (const [arg, a] of Object.entries(args)) {
      const unit = unitOf(a);
      if (unit !== undefined) expect(cell, `${name}.${arg} is in ${unit}`).toContain(`\`${arg}\` (${unit})`);
    }
  });
});

describe('docs/scenarios.md, Faults, says what the timeline table says', () => {
  const rows = tableRows('Faults');

  it('lists every fault of the table, and no other', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(FAULTS).sort());
  });

  it.each(Object.entries(FAULTS))('%s: the same args, units and defaults, and what end means', (name, spec) => {
    const [argsCell = '', , endCell = ''] = rows.get(name) ?? [];
    const args: Record<string, ArgSpec> = spec.args;
    expect(docArgs(argsCell, true).sort(), `args of ${name} in the docs`).toEqual(Object.keys(args).sort());
    // Each arg's part of the cell: from `arg`: to the next arg.
    const parts = argsCell.split(/, (?=`[a-z]+`:)/);
    for (const [arg, a] of Object.entries(args)) {
      const part = parts.find((p) => p.startsWith(`\`${arg}\`:`)) ?? '';
      expect(part, `${name}.${arg} has its own part in the docs`).not.toBe('');
      const unit = unitOf(a);
      if (unit !== undefined) expect(part, `${name}.${arg} is in ${unit}`).toContain(`: ${unit}`);
      if ('default' in a && a.default !== undefined) expect(part, `${name}.${arg} defaults to ${String(a.default)}`).toMatch(new RegExp(`\`"?${String(a.default)}"?\`(\\)| \\(default\\))`));
    }
    const endWords = { none: 'Instant: takes no `end`', 'bounds-every': 'Instant: `end` only bounds `every`', 'stops-repeating': 'Stops repeating', armed: 'Not used', clears: '' }[spec.end];
    if (endWords) expect(endCell, `what end means for ${name}`).toContain(endWords);
    else expect(endCell).not.toMatch(/^(Instant|Not used|Stops repeating)/);
  });

  it('names the faults that repeat and the faults that may target the gateway', () => {
    const names = (pred: (f: (typeof FAULTS)[keyof typeof FAULTS]) => boolean): string => Object.entries(FAULTS).filter(([, f]) => pred(f)).map(([n]) => `\`${n}\``).join(' and ');
    expect(DOC).toContain(`Of the faults, only ${names((f) => f.repeats)} repeat.`);
    expect(DOC).toContain(`| \`gateway\` | the gateway: only for the ${names((f) => f.gateway)} faults |`);
    expect(DOC).toContain(`as is \`every\` on a fault\nother than ${names((f) => f.repeats)}.`);
  });
});
