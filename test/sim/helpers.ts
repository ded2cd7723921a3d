/** Shared fixtures for the pump-core unit tests (not a test file itself). */
import { library } from '../support/library.js';
import { Pump, type PumpOptions } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP, type PumpType } from '../../src/sim/pump/pumpTypes.js';
import type { PumpCommand, Reply } from '../../src/sim/protocol/commands.js';
import { LineSession } from '../../src/sim/session/lineSession.js';
import type { PumpEvent } from '../../src/sim/trace/events.js';

export { LIBRARY_PATH, LIBRARY_TEXT, library, libraryJson } from '../support/library.js';
export { HOUR, MIN } from '../support/time.js';

export function makePump(opts: Partial<PumpOptions> & { type?: PumpType } = {}): Pump {
  return new Pump({ type: LARGE_VOLUME_PUMP, seed: 42, library: library(), areaId: 'icu', ...opts });
}

export function makeSession(opts: Partial<PumpOptions> = {}): LineSession {
  return new LineSession(makePump(opts));
}

/** Execute and insist on OK. */
export function okExec(pump: Pump, cmd: PumpCommand): Readonly<Record<string, string | number>> {
  const r = pump.execute(cmd);
  if (!r.ok) throw new Error(`${cmd.cmd} refused: ${r.code} ${r.reason}`);
  return r.fields;
}

export function errCode(r: Reply): string | undefined {
  return r.ok ? undefined : r.code;
}

/** Advance by `ms` and return the events produced meanwhile. */
export function tick(pump: Pump, ms: number): PumpEvent[] {
  pump.advanceTo(pump.nowMs + ms);
  return pump.takeEvents();
}

export function ofType<T extends PumpEvent['type']>(events: readonly PumpEvent[], type: T): Extract<PumpEvent, { type: T }>[] {
  return events.filter((e): e is Extract<PumpEvent, { type: T }> => e.type === type);
}

/** Everything observable of a pump except its log: used to prove an ERR changed nothing. */
export function snapshot(pump: Pump): string {
  return JSON.stringify({
    status: pump.status(),
    telemetry: pump.telemetry(),
    program: pump.currentProgram ?? null,
    alarms: pump.activeAlarms,
    audio: pump.audioPriority,
    wake: pump.nextWakeMs(),
    area: pump.careArea?.id ?? null,
  });
}

/** Start a basic infusion (the events of PROGRAM and START are taken). */
export function startBasic(pump: Pump, rate: number, vtbi: number, extra: Partial<Extract<PumpCommand, { cmd: 'PROGRAM' }>> = {}): void {
  okExec(pump, { cmd: 'PROGRAM', rateMlPerH: rate, vtbiMl: vtbi, ...extra });
  okExec(pump, { cmd: 'START' });
  pump.takeEvents();
}
