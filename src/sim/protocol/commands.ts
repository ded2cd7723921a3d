/**
 * The commands a pump takes and the replies it gives, as data. Every link (console, serial,
 * MQTT, in-process) carries these; src/sim/protocol/lineCodec.ts is their text form.
 */
export type EndAction = 'stop' | 'kvo' | 'continue';

export type SensorInput =
  | { sensor: 'occlusion'; value: 'down' | 'up' | 'clear' }
  | { sensor: 'air'; bubbleMl: number }
  | { sensor: 'door'; value: 'open' | 'closed' }
  | { sensor: 'container'; value: 'empty' | 'ok' }
  | { sensor: 'mains'; value: 'on' | 'off' }
  | { sensor: 'selftest'; value: 'fail' | 'pass' }
  | { sensor: 'comm'; value: 'lost' | 'ok' }
  | { sensor: 'power'; value: 'off' | 'on' }
  | { sensor: 'battery'; percent: number };

export interface ProgramRequest {
  mode?: 'basic' | 'pca' | undefined;
  /** Basic infusion rate, or PCA basal (mL/h). */
  rateMlPerH?: number | undefined;
  drugId?: string | undefined;
  dose?: number | undefined;
  weightKg?: number | undefined;
  vtbiMl?: number | undefined;
  endAction?: EndAction | undefined;
  kvoMlPerH?: number | undefined;
  /** Loading dose: mL for a basic infusion, the drug's bolus unit for a library drug. */
  load?: number | undefined;
  loadRateMlPerH?: number | undefined;
  demandMl?: number | undefined;
  lockoutMin?: number | undefined;
  limitMl?: number | undefined;
  windowH?: number | undefined;
  override?: boolean | undefined;
  /** What is loaded (docs/protocol.md, "What is loaded"): the container or syringe fill (mL), the syringe size (mL). */
  containerMl?: number | undefined;
  syringeMl?: number | undefined;
}

export type PumpCommand =
  | { cmd: 'PING' }
  | { cmd: 'INFO' }
  | { cmd: 'STATUS' }
  | { cmd: 'TICK'; ms: number }
  | { cmd: 'AREA'; id: string }
  | { cmd: 'DRUG'; idx: number }
  | ({ cmd: 'PROGRAM' } & ProgramRequest)
  | { cmd: 'START' }
  | { cmd: 'PAUSE' }
  | { cmd: 'RESUME' }
  | { cmd: 'STOP' }
  | { cmd: 'TITRATE'; rateMlPerH?: number | undefined; dose?: number | undefined; override?: boolean | undefined }
  | { cmd: 'BOLUS'; volumeMl?: number | undefined; dose?: number | undefined; rateMlPerH?: number | undefined; override?: boolean | undefined }
  | { cmd: 'DEMAND' }
  | { cmd: 'ACK'; alarm?: string | undefined }
  | { cmd: 'SILENCE' }
  | { cmd: 'INJECT'; input: SensorInput }
  | { cmd: 'LOG' }
  /** At the pump: confirm or reject the remote command waiting for a signal of intent. */
  | { cmd: 'CONFIRM' }
  | { cmd: 'REJECT' };

export type CommandName = PumpCommand['cmd'];

export const ERROR_CODES = [
  'BAD_LINE',
  'TOO_LONG',
  'BAD_CHAR',
  'UNKNOWN_CMD',
  'MISSING_ARG',
  'BAD_ARG',
  'OUT_OF_RANGE',
  'BAD_STATE',
  'NO_DRUG',
  'HARD_LIMIT',
  'SOFT_LIMIT',
  'ALARM_ACTIVE',
  'LOCKOUT',
  'PCA_LIMIT',
  'NOT_SUPPORTED',
  'UNAUTHORIZED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type ReplyValue = string | number;

export type Reply =
  | { ok: true; fields: Readonly<Record<string, ReplyValue>> }
  | { ok: false; code: ErrorCode; reason: string };

export function ok(fields: Record<string, ReplyValue> = {}): Reply {
  return { ok: true, fields };
}

export function err(code: ErrorCode, reason: string): Reply {
  return { ok: false, code, reason };
}
