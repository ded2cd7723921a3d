/**
 * A scenario from a plain object (for tests written in code): it goes through the same checks as
 * a file, so a mistake is reported with its path in the object.
 */
import { stringify } from 'yaml';
import type { z } from 'zod';
import { parseScenarioText, type LoadedScenario } from './load.js';
import type { scenarioSchema } from './schema.js';

/** The input form of a scenario: every field with a default may be left out. */
export type ScenarioInput = z.input<typeof scenarioSchema>;

export function defineScenario(input: ScenarioInput, name = `${input.name}.yaml`): LoadedScenario {
  return parseScenarioText(stringify(input), name);
}
