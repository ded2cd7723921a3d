/**
 * The order side of PCD-03 (an Infusion Order Programmer): send one RGV^O15 over MLLP and wait for
 * its answer (RRG^O16, or any acknowledgement) on the same connection. `infusim hl7 send` and the
 * tests use it. Bounded: the answer is waited for at most `timeoutMs`.
 */
import { connect } from 'node:net';
import { readAck, type Ack } from './ack.js';
import { MllpDeframer, writeFrame } from './mllp.js';

export interface SentOrderAnswer extends Ack {
  /** The answer as received. */
  text: string;
}

export function sendHl7(host: string, port: number, message: string, timeoutMs = 120_000): Promise<SentOrderAnswer> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const deframer = new MllpDeframer();
    const timer = setTimeout(() => done(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    const done = (e: Error | undefined, a?: SentOrderAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      if (e) reject(e);
      else resolve(a!);
    };
    s.setNoDelay(true);
    s.on('connect', () => writeFrame(s, message));
    s.on('data', (chunk: Buffer) => {
      for (const d of deframer.push(chunk)) {
        if (d.kind === 'garbled') return done(new Error(`garbled answer: ${d.reason}`));
        const ack = readAck(d.text);
        if (!ack) return done(new Error(`the answer is not an acknowledgement: ${d.text.slice(0, 80)}`));
        return done(undefined, { ...ack, text: d.text });
      }
    });
    s.on('error', (e) => done(e));
    s.on('close', () => done(new Error(`${host}:${port} closed the connection before answering`)));
  });
}
