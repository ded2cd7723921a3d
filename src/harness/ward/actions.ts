/**
 * Timeline actions (what a nurse or clinician does) as pump commands. The action and its args
 * become a protocol line and go through the protocol's own parser, so a scenario's `program`
 * means exactly what `PROGRAM` means on a serial line (docs/protocol.md).
 */
import type { PumpCommand } from '../../sim/protocol/commands.js';
import { parseRequest } from '../../sim/protocol/lineCodec.js';
import type { ActionName } from '../scenario/timelineTable.js';

type Args = Readonly<Record<string, string | number | boolean>>;

export function actionLine(action: Exclude<ActionName, 'remote'>, args: Args): string {
  const words = [action.toUpperCase()];
  for (const [k, v] of Object.entries(args)) words.push(`${k}=${typeof v === 'boolean' ? (v ? 1 : 0) : String(v)}`);
  return words.join(' ');
}

export function actionCommand(action: Exclude<ActionName, 'remote'>, args: Args, where: string): PumpCommand {
  const parsed = parseRequest(`a ${actionLine(action, args)}`);
  if ('error' in parsed) throw new RangeError(`${where}: ${parsed.error.ok ? '' : `${parsed.error.code} ${parsed.error.reason}`}`);
  return parsed.command;
}
