/**
 * Every bound on what a scenario or training file may ask for, in one place (docs/scenarios.md,
 * "Limits"). A file past one of them is refused before anything runs, with file:line:column and
 * the limit: the size bounds the memory a file can take, the others the work a run can be made to
 * do (TigerBeetle style: put a limit on everything).
 */

/** A scenario or training file, in bytes (the shipped ones are under 4 KiB). */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;
/** A drug library or rollout policy file a scenario names, in bytes (the shipped library is 6 KiB). */
export const MAX_REFERENCED_FILE_BYTES = 1024 * 1024;
/** A run's `duration`: one week of virtual time. */
export const MAX_RUN_DURATION_MS = 7 * 24 * 3_600_000;
/** How many times one timeline entry with `every:` may happen. */
export const MAX_REPETITIONS = 100_000;
/** Timeline occurrences summed over the whole file, each counted once per pump it targets. */
export const MAX_TIMELINE_EVENTS = 1_000_000;
/** Status reports in a run: pumps × duration / telemetryEvery. */
export const MAX_TELEMETRY_REPORTS = 50_000_000;
/** YAML alias expansions (`*name`) in one file: more is an alias bomb. */
export const MAX_YAML_ALIAS_EXPANSIONS = 1000;
