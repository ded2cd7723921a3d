/**
 * The commands that read the pump or choose from its library: INFO, AREA and DRUG
 * (docs/protocol.md, "Commands"). Each returns its reply; AREA also returns the area chosen.
 */
import { findCareArea } from '../druglib/load.js';
import type { CareArea, DrugLibrary } from '../druglib/schema.js';
import type { LibraryUpdater } from '../firmware/libraryUpdate.js';
import type { FirmwareUpdater } from '../firmware/updater.js';
import type { BehaviourProfile } from '../firmware/profiles.js';
import { err, ok, type Reply } from '../protocol/commands.js';
import { fmtNum, type PumpState } from '../trace/events.js';
import type { PumpType } from './pumpTypes.js';
import { formatLimitRange } from './stateAdvice.js';

export interface PumpIdentity {
  readonly type: PumpType;
  readonly firmwareVersion: string;
  readonly serial: string;
  readonly libraryLabel: string;
  readonly careArea: CareArea | undefined;
  profile(): BehaviourProfile;
}

export function infoReply(pump: PumpIdentity, firmware: FirmwareUpdater | undefined, libraryUpdates: LibraryUpdater | undefined): Reply {
  return ok({
    model: pump.type.id,
    fw: pump.firmwareVersion,
    clock: 'virtual',
    serial: pump.serial,
    lib: pump.libraryLabel,
    area: pump.careArea ? pump.careArea.id : '-',
    ...(firmware ? { profile: pump.profile().id, fwstage: firmware.stage } : {}),
    ...(libraryUpdates ? { libq: libraryUpdates.report().queued ?? '-' } : {}),
  });
}

/** AREA: only with no program entered, since a program was checked against its area's limits. */
export function selectArea(library: DrugLibrary | undefined, programEntered: boolean, state: PumpState, id: string): { reply: Reply; area?: CareArea } {
  if (!library) return { reply: err('NO_DRUG', 'no drug library is loaded') };
  if (programEntered) return { reply: err('BAD_STATE', `the care area changes only with no program entered (${state}); STOP first`) };
  const area = findCareArea(library, id);
  if (!area) return { reply: err('NO_DRUG', `care area "${id}" is not in the library (${library.careAreas.map((a) => a.id).join(', ')})`) };
  return { reply: ok({ area: area.id, drugs: area.drugs.length }), area };
}

/** DRUG idx=: the n-th drug of the area and its dose-rate limits. */
export function drugReply(area: CareArea | undefined, idx: number): Reply {
  if (!area) return err('NO_DRUG', 'no care area selected');
  const d = area.drugs[idx];
  if (!d) return err('OUT_OF_RANGE', `idx must be 0 to ${area.drugs.length - 1}`);
  const l = d.limits.doseRate;
  return ok({
    idx,
    id: d.id,
    unit: d.doseUnit,
    conc: `${fmtNum(d.concentration.amount)}${d.concentration.unit}/${fmtNum(d.concentration.volumeMl)}mL`,
    soft: formatLimitRange(l.lowerSoft, l.upperSoft),
    hard: formatLimitRange(l.lowerHard, l.upperHard),
  });
}
