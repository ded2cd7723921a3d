/** Run a command list on a fresh pump, checking every invariant after every step. */
import type { PumpCommand } from '../../src/sim/protocol/commands.js';
import { Pump, type PumpOptions } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { checkPumpInvariants, finalCheck, InvariantObserver, type Violation } from '../../src/sim/safety/invariants.js';

export interface Replayed {
  pump: Pump;
  violations: Violation[];
}

export function replay(commands: readonly PumpCommand[], options: Partial<PumpOptions> = {}, make: (o: PumpOptions) => Pump = (o) => new Pump(o)): Replayed {
  const pump = make({ type: LARGE_VOLUME_PUMP, seed: 1, ...options });
  const observer = new InvariantObserver(pump);
  const violations: Violation[] = [];
  for (const cmd of commands) {
    const reply = pump.execute(cmd);
    violations.push(...checkPumpInvariants(pump, observer, { cmd, reply }));
  }
  violations.push(...finalCheck(pump));
  return { pump, violations };
}

export const rules = (vs: readonly Violation[]): string[] => [...new Set(vs.map((v) => v.rule))];
