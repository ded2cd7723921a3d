/**
 * What a device implements, from its INFO and a few probes that change nothing (each probe is a
 * request the device must refuse: a full device with BAD_ARG / BAD_STATE / MISSING_ARG, a reduced
 * one with NOT_SUPPORTED). The suite reads the profile to choose what it sends and compares.
 */
import { ALARM_TABLE } from '../../sim/alarms/alarmTable.js';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { fieldsOf, replyCode } from '../serial/link.js';
import type { BenchDriver } from './driver.js';
import type { DeviceProfile } from './types.js';

export const ALL_COMMANDS = ['PING', 'INFO', 'STATUS', 'TICK', 'AREA', 'DRUG', 'PROGRAM', 'START', 'PAUSE', 'RESUME', 'STOP', 'TITRATE', 'BOLUS', 'DEMAND', 'ACK', 'SILENCE', 'INJECT', 'LOG', 'RESET'] as const;

export function libraryTag(lib: DrugLibrary): string {
  return `${lib.name.replace(/\s+/g, '_')}@${lib.version}`;
}

export async function detectProfile(d: BenchDriver, oracleLib: DrugLibrary): Promise<DeviceProfile> {
  const info = await d.ask('INFO');
  if (replyCode(info) !== 'OK') throw new Error(`INFO refused: ${info}`);
  const f = fieldsOf(info);
  const clock = f.clock === 'real' ? 'real' : 'virtual';
  const probe = async (text: string): Promise<boolean> => replyCode(await d.ask(text)) !== 'NOT_SUPPORTED';
  const inject = await probe('INJECT door=ajar');
  const demand = await probe('DEMAND x=1');
  const pcaProgram = await probe('PROGRAM mode=pca');
  const doseBolus = await probe('BOLUS dose=0');
  // Refused (BAD_ARG) by a device that has RESET; UNKNOWN_CMD or NOT_SUPPORTED by one that has not.
  const resetCode = replyCode(await d.ask('RESET x=1'));
  const reset = resetCode !== 'UNKNOWN_CMD' && resetCode !== 'NOT_SUPPORTED';
  const commands = new Set<string>(ALL_COMMANDS);
  if (!inject) commands.delete('INJECT');
  if (!demand) commands.delete('DEMAND');
  if (clock === 'real') commands.delete('TICK');
  if (!reset) commands.delete('RESET');
  const full = inject && demand && pcaProgram && doseBolus;
  const libMatchesOracle = f.lib === libraryTag(oracleLib);
  // A reduced device raises no CALLBACK or COMM_LOST; without INJECT it raises no sensor alarm.
  const alarms = new Set<string>(full ? Object.keys(ALARM_TABLE) : ['VTBI_COMPLETE', 'NEAR_END']);
  return {
    name: full ? 'infusim-sim' : 'reduced',
    model: f.model ?? '?',
    fw: f.fw ?? '?',
    clock,
    lib: f.lib ?? '-',
    area: f.area ?? '-',
    commands,
    inject,
    pca: demand && pcaProgram,
    doseBolus,
    reset,
    libMatchesOracle,
    alarms,
    lineBurst: full ? 400 : 100,
    rxBufferBytes: full ? undefined : 64,
    // A simulator counts in exact arithmetic; firmware in whole strokes and micro-litres.
    viToleranceMl: full ? (ml) => 1e-6 + ml * 1e-9 : (ml) => 0.02 + ml * 0.002,
  };
}

export function describeProfile(p: DeviceProfile): string {
  const missing = ALL_COMMANDS.filter((c) => !p.commands.has(c));
  return `${p.name}: model=${p.model} fw=${p.fw} clock=${p.clock} lib=${p.lib}${p.libMatchesOracle ? ' (oracle library)' : ''}${missing.length ? `; not supported: ${missing.join(' ')}` : ''}`;
}
