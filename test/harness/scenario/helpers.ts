import { expect } from 'vitest';
import { parseScenarioText, ScenarioError, type ScenarioProblem } from '../../../src/harness/scenario/load.js';

/** A small valid scenario; tests edit it with replace(). */
export const BASE = `name: basic
description: two units on two segments
seed: 42
duration: 2h
site:
  segments:
    - id: seg-a
    - id: seg-b
  units:
    - id: icu
      careArea: icu
      segment: seg-a
      pumps:
        - type: lvp
          count: 4
        - type: syringe
          count: 2
          prefix: icu-syr
    - id: medsurg
      careArea: medsurg
      segment: seg-b
      pumps:
        - { type: lvp, count: 10 }
timeline:
  - at: 5m
    action: program
    target: unit:icu
    args: { drug: heparin, dose: 18, weight: 80, vtbi: 250 }
  - at: 6m
    action: start
    target: unit:icu
  - at: 30m
    fault: occlusion
    target: icu-2
    end: 40m
    args: { side: down }
expect:
  - check: alarm
    alarm: OCCLUSION_DOWN
    target: icu-2
    within: 2m
`;

/** Line and column (1-based) of the first occurrence of `needle` in `text` (after `after`, if given). */
export function pos(text: string, needle: string, after?: string): { line: number; column: number } {
  const start = after === undefined ? 0 : text.indexOf(after);
  if (start < 0) throw new Error(`"${after}" is not in the text`);
  const from = start + (after?.length ?? 0);
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`"${needle}" is not in the text`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
}

/** The problems parsing `text` reports (fails the test if it parses). */
export function problemsOf(text: string, file = 'scenarios/t.yaml'): ScenarioProblem[] {
  try {
    parseScenarioText(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).problems;
  }
  throw new Error('expected the scenario to be rejected');
}

/** Exactly one problem, at the position of `needle`. */
export function oneProblem(text: string, needle: string, after?: string): ScenarioProblem {
  const ps = problemsOf(text);
  expect(ps.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`)).toHaveLength(1);
  const p = ps[0] as ScenarioProblem;
  expect({ line: p.line, column: p.column }).toEqual(pos(text, needle, after));
  return p;
}
