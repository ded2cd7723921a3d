/**
 * An MLLP proxy between the gateway and the HL7 engine, through which a run's HL7 faults act on a
 * real connection: `down` drops every connection and refuses new ones (the engine unreachable),
 * `nack` answers each message AE itself without passing it on (the engine refusing work), and a
 * slow-ack delay holds the engine's answers back. Loopback, a port from the OS.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { buildAck, HL7_ERROR } from './ack.js';
import { MllpDeframer, writeFrame } from './mllp.js';
import { parseHl7 } from './readDec.js';

export type ProxyMode = 'pass' | 'down' | 'nack';

export class Hl7FaultProxy {
  mode: ProxyMode = 'pass';
  ackDelayMs = 0;
  readonly stats = { forwarded: 0, nacked: 0, refused: 0 };
  private readonly server: Server;
  private readonly pairs = new Set<Socket>();

  constructor(private readonly engine: { host: string; port: number }) {
    this.server = createServer((s) => this.accept(s));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'down') for (const s of this.pairs) s.destroy();
  }

  close(): Promise<void> {
    for (const s of this.pairs) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'down') {
      this.stats.refused++;
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect(this.engine);
    upstream.setNoDelay(true);
    this.pairs.add(client);
    this.pairs.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(client);
      this.pairs.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    upstream.on('data', (chunk: Buffer) => {
      if (this.ackDelayMs > 0) setTimeout(() => client.write(chunk), this.ackDelayMs);
      else client.write(chunk);
    });
    const deframer = new MllpDeframer();
    client.on('data', (chunk: Buffer) => {
      for (const d of deframer.push(chunk)) {
        if (d.kind !== 'frame') continue; // the engine answers a garbled frame itself; none is made here
        if (this.mode === 'nack') {
          this.stats.nacked++;
          let id = '';
          let trigger = '';
          try {
            const m = parseHl7(d.text);
            id = m.get('MSH.10').toString();
            trigger = m.get('MSH.9.2').toString();
          } catch {
            // answered with an empty MSA-2: the sender resends on its timeout
          }
          writeFrame(client, buildAck({ code: 'AE', ackedId: id, reason: 'engine cannot take messages now (hl7-nack)' }, { controlId: `NACK-${this.stats.nacked}`, tMs: 0, trigger, errorCode: HL7_ERROR.internal }));
          continue;
        }
        this.stats.forwarded++;
        writeFrame(upstream, d.text);
      }
    });
  }
}
