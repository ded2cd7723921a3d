/** Timeline actions (what a nurse or clinician does) as pump commands. */
import type { PumpCommand } from '../../sim/protocol/commands.js';
import type { ActionName } from '../scenario/schema.js';

type Args = Readonly<Record<string, string | number | boolean>>;

function num(args: Args, key: string): number | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new RangeError(`${key} must be a number, got ${String(v)}`);
  return n;
}

function str(args: Args, key: string): string | undefined {
  const v = args[key];
  return v === undefined ? undefined : String(v);
}

function bool(args: Args, key: string): boolean | undefined {
  const v = args[key];
  return v === undefined ? undefined : v === true || v === 'true' || v === 1 || v === '1';
}

export function actionCommand(action: Exclude<ActionName, 'remote'>, args: Args, where: string): PumpCommand {
  try {
    switch (action) {
      case 'program': {
        const mode = str(args, 'mode');
        const end = str(args, 'end');
        return {
          cmd: 'PROGRAM',
          mode: mode === 'pca' ? 'pca' : undefined,
          rateMlPerH: mode === 'pca' ? num(args, 'basal') : num(args, 'rate'),
          drugId: str(args, 'drug'),
          dose: num(args, 'dose'),
          weightKg: num(args, 'weight'),
          vtbiMl: num(args, 'vtbi'),
          endAction: end === 'stop' || end === 'kvo' || end === 'continue' ? end : undefined,
          kvoMlPerH: num(args, 'kvo'),
          load: num(args, 'load'),
          loadRateMlPerH: num(args, 'loadrate'),
          demandMl: num(args, 'demand'),
          lockoutMin: num(args, 'lockout'),
          limitMl: num(args, 'limit'),
          windowH: num(args, 'window'),
          override: bool(args, 'override'),
        };
      }
      case 'titrate':
        return { cmd: 'TITRATE', rateMlPerH: num(args, 'rate'), dose: num(args, 'dose'), override: bool(args, 'override') };
      case 'bolus':
        return { cmd: 'BOLUS', volumeMl: num(args, 'volume'), dose: num(args, 'dose'), rateMlPerH: num(args, 'rate'), override: bool(args, 'override') };
      case 'ack':
        return { cmd: 'ACK', alarm: str(args, 'alarm') };
      case 'start':
        return { cmd: 'START' };
      case 'pause':
        return { cmd: 'PAUSE' };
      case 'resume':
        return { cmd: 'RESUME' };
      case 'stop':
        return { cmd: 'STOP' };
      case 'demand':
        return { cmd: 'DEMAND' };
      case 'silence':
        return { cmd: 'SILENCE' };
    }
  } catch (e) {
    throw new RangeError(`${where}: ${(e as Error).message}`);
  }
}
