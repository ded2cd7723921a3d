/**
 * The model and the real system of the model-based pump tests, and the one place a step runs.
 * The model is small on purpose: what the pump shows in public (state, mode, care area), read
 * back after each step. The oracle is the invariant checkers, not a copy of the pump.
 */
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import type { PumpCommand, Reply } from '../../../src/sim/protocol/commands.js';
import type { Pump, PumpOptions } from '../../../src/sim/pump/pump.js';
import type { DrugLibrary } from '../../../src/sim/druglib/schema.js';
import type { PumpState } from '../../../src/sim/trace/events.js';
import { checkPumpInvariants, formatViolations, type InvariantObserver } from '../../../src/sim/safety/invariants.js';

export type PumpFactory = (options: PumpOptions) => Pump;

export interface PumpModel {
  typeId: 'lvp' | 'syringe';
  state: PumpState;
  mode: 'basic' | 'drug' | 'pca' | '-';
  hasLibrary: boolean;
}

export interface PumpReal {
  pump: Pump;
  observer: InvariantObserver;
  library: DrugLibrary | undefined;
  /** What ran, for the failure message. */
  trace: string[];
}

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

function replyText(r: Reply): string {
  return r.ok ? `OK ${Object.entries(r.fields).map(([k, v]) => `${k}=${v}`).join(' ')}` : `ERR ${r.code} ${r.reason}`;
}

function settle(m: PumpModel, r: PumpReal, label: string, reply: Reply | undefined, cmd: PumpCommand | undefined): void {
  const violations = checkPumpInvariants(r.pump, r.observer, { cmd, reply });
  r.trace.push(`${label}${reply ? ` -> ${replyText(reply)}` : ''}  [t=${r.pump.nowMs} ${r.pump.state}]`);
  m.state = r.pump.state;
  m.mode = r.pump.currentProgram?.mode ?? '-';
  if (violations.length > 0) {
    throw new InvariantViolation(`${formatViolations(violations)}\n--- last steps ---\n${r.trace.slice(-25).join('\n')}`);
  }
}

/** Run one protocol command on the pump, then check every invariant. */
export function runCommand(m: PumpModel, r: PumpReal, cmd: PumpCommand): Reply {
  const reply = r.pump.execute(cmd);
  settle(m, r, formatCommand(cmd), reply, cmd);
  return reply;
}

/** Move time directly (no command), then check every invariant. */
export function runAdvance(m: PumpModel, r: PumpReal, targetMs: number, label: string): void {
  r.pump.advanceTo(targetMs);
  settle(m, r, label, undefined, undefined);
}
