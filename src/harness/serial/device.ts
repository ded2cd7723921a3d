/**
 * `infusim device`: a simulated pump served on a serial port (a pseudo-terminal or a USB-serial
 * adapter), speaking the line protocol. Bytes are read as latin1 so every byte is one character:
 * a byte outside printable ASCII reaches the session and is answered `ERR BAD_CHAR`.
 */
import { performance } from 'node:perf_hooks';
import { SerialPort } from 'serialport';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { Pump } from '../../sim/pump/pump.js';
import { pumpTypeById } from '../../sim/pump/pumpTypes.js';
import type { EventLog } from '../../sim/trace/eventLog.js';
import { DeviceSession, type DeviceClock } from './deviceSession.js';
import { keepEveryPollWait } from './poller.js';

export interface SerialDeviceOptions {
  path: string;
  baudRate?: number;
  pumpType?: 'lvp' | 'syringe';
  seed?: number;
  clock?: DeviceClock;
  /** Status line every this many ms of pump time (0: never). */
  statusEveryMs?: number;
  library?: DrugLibrary | undefined;
  areaId?: string | undefined;
  /** Keep at most this many log entries (the fuzz test sends 100,000 lines); default 10,000. */
  maxLogEntries?: number;
  /** Real clock: how often the pump is brought to the wall clock between lines (ms); default 100. */
  realTickMs?: number;
  /** Reopen tries when the port closes under us; default 3. */
  reopenTries?: number;
  /** Called with a note when something happens to the port (opened, lost, reopened, gave up). */
  onNote?: (note: string) => void;
}

function open(path: string, baudRate: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.open((e) => {
      if (e) return reject(new Error(`cannot open ${path}: ${e.message}`));
      // Replies are written while the next lines are read: neither wait may drop the other.
      keepEveryPollWait(port);
      resolve(port);
    });
  });
}

export class SerialDevice {
  readonly session: DeviceSession;
  private port: SerialPort | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private doneResolve: (reason: string) => void = () => undefined;
  /** Resolves when the device stops for good (closed, or the port could not be reopened). */
  readonly done: Promise<string>;
  /** Bytes received. */
  bytesIn = 0;

  private constructor(readonly options: SerialDeviceOptions) {
    const t0 = performance.now();
    // RESET (docs/protocol.md) puts a pump as at power-on behind the session, same options.
    const makePump = (startMs: number, log?: EventLog): Pump =>
      new Pump({
        type: pumpTypeById(options.pumpType ?? 'lvp'),
        seed: options.seed ?? 1,
        library: options.library,
        areaId: options.areaId,
        maxLogEntries: options.maxLogEntries ?? 10_000,
        startMs,
        log,
      });
    this.session = new DeviceSession(makePump(0), {
      clock: options.clock ?? 'virtual',
      statusEveryMs: options.statusEveryMs ?? 0,
      elapsedMs: () => performance.now() - t0,
      freshPump: makePump,
    });
    this.done = new Promise((r) => (this.doneResolve = r));
  }

  /** The pump behind the session (a new one after each RESET). */
  get pump(): Pump {
    return this.session.pump;
  }

  static async start(options: SerialDeviceOptions): Promise<SerialDevice> {
    const device = new SerialDevice(options);
    device.attach(await open(options.path, options.baudRate ?? 115_200));
    if (device.session.clock === 'real') {
      device.timer = setInterval(() => device.send(device.session.catchUp()), options.realTickMs ?? 100);
    }
    return device;
  }

  private note(s: string): void {
    this.options.onNote?.(s);
  }

  private attach(port: SerialPort): void {
    this.port = port;
    port.on('data', (data: Buffer) => {
      this.bytesIn += data.length;
      this.send(this.session.feed(data.toString('latin1')));
    });
    port.on('error', (e: Error) => this.note(`port error: ${e.message}`));
    port.on('close', () => {
      if (this.port !== port) return;
      this.port = undefined;
      if (!this.closing) void this.reopen();
    });
  }

  private send(lines: string[]): void {
    if (lines.length === 0 || !this.port?.isOpen) return;
    this.port.write(Buffer.from(lines.join('\n') + '\n', 'latin1'), (e) => {
      if (e) this.note(`write error: ${e.message}`);
    });
  }

  /** The port closed under us (adapter pulled, pty gone): a bounded number of reopen tries. */
  private async reopen(): Promise<void> {
    const tries = this.options.reopenTries ?? 3;
    this.note(`${this.options.path} closed; reopening (${tries} tries)`);
    for (let i = 0; i < tries && !this.closing; i++) {
      await new Promise((r) => setTimeout(r, 500));
      try {
        this.attach(await open(this.options.path, this.options.baudRate ?? 115_200));
        this.note(`${this.options.path} reopened`);
        return;
      } catch (e) {
        this.note((e as Error).message);
      }
    }
    this.stopTimer();
    this.doneResolve(`${this.options.path} is gone`);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopTimer();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    this.doneResolve('closed');
  }
}
