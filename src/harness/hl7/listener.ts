/**
 * A small HL7 engine: takes MLLP connections, validates each message, answers AA / AE / AR with the
 * reason, and processes each message control id once (a resend of one already accepted is answered
 * AA again and counted as a duplicate, never processed twice). A garbled frame is answered AR,
 * logged and counted; the listener stays up. `infusim hl7 listen` and the tests use it; its `mode`
 * and `ackDelayMs` let a test (or the fault proxy's engine) misbehave on cue.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { buildAck, HL7_ERROR, type AckCode } from './ack.js';
import { MllpDeframer, writeFrame, type Deframed } from './mllp.js';
import { readAlert } from './readAlert.js';
import { parseHl7, readDecIdentity } from './readDec.js';

export interface Received {
  controlId: string;
  type: string;
  text: string;
}

/** A check of one message type: undefined when it is acceptable, else why (AR). */
export type Validator = (text: string) => { reason: string; errorCode: string } | undefined;

export type EngineMode = 'up' | 'down' | 'nack';

/** At most this many control ids remembered for deduplication (oldest forgotten first). */
const MAX_REMEMBERED_IDS = 1_000_000;

export const VALIDATORS: Readonly<Record<string, Validator>> = {
  'ORU^R01': (text) => {
    const f = readDecIdentity(text);
    if (!f.patientId) return { reason: 'PID-3 patient identifier is empty', errorCode: HL7_ERROR.requiredField };
    if (!f.mds) return { reason: 'no MDS observation (OBX-3 *_MDS at OBX-4 1.0.0.0)', errorCode: HL7_ERROR.segmentSequence };
    if (!f.equipment) return { reason: 'OBX-18 equipment id missing on the MDS row', errorCode: HL7_ERROR.requiredField };
    return undefined;
  },
  'ORU^R40': (text) => {
    const f = readAlert(text);
    if (!f.patientId) return { reason: 'PID-3 patient identifier is empty', errorCode: HL7_ERROR.requiredField };
    if (!f.alarm.replace(/\^/g, '')) return { reason: 'no MDC_EVT_ALARM observation with the alarm in OBX-5', errorCode: HL7_ERROR.requiredField };
    if (!['start', 'continue', 'end', 'escalate', 'start_only', 'present', 'update'].includes(f.phase)) return { reason: `MDC_ATTR_EVENT_PHASE "${f.phase}" is not a phase of TF-2 3.4`, errorCode: HL7_ERROR.dataType };
    return undefined;
  },
};

export interface ListenerOptions {
  host?: string;
  port?: number;
  /** Message types accepted and how each is checked (default VALIDATORS). */
  validators?: Readonly<Record<string, Validator>>;
  onMessage?: (r: Received) => void;
  log?: (line: string) => void;
  /** Wall clock for ACK timestamps (ms since 2026-01-01, as MSH-7 of infusim's messages). */
  nowMs?: () => number;
}

export class Hl7Listener {
  mode: EngineMode = 'up';
  /** Hold each acknowledgement this long (a slow engine). */
  ackDelayMs = 0;
  readonly stats = { frames: 0, accepted: 0, duplicates: 0, errors: 0, rejected: 0, garbled: 0, refusedConnections: 0 };
  private readonly seen = new Set<string>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private ackCounter = 0;

  constructor(private readonly options: ListenerOptions = {}) {
    this.server = createServer((s) => this.connection(s));
  }

  /** Listen; resolves with the port (0 in the options: one from the OS). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Drop every open connection (an engine restart or an outage). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  hasProcessed(controlId: string): boolean {
    return this.seen.has(controlId);
  }

  private connection(s: Socket): void {
    if (this.mode === 'down') {
      this.stats.refusedConnections++;
      s.destroy();
      return;
    }
    this.sockets.add(s);
    s.setNoDelay(true);
    const deframer = new MllpDeframer();
    s.on('data', (chunk: Buffer) => {
      for (const d of deframer.push(chunk)) {
        try {
          this.handle(s, d);
        } catch (e) {
          // Never down for one bad message: counted, logged, the connection goes on.
          this.stats.errors++;
          this.log(`internal error: ${(e as Error).message}`);
        }
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  private handle(s: Socket, d: Deframed): void {
    if (d.kind === 'frame') return this.frame(s, d.text);
    this.stats.garbled++;
    this.log(`garbled frame: ${d.reason}`);
    this.answer(s, 'AR', '', `garbled frame: ${d.reason}`, HL7_ERROR.segmentSequence, '');
  }

  private frame(s: Socket, text: string): void {
    this.stats.frames++;
    if (this.mode === 'down') {
      s.destroy();
      return;
    }
    let controlId = '';
    let type = '';
    let trigger = '';
    try {
      const m = parseHl7(text);
      controlId = m.get('MSH.10').toString();
      trigger = m.get('MSH.9.2').toString();
      type = `${m.get('MSH.9.1').toString()}^${trigger}`;
    } catch (e) {
      this.answer(s, 'AR', '', (e as Error).message, HL7_ERROR.segmentSequence, '');
      return;
    }
    if (!controlId) return this.answer(s, 'AR', '', 'MSH-10 message control id is empty', HL7_ERROR.requiredField, trigger);
    if (this.mode === 'nack') return this.answer(s, 'AE', controlId, 'engine cannot take messages now (hl7-nack)', HL7_ERROR.internal, trigger);
    if (this.seen.has(controlId)) {
      this.stats.duplicates++;
      return this.answer(s, 'AA', controlId, 'duplicate of a message already accepted; not processed again', '', trigger);
    }
    const validate = (this.options.validators ?? VALIDATORS)[type];
    if (!validate) return this.answer(s, 'AR', controlId, `unsupported message type ${type}`, HL7_ERROR.unsupportedType, trigger);
    let problem: ReturnType<Validator>;
    try {
      problem = validate(text);
    } catch (e) {
      problem = { reason: (e as Error).message, errorCode: HL7_ERROR.dataType };
    }
    if (problem) return this.answer(s, 'AR', controlId, problem.reason, problem.errorCode, trigger);
    if (this.seen.size >= MAX_REMEMBERED_IDS) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.add(controlId);
    this.stats.accepted++;
    this.options.onMessage?.({ controlId, type, text });
    this.answer(s, 'AA', controlId, '', '', trigger);
  }

  private answer(s: Socket, code: AckCode, ackedId: string, reason: string, errorCode: string, trigger: string): void {
    if (code === 'AE') this.stats.errors++;
    if (code === 'AR') {
      this.stats.rejected++;
      this.log(`AR ${ackedId || '-'}: ${reason}`);
    }
    const text = buildAck({ code, ackedId, reason }, { controlId: `ACK-${++this.ackCounter}`, tMs: this.options.nowMs?.() ?? Date.now() - Date.UTC(2026, 0, 1), trigger, ...(errorCode ? { errorCode } : {}) });
    const send = (): void => {
      if (!s.destroyed) writeFrame(s, text);
    };
    if (this.ackDelayMs > 0) setTimeout(send, this.ackDelayMs);
    else send();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}
