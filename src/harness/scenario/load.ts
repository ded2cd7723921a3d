/**
 * Load a scenario file (docs/scenarios.md): parse the YAML keeping node positions, validate it
 * with the zod schema, then check what the schema cannot see (targets that name nothing in the
 * fleet, unknown alarms, action and fault args, times out of order, the drug library). Every
 * problem names the file, line and column and what was expected; all problems are reported at
 * once, in file order, in one ScenarioError. Nothing half-loaded is ever returned.
 *
 * The parts: problems.ts (positions, ScenarioError), zodWording.ts (zod issues in words),
 * args.ts with timelineTable.ts (action and fault args), checks.ts and siteChecks.ts (semantic
 * checks). The training loader (train/schema.ts) shares them.
 */
import { dirname, resolve } from 'node:path';
import { DEFAULT_LIBRARY_PATH } from '../paths.js';
import { FileRefused, readBoundedFile } from '../readBoundedFile.js';
import { checkSemantics } from './checks.js';
import { MAX_SCENARIO_FILE_BYTES, MAX_YAML_ALIAS_EXPANSIONS } from './limits.js';
import { firstAliasOffset, ScenarioError, ScenarioProblems, yamlMessage } from './problems.js';
import { scenarioSchema, type Scenario } from './schema.js';
import { describeValue } from './words.js';
import { reportIssue } from './zodWording.js';

export { firstAliasOffset, formatPath, formatProblem, ScenarioError, type ScenarioProblem } from './problems.js';

export interface LoadedScenario {
  scenario: Scenario;
  /** The file name as given (what error messages show). */
  file: string;
  /** The absolute directory of the file: `library:` and other relative paths resolve from here. */
  dir: string;
}

/** The drug library a scenario uses: its `library:` resolved from the file's directory, or the shipped one. */
export function scenarioLibraryPath(loaded: LoadedScenario): string {
  return loaded.scenario.library === undefined ? DEFAULT_LIBRARY_PATH : resolve(loaded.dir, loaded.scenario.library);
}

/** Read, parse and check a scenario file. Throws ScenarioError listing every problem. */
export function loadScenarioFile(path: string): LoadedScenario {
  return parseScenarioText(readScenarioFile(path, 'scenario file'), path);
}

/**
 * Read a scenario (or training) file: a regular file of at most MAX_SCENARIO_FILE_BYTES. A file
 * that is too large is refused at the line and column where it crosses the limit.
 */
export function readScenarioFile(path: string, what: string): string {
  try {
    return readBoundedFile(path, MAX_SCENARIO_FILE_BYTES, what);
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    let line = 0;
    let column = 0;
    if (e.prefix !== undefined) {
      const lines = e.prefix.split('\n');
      line = lines.length;
      column = (lines[lines.length - 1] ?? '').length + 1;
    }
    const message = e.reason === 'too-large' ? `the file ${e.message} (MAX_SCENARIO_FILE_BYTES); it crosses the limit here` : e.reason === 'missing' ? `cannot read the ${what}: no such file` : `cannot read the ${what}: it ${e.message}`;
    throw new ScenarioError([{ file: path, line, column, path: '', message }]);
  }
}

/**
 * Parse and check scenario text. `fileName` names the file in errors and is where relative paths
 * (`library:`) resolve from; it is read only to check the library.
 */
export function parseScenarioText(text: string, fileName: string): LoadedScenario {
  const dir = dirname(resolve(fileName));
  const ctx = new ScenarioProblems(text, fileName);
  const doc = ctx.doc;
  if (doc.errors.length > 0) {
    // One error per line: after the first, a parser's errors on a line are mostly its echoes.
    const lines = new Set<number>();
    for (const e of doc.errors) {
      const { line } = ctx.lineCounter.linePos(e.pos[0]);
      if (lines.has(line)) continue;
      lines.add(line);
      ctx.at(e.pos[0], '', yamlMessage(e.code, e.message));
    }
    throw ctx.error();
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_EXPANSIONS });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    ctx.at(firstAliasOffset(doc), '', `YAML aliases expand to too much data (${e.message}): a file may expand aliases at most ${MAX_YAML_ALIAS_EXPANSIONS} times (MAX_YAML_ALIAS_EXPANSIONS)`);
    throw ctx.error();
  }
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    ctx.add([], 'a scenario file is a YAML mapping with at least name:, seed:, duration: and site:', {}, data === null || data === undefined ? 'the file is empty' : `got ${describeValue(data)}`);
    throw ctx.error();
  }
  const result = scenarioSchema.safeParse(data);
  if (!result.success) for (const issue of result.error.issues) reportIssue(ctx, scenarioSchema, data, issue);
  checkSemantics(ctx, data as Record<string, unknown>, dir);
  if (ctx.problems.length > 0 || !result.success) throw ctx.error();
  return { scenario: result.data, file: fileName, dir };
}
