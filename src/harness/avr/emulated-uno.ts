/**
 * An Arduino Uno (ATmega328P at 16 MHz) emulated with avr8js: runs a firmware .hex inside Node,
 * with the USART, GPIO ports, timer 0 (millis) and the ADC. The CPU runs in chunks scheduled with
 * setImmediate so the event loop (timers, sockets, the test runner) stays responsive.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  AVRADC,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  CPU,
  PinState,
  adcConfig,
  avrInstruction,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  usart0Config,
} from 'avr8js';
import { parseIntelHex } from './intel-hex.js';
import type { ByteTransport } from './line-client.js';

/** avr8js's interrupt descriptor (the type is not exported from the package root). */
type AVRInterruptConfig = Parameters<CPU['setInterruptFlag']>[0];

export const UNO_CLOCK_HZ = 16_000_000;
const FLASH_BYTES = 0x8000;
const SRAM_BYTES = 0x800;
const UCSRA_RXC = 0x80;
/** Serial silence (ms of wall-clock time) after which an unlimited emulator runs at about 1x. */
const IDLE_AFTER_MS = 50;
const UCSRA_U2X = 0x02;
const UCSRB_RXCIE = 0x80;

type PortName = 'B' | 'C' | 'D';
interface PinRef {
  port: PortName;
  bit: number;
}

/** Uno header pins D0..D13 and A0..A5 on the ATmega328P ports. */
export const UNO_PINS: Readonly<Record<string, PinRef>> = (() => {
  const pins: Record<string, PinRef> = {};
  for (let i = 0; i <= 7; i++) pins[`D${i}`] = { port: 'D', bit: i };
  for (let i = 8; i <= 13; i++) pins[`D${i}`] = { port: 'B', bit: i - 8 };
  for (let i = 0; i <= 5; i++) pins[`A${i}`] = { port: 'C', bit: i };
  return pins;
})();

/** The infusim firmware's pin map (hardware/firmware/infusim_uno/infusim.h, hardware/README.md). */
export const INFUSIM_PINS = {
  occlusion: 'D2',
  air: 'D3',
  door: 'D4',
  mains: 'D5',
  buzzer: 'D6',
  step: 'D8',
  dir: 'D9',
  enable: 'D10',
  ledRed: 'D11',
  ledYellow: 'D12',
  ledGreen: 'D13',
  battery: 'A0',
} as const;
export type InfusimPinName = keyof typeof INFUSIM_PINS;
export type PinName = InfusimPinName | `D${number}` | `A${number}`;

/** ADC channel of the battery voltage (A0). */
export const INFUSIM_BATTERY_CHANNEL = 0;

export interface EmulatedUnoOptions {
  /**
   * CPU cycles per chunk between yields to the event loop (default 40,000: 2.5 ms of AVR time). A
   * chunk also ends as soon as the firmware has sent a line end, so that a reply leaves at once.
   */
  chunkCycles?: number;
  /**
   * Run no faster than this multiple of real time (1 = a real Uno). Default: as fast as possible,
   * which is what a test-clock image wants; a real-clock image sees time pass at emulator speed.
   */
  speedLimit?: number;
  /**
   * Drive the infusim sensor inputs to their idle level at start: occlusion, air and door HIGH
   * (the firmware uses pull-ups, which avr8js does not model), mains HIGH, battery 4.2 V.
   * Default true.
   */
  idleSensors?: boolean;
}

export type SerialListener = (bytes: Uint8Array) => void;

function resolvePin(name: PinName | string): PinRef {
  const alias = (INFUSIM_PINS as Record<string, string>)[name];
  const ref = UNO_PINS[alias ?? name];
  if (!ref) throw new Error(`unknown Uno pin ${name}`);
  return ref;
}

export class EmulatedUno {
  readonly cpu: CPU;
  readonly usart: AVRUSART;
  readonly adc: AVRADC;
  readonly timer0: AVRTimer;
  readonly ports: Readonly<Record<PortName, AVRIOPort>>;

