/**
 * `hl7-exactly-once`: judged from what the gateway itself knows (never from what an engine says of
 * itself): every message it queued was acknowledged AA, none twice, none left; with infusim's own
 * engine, also that the engine processed each control id once.
 */
/** An expectation's verdict (the shape of run/result.ts's ExpectationResult; hl7/ sits below run/). */
interface ExpectationResult {
  description: string;
  passed: boolean;
  detail: string;
}
import type { Hl7RunInfo } from './runLink.js';

export type { Hl7RunInfo };

export function judgeHl7(info: Hl7RunInfo | undefined): ExpectationResult {
  const description = 'all observations delivered exactly once (HL7)';
  if (!info) return { description, passed: false, detail: 'no HL7 interface in this run (hl7: in the scenario, or --hl7)' };
  const engineOk = info.engineProcessed === undefined || info.engineProcessed === info.queued;
  const passed = info.queued > 0 && info.acked === info.queued && info.pending === 0 && info.duplicateAcks === 0 && engineOk;
  const engine = info.engineProcessed !== undefined ? `, engine processed ${info.engineProcessed} (${info.engineDuplicates ?? 0} resends recognised)` : '';
  return { description, passed, detail: `${info.queued} queued, ${info.acked} acknowledged, ${info.pending} left, ${info.resent} resent${engine}` };
}
