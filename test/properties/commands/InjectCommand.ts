import type fc from 'fast-check';
import type { SensorInput } from '../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** INJECT a sensor input or fault: occlusion, air, door, container, mains, self-test, comm, power. */
export class InjectCommand implements fc.Command<PumpModel, PumpReal> {
  constructor(readonly input: SensorInput) {}
  check(): boolean {
    return true;
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'INJECT', input: this.input });
  }
  toString(): string {
    return formatCommand({ cmd: 'INJECT', input: this.input });
  }
}