  private readonly chunkCycles: number;
  /** Run no faster than this multiple of real time (undefined: as fast as possible). */
  speedLimit: number | undefined;
  private readonly rxQueue: number[] = [];
  private rxHead = 0;
  /** A byte is being shifted in on RX (one character time at the configured baud rate). */
  private rxShifting = false;
  /** UDR holds a received byte the firmware has not read yet. */
  private rxUnread = false;
  /** A byte that finished arriving while UDR was still full (the ATmega's second receive buffer). */
  private rxHeld: number | undefined;
  /** The USART's RX complete interrupt (avr8js keeps its own private). */
  private readonly rxcInterrupt: AVRInterruptConfig;
  private txPending: number[] = [];
  /** The firmware sent a `\n` during the present chunk: end the chunk and hand the bytes over. */
  private txLineEnd = false;
  /** Wall-clock time (performance.now()) of the last byte in or out. */
  private lastActivity = 0;
  /** The last chunk was followed by an idle pause (see runChunk). */
  private idlePaced = false;
  private readonly serialListeners = new Set<SerialListener>();
  private readonly risingEdges = new Map<string, number>();
  private runningFlag = false;
  private pendingRun: { kind: 'immediate'; handle: NodeJS.Immediate } | { kind: 'timeout'; handle: NodeJS.Timeout } | undefined;
  private wallStart = 0;
  private cyclesAtStart = 0;
  private wallRunMs = 0;
  private cyclesRun = 0;
  private measured = 0;

  constructor(hexText: string, options: EmulatedUnoOptions = {}) {
    const image = parseIntelHex(hexText, FLASH_BYTES);
    const program = new Uint16Array(image.buffer, image.byteOffset, image.byteLength / 2);
    this.cpu = new CPU(program, SRAM_BYTES);
    this.timer0 = new AVRTimer(this.cpu, timer0Config);
    this.usart = new AVRUSART(this.cpu, usart0Config, UNO_CLOCK_HZ);
    this.adc = new AVRADC(this.cpu, adcConfig);
    this.ports = {
      B: new AVRIOPort(this.cpu, portBConfig),
      C: new AVRIOPort(this.cpu, portCConfig),
      D: new AVRIOPort(this.cpu, portDConfig),
    };
    this.chunkCycles = options.chunkCycles ?? 40_000;
    this.speedLimit = options.speedLimit;

    this.usart.onByteTransmit = (value) => {
      this.txPending.push(value);
      if (value === 0x0a) this.txLineEnd = true;
    };
    this.rxcInterrupt = {
      address: usart0Config.rxCompleteInterrupt,
      flagRegister: usart0Config.UCSRA,
      flagMask: UCSRA_RXC,
      enableRegister: usart0Config.UCSRB,
      enableMask: UCSRB_RXCIE,
      constant: true,
    };
    this.patchUsartRx();
    for (const [portName, port] of Object.entries(this.ports) as [PortName, AVRIOPort][]) {
      port.addListener((value, oldValue) => {
        const rose = value & ~oldValue;
        if (rose === 0) return;
        for (let bit = 0; bit < 8; bit++) {
          if (rose & (1 << bit)) {
            const key = `${portName}${bit}`;
            this.risingEdges.set(key, (this.risingEdges.get(key) ?? 0) + 1);
          }
        }
      });
    }
    if (options.idleSensors ?? true) {
      this.setPin('occlusion', true);
      this.setPin('air', true);
      this.setPin('door', true);
      this.setPin('mains', true);
      this.setAnalog(INFUSIM_BATTERY_CHANNEL, 4.2);
    }
  }

  static fromHexFile(path: string, options: EmulatedUnoOptions = {}): EmulatedUno {
    return new EmulatedUno(readFileSync(path, 'utf8'), options);
  }

  /**
   * Whether the firmware was built with the test clock (virtual time moved by TICK): its INFO
   * string `clock=virtual` is in flash. A real-clock image wants speedLimit 1 to see real time.
   */
  get virtualClock(): boolean {
    return Buffer.from(this.cpu.progBytes.buffer, this.cpu.progBytes.byteOffset, this.cpu.progBytes.byteLength).includes('clock=virtual');
  }

  get running(): boolean {
    return this.runningFlag;
  }

  /** AVR time since reset, in ms (what millis() returns). */
  get emulatedMs(): number {
    return (this.cpu.cycles / UNO_CLOCK_HZ) * 1000;
  }

  /** AVR cycles executed per second of wall-clock time while running (0 before the first chunk). */
  get cyclesPerSecondMeasured(): number {
    return this.measured;
  }

  /** Emulator speed relative to a real 16 MHz Uno (1 = real time), while the CPU runs. */
  get speed(): number {
    return this.measured / UNO_CLOCK_HZ;
  }

  /**
   * Speed relative to 16 MHz over wall-clock time since start(), including the time given back
   * to the event loop between chunks (and the waits of speedLimit).
   */
  get effectiveSpeed(): number {
    const wall = performance.now() - this.wallStart;
    if (!this.runningFlag || wall <= 0) return 0;
    return ((this.cpu.cycles - this.cyclesAtStart) / UNO_CLOCK_HZ) / (wall / 1000);
  }

