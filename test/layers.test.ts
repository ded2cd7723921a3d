/**
 * The layering check (.dependency-cruiser.cjs, `npm run layers`) fails on a wrong import: each rule
 * on a small tree built here, and the real source with one wrong import added to a copy of it.
 * The expected verdicts come from docs/architecture.md ("Layers"), not from the rules file.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface RulesFile {
  forbidden: IForbiddenRuleType[];
  options: ICruiseOptions & { tsConfig?: unknown };
}

const rules = createRequire(import.meta.url)(CONFIG) as RulesFile;

type Row = [rule: string, from: string, to: string];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder with a tsconfig.json, a node_modules link to the repository's and these source files. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'infusim-layers-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  write(dir, files);
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** The repository's rules on `dir`'s src/, in this process (dependency-cruiser's API): the violations, sorted. */
async function check(dir: string): Promise<Row[]> {
  const { tsConfig: _tsConfig, ...options } = rules.options;
  const r = await cruise(['src'], { ...options, baseDir: dir, validate: true, ruleSet: { forbidden: rules.forbidden } });
  const result = r.output as ICruiseResult;
  return result.summary.violations.map((v): Row => [v.rule.name, v.from, v.to]).sort();
}

/** `npm run layers` on `dir` (the depcruise CLI with the rules file and its `err` reporter): its exit code and report. */
function runLayers(dir: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'err'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout });
    });
  });
}

/** A small tree in the layers of docs/architecture.md: sim at the bottom, harness folders, cli on top. */
const LAYERED: Record<string, string> = {
  'src/sim/pump/pump.ts': "import { createHash } from 'node:crypto';\nimport { z } from 'zod';\nexport const pumpId = z.string().parse(createHash('sha256').update('p').digest('hex'));\n",
  'src/sim/trace/events.ts': "import { pumpId } from '../pump/pump.js';\nexport const traced = pumpId;\n",
  'src/harness/world/world.ts': "import { readFileSync } from 'node:fs';\nimport { traced } from '../../sim/trace/events.js';\nexport const world = [traced, readFileSync];\n",
  'src/harness/gateway/gateway.ts': "import { world } from '../world/world.js';\nexport const gateway = world;\n",
  'src/harness/run/run.ts': "import { gateway } from '../gateway/gateway.js';\nexport const run = gateway;\n",
  'src/harness/report/report.ts': "import { run } from '../run/run.js';\nexport const report = run;\n",
  'src/harness/cli/main.ts': "import { report } from '../report/report.js';\nexport const main = report;\n",
};

describe('the layering check', () => {
  it('passes a tree that keeps the layers (node:crypto and zod in src/sim allowed)', async () => {
    expect(await check(tree(LAYERED))).toEqual([]);
  });

  it.each<[string, Record<string, string>, Row[]]>([
    [
      'src/sim imports src/harness (which makes a folder cycle too)',
      { 'src/sim/pump/wrong.ts': "import { world } from '../../harness/world/world.js';\nexport const w = world;\n" },
      [
        ['no-folder-cycles', 'src/harness/world', 'src/sim/trace'],
        ['no-folder-cycles', 'src/sim/pump', 'src/harness/world'],
        ['no-folder-cycles', 'src/sim/trace', 'src/sim/pump'],
        ['sim-imports-no-harness', 'src/sim/pump/wrong.ts', 'src/harness/world/world.ts'],
      ],
    ],
    ['src/sim imports node:fs', { 'src/sim/pump/wrong.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n" }, [['sim-imports-no-io', 'src/sim/pump/wrong.ts', 'fs']]],
    ['src/sim imports timers', { 'src/sim/pump/wrong.ts': "import { setTimeout } from 'node:timers/promises';\nexport const t = setTimeout;\n" }, [['sim-imports-no-io', 'src/sim/pump/wrong.ts', 'timers/promises']]],
    ['src/sim imports a package other than zod', { 'src/sim/pump/wrong.ts': "import { parse } from 'yaml';\nexport const p = parse;\n" }, [['sim-imports-few-packages', 'src/sim/pump/wrong.ts', expect.stringMatching(/^node_modules\/yaml\//) as unknown as string]]],
    ['the package entry imports cli', { 'src/index.ts': "export { main } from './harness/cli/main.js';\n" }, [['cli-on-top', 'src/index.ts', 'src/harness/cli/main.ts']]],
    [
      'a harness folder imports cli (a folder cycle too)',
      { 'src/harness/report/wrong.ts': "import { main } from '../cli/main.js';\nexport const m = main;\n" },
      [
        ['cli-on-top', 'src/harness/report/wrong.ts', 'src/harness/cli/main.ts'],
        ['no-folder-cycles', 'src/harness/cli', 'src/harness/report'],
        ['no-folder-cycles', 'src/harness/report', 'src/harness/cli'],
      ],
    ],
  ])('fails when %s', async (_what, wrong, expected) => {
    const dir = tree(LAYERED);
    write(dir, wrong);
    expect(await check(dir)).toEqual(expected);
  });

  it.each<[string, Record<string, string>, Row[]]>([
    [
      'a cycle between two folders, at each end',
      { 'src/harness/world/wrong.ts': "import { gateway } from '../gateway/gateway.js';\nexport const g = gateway;\n" },
      [
        ['no-folder-cycles', 'src/harness/gateway', 'src/harness/world'],
        ['no-folder-cycles', 'src/harness/world', 'src/harness/gateway'],
      ],
    ],
    [
      'the run/ and report/ cycle (report/ reads run/: run/ may not import report/)',
      { 'src/harness/run/wrong.ts': "import { report } from '../report/report.js';\nexport const r = report;\n" },
      [
        ['no-folder-cycles', 'src/harness/report', 'src/harness/run'],
        ['no-folder-cycles', 'src/harness/run', 'src/harness/report'],
      ],
    ],
  ])('fails on %s', async (_what, wrong, expected) => {
    const dir = tree(LAYERED);
    write(dir, wrong);
    expect(await check(dir)).toEqual(expected);
  });

  it('passes the real source; `npm run layers` fails on a copy of it with src/sim importing the world', async () => {
    const dir = tree({});
    cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), include: ['src'] }));
    expect(await check(dir)).toEqual([]);
    write(dir, { 'src/sim/pump/wrong.ts': "import type { World } from '../../harness/world/world.js';\nexport type W = World;\n" });
    expect(await check(dir)).toEqual([
      ['no-folder-cycles', 'src/harness/world', 'src/sim/pump'],
      ['no-folder-cycles', 'src/sim/pump', 'src/harness/world'],
      ['sim-imports-no-harness', 'src/sim/pump/wrong.ts', 'src/harness/world/world.ts'],
    ]);
    const cli = await runLayers(dir);
    expect(cli.stdout).toMatch(/error sim-imports-no-harness: src\/sim\/pump\/wrong\.ts → src\/harness\/world\/world\.ts/);
    expect(cli.code).toBe(3); // the err reporter exits with the number of errors
  });
});
