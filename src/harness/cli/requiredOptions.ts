/**
 * Required options, the infusim way: `--help` says "(required)" after each, and a command run
 * without some of them names every missing one at once (commander stops at the first), exit 2.
 * Commands declare them with commander's `requiredOption`; `markRequiredOptions(program)` runs
 * once after every command is registered.
 */
import type { Command, Option } from 'commander';

const REQUIRED = new WeakMap<Command, Option[]>();

function walk(cmd: Command): void {
  const required = cmd.options.filter((o) => o.mandatory);
  if (required.length > 0) {
    for (const o of required) {
      o.makeOptionMandatory(false);
      o.description = `${o.description} (required)`;
    }
    REQUIRED.set(cmd, required);
  }
  for (const sub of cmd.commands) walk(sub);
}

/** Every required option of `cmd` that has no value. */
export function missingOptions(cmd: Command): Option[] {
  return (REQUIRED.get(cmd) ?? []).filter((o) => cmd.getOptionValue(o.attributeName()) === undefined);
}

/** `infusim firmware build`: the command's names from the program down. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function markRequiredOptions(program: Command): void {
  walk(program);
  program.hook('preAction', (_program, action) => {
    const missing = missingOptions(action);
    if (missing.length === 0) return;
    const names = missing.map((o) => `'${o.flags}'`).join(', ');
    action.error(`error: required option${missing.length === 1 ? '' : 's'} ${names} not specified (see ${commandPath(action)} --help)`, {
      exitCode: 2,
      code: 'commander.missingMandatoryOptionValue',
    });
  });
}