  start(): void {
    if (this.runningFlag) return;
    this.runningFlag = true;
    this.wallStart = performance.now();
    this.cyclesAtStart = this.cpu.cycles;
    this.schedule(0);
  }

  stop(): void {
    this.runningFlag = false;
    const pending = this.pendingRun;
    this.pendingRun = undefined;
    if (pending?.kind === 'immediate') clearImmediate(pending.handle);
    else if (pending?.kind === 'timeout') clearTimeout(pending.handle);
  }

  /** Queue bytes for the board's RX line; they arrive at the baud rate the firmware set. */
  write(bytes: Uint8Array | string): void {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    for (const b of data) this.rxQueue.push(b);
    this.lastActivity = performance.now();
    this.feedRx();
    // Idle pacing must not delay a request: run at once.
    if (this.idlePaced && this.pendingRun?.kind === 'timeout') {
      clearTimeout(this.pendingRun.handle);
      this.schedule(0);
    }
  }

  /** Bytes waiting to be clocked into the board. */
  get rxBacklog(): number {
    return this.rxQueue.length - this.rxHead;
  }

  /** Subscribe to the bytes the firmware transmits; returns the unsubscribe function. */
  onSerial(cb: SerialListener): () => void {
    this.serialListeners.add(cb);
    return () => this.serialListeners.delete(cb);
  }

  /** The serial line as a ByteTransport (for LineClient). */
  transport(): ByteTransport {
    return { write: (bytes) => this.write(bytes), onData: (cb) => this.onSerial(cb) };
  }

  /** Drive an input pin from outside (a sensor): true = HIGH (5 V). */
  setPin(name: PinName, high: boolean): void {
    const { port, bit } = resolvePin(name);
    this.ports[port].setPin(bit, high);
  }

  /** Voltage (0 to 5 V) on an analog channel A0..A5. */
  setAnalog(channel: number, volts: number): void {
    if (!Number.isInteger(channel) || channel < 0 || channel > 7) throw new Error(`bad ADC channel ${channel}`);
    this.adc.channelValues[channel] = Math.min(5, Math.max(0, volts));
  }

  /** Level of an output pin as the firmware drives it (true = HIGH). An input reads as LOW. */
  readPin(name: PinName): boolean {
    const { port, bit } = resolvePin(name);
    return this.ports[port].pinState(bit) === PinState.High;
  }

  /** How many times the firmware drove the pin from LOW to HIGH since reset. */
  risingEdgeCount(name: PinName): number {
    const { port, bit } = resolvePin(name);
    return this.risingEdges.get(`${port}${bit}`) ?? 0;
  }

  /** Run `cycles` CPU cycles synchronously (for tests and tools that want no event loop). */
  runCycles(cycles: number): void {
    const { cpu } = this;
    const target = cpu.cycles + cycles;
    while (cpu.cycles < target) {
      avrInstruction(cpu);
      cpu.tick();
    }
    this.flushTx();
  }

  /**
   * Receive side of the USART, done here rather than with avr8js's `writeByte` so that it behaves
   * like the ATmega328P's:
   * - a byte takes one character time (start, data, parity, stop bits at the baud rate the firmware
   *   set) to arrive, and the next one starts right after it, so bytes come at line speed;
   * - UDR is a two-level FIFO: a byte that arrives while UDR still holds an unread one waits in the
   *   second level and is moved up when the firmware reads UDR; the line stalls while both are full
   *   (the emulator never overwrites an unread byte);
   * - RXC stays set until UDR is read. avr8js 0.21 clears the RX interrupt on any write to UCSRB
   *   while the receiver is on (and its flag on any UCSRA write); Arduino's HardwareSerial writes
   *   UCSRB (UDRIE) for every byte it queues for sending, so a byte received while the firmware was
   *   printing was silently lost: the lost replies and misread lines seen in the bench. The hooks
   *   below put the flag back.
   */
  private patchUsartRx(): void {
    const { cpu } = this;
    const { UDR, UCSRA, UCSRB } = usart0Config;
    const readUdr = cpu.readHooks[UDR];
    cpu.readHooks[UDR] = (addr) => {
      const value = readUdr ? readUdr(addr) : cpu.data[UDR] ?? 0;
      this.rxUnread = false;
      const held = this.rxHeld;
      if (held !== undefined) {
        this.rxHeld = undefined;
        this.deliverRx(held);
      }
      this.feedRx();
      return value;
    };
    for (const reg of [UCSRA, UCSRB]) {
      const write = cpu.writeHooks[reg];
      cpu.writeHooks[reg] = (value, oldValue, addr, mask) => {
        const handled = write ? write(value, oldValue, addr, mask) : false;
        if (this.rxUnread && this.usart.rxEnable) cpu.setInterruptFlag(this.rxcInterrupt);
        if (reg === UCSRB) this.feedRx(); // the receiver may just have been enabled
        return handled;
      };
    }
  }

