/**
 * What the traffic monitor raises (docs/monitoring.md, Alerts): a kind (one of the detectors), a
 * severity, the pump or segment (or client) it is about, the virtual time, and the evidence: the
 * wire lines the monitor saw that made it raise the alert. One JSON line per alert.
 */
import type { DetectorKind, Severity } from '../scenario/monitorSchema.js';

export interface Alert {
  kind: DetectorKind;
  severity: Severity;
  /** The pump the alert is about, when it is about one. */
  pumpId?: string | undefined;
  /** The segment it is about (a segment-wide detector, or the pump's). */
  segment?: string | undefined;
  /** The client id of the sender, when one sent it. */
  clientId?: string | undefined;
  atMs: number;
  /** Why, in words. */
  detail: string;
  /** The wire lines behind it, oldest first (at most MAX_EVIDENCE_LINES). */
  evidence: string[];
}

export const MAX_EVIDENCE_LINES = 8;

/** One JSON line, keys in a fixed order (the same bytes for one seed). */
export function alertJsonLine(a: Alert): string {
  return JSON.stringify({ kind: a.kind, severity: a.severity, pumpId: a.pumpId, segment: a.segment, clientId: a.clientId, atMs: a.atMs, detail: a.detail, evidence: a.evidence });
}
