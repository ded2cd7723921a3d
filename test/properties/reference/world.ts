/**
 * The model and the real system of the reference suite, and the one place a step runs: the same
 * command goes to the reference pump and to the pump under test, then compare.ts judges.
 */
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import type { PumpCommand, Reply } from '../../../src/sim/protocol/commands.js';
import type { Pump } from '../../../src/sim/pump/pump.js';
import type { RefPump } from '../../model/refPump.js';
import { compareReply, compareState } from './compare.js';
import type { Coverage } from './coverage.js';

export interface RefReal {
  pump: Pump;
  coverage: Coverage;
  /** What ran, for the failure message. */
  trace: string[];
}

export class ReferenceMismatch extends Error {
  override name = 'ReferenceMismatch';
}

function replyText(r: Reply): string {
  return r.ok ? `OK ${Object.entries(r.fields).map(([k, v]) => `${k}=${v}`).join(' ')}` : `ERR ${r.code} ${r.reason}`;
}

/** Run one protocol command on both pumps and compare. `label` names it in the coverage print. */
export function runBoth(ref: RefPump, real: RefReal, cmd: PumpCommand, label: string): Reply {
  const expected = ref.execute(cmd);
  const got = real.pump.execute(cmd);
  real.pump.takeEvents();
  real.coverage.record(label, got.ok ? undefined : got.code);
  const problems = [...compareReply(expected, got), ...compareState(ref, real.pump)];
  const s = real.pump.status();
  real.trace.push(`${formatCommand(cmd)} -> ${replyText(got)}  [t=${s.tMs} ${s.state} vi=${s.viMl.toFixed(4)} | ref ${ref.state} vi=${ref.viMl.toFixed(4)}]`);
  if (problems.length > 0) {
    throw new ReferenceMismatch(`pump and reference disagree after ${formatCommand(cmd)}:\n  ${problems.join('\n  ')}\n--- last steps ---\n${real.trace.slice(-25).join('\n')}`);
  }
  return got;
}