  /** CPU cycles one character takes on the line at the USART's present settings. */
  private get cyclesPerChar(): number {
    const { cpu, usart } = this;
    const ubrr = ((cpu.data[usart0Config.UBRRH] ?? 0) << 8) | (cpu.data[usart0Config.UBRRL] ?? 0);
    const perBit = (ubrr + 1) * ((cpu.data[usart0Config.UCSRA] ?? 0) & UCSRA_U2X ? 8 : 16);
    return perBit * (1 + usart.bitsPerChar + usart.stopBits + (usart.parityEnabled ? 1 : 0));
  }

  private deliverRx(byte: number): void {
    this.rxUnread = true;
    // writeByte(immediate) puts the byte in UDR and raises RXC; it refuses only when avr8js's own
    // receive is busy, which never happens as this class does not use it.
    this.usart.writeByte(byte, true);
  }

  private feedRx(): void {
    if (this.rxShifting || this.rxHeld !== undefined || this.rxHead >= this.rxQueue.length || !this.usart.rxEnable) return;
    const byte = this.rxQueue[this.rxHead];
    if (byte === undefined) return;
    this.rxHead++;
    if (this.rxHead > 4096 && this.rxHead * 2 > this.rxQueue.length) {
      this.rxQueue.splice(0, this.rxHead);
      this.rxHead = 0;
    }
    this.rxShifting = true;
    this.cpu.addClockEvent(() => {
      this.rxShifting = false;
      if (this.rxUnread) this.rxHeld = byte;
      else this.deliverRx(byte);
      this.feedRx();
    }, this.cyclesPerChar);
  }

  private flushTx(): void {
    if (this.txPending.length === 0) return;
    this.lastActivity = performance.now();
    const chunk = Uint8Array.from(this.txPending);
    this.txPending = [];
    for (const cb of this.serialListeners) cb(chunk);
  }

  private schedule(delayMs: number): void {
    const run = (): void => {
      this.pendingRun = undefined;
      this.runChunk();
    };
    this.pendingRun = delayMs > 0 ? { kind: 'timeout', handle: setTimeout(run, delayMs) } : { kind: 'immediate', handle: setImmediate(run) };
  }

  private runChunk(): void {
    if (!this.runningFlag) return;
    const t0 = performance.now();
    let cycles = this.chunkCycles;
    if (this.speedLimit !== undefined) {
      const allowed = ((t0 - this.wallStart) / 1000) * UNO_CLOCK_HZ * this.speedLimit - (this.cpu.cycles - this.cyclesAtStart);
      if (allowed < cycles / 4) {
        this.schedule(Math.max(1, Math.ceil(((cycles - allowed) / (UNO_CLOCK_HZ * this.speedLimit)) * 1000)));
        return;
      }
      cycles = Math.min(cycles, Math.floor(allowed));
    }
    // USART RX may have been enabled during the last chunk with bytes already waiting.
    this.feedRx();
    const before = this.cpu.cycles;
    const { cpu } = this;
    const target = cpu.cycles + cycles;
    this.txLineEnd = false;
    while (cpu.cycles < target && !this.txLineEnd) {
      avrInstruction(cpu);
      cpu.tick();
    }
    this.flushTx();
    const elapsed = performance.now() - t0;
    this.wallRunMs += elapsed;
    this.cyclesRun += this.cpu.cycles - before;
    if (this.wallRunMs > 0) this.measured = (this.cyclesRun / this.wallRunMs) * 1000;
    if (!this.runningFlag) return;
    // Without a speed limit, a board with nothing on its serial line for IDLE_AFTER_MS runs at
    // about real time instead of spinning a core: the host processes (the bench, socat) get the
    // CPU, which keeps round trips short on a small machine. A byte written wakes it at once.
    const idle =
      this.speedLimit === undefined && this.rxBacklog === 0 && !this.rxShifting && this.rxHeld === undefined && performance.now() - this.lastActivity > IDLE_AFTER_MS;
    this.idlePaced = idle;
    this.schedule(idle ? Math.max(1, Math.round(((this.cpu.cycles - before) / UNO_CLOCK_HZ) * 1000)) : 0);
  }
}
