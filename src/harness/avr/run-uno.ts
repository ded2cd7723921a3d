/**
 * Run an infusim firmware image in the emulator, reachable on a pseudo-terminal: the entry the
 * `infusim` CLI can wire up (e.g. to run the bench against an emulated board without hardware).
 */
import { EmulatedUno, type EmulatedUnoOptions } from './emulated-uno.js';
import { PtyBridge } from './pty-bridge.js';

export interface RunUnoOnPtyOptions {
  /** Firmware image (Intel HEX), e.g. hardware/firmware/build/infusim_uno_testclock.hex. */
  hexPath: string;
  /** Path the serial client opens, e.g. /tmp/infusim-uno. */
  ptyLink: string;
  /**
   * Multiple of real time the emulator may run at. Default: unlimited for a test-clock image
   * (time moves only with TICK), 1 for a real-clock image so that millis() follows the wall clock.
   */
  speedLimit?: number;
  /** Other emulator options (chunk size, idle sensor levels). */
  emulator?: Omit<EmulatedUnoOptions, 'speedLimit'>;
  /** socat executable (default `socat`). */
  socat?: string;
}

export interface RunningUno {
  uno: EmulatedUno;
  bridge: PtyBridge;
  /** The path a serial client opens. */
  ptyLink: string;
  close(): Promise<void>;
}

export async function runUnoOnPty(options: RunUnoOnPtyOptions): Promise<RunningUno> {
  const uno = EmulatedUno.fromHexFile(options.hexPath, options.emulator);
  uno.speedLimit = options.speedLimit ?? (uno.virtualClock ? undefined : 1);
  const bridge = await PtyBridge.open(uno, { link: options.ptyLink, ...(options.socat ? { socat: options.socat } : {}) });
  uno.start();
  return {
    uno,
    bridge,
    ptyLink: options.ptyLink,
    async close() {
      uno.stop();
      await bridge.close();
    },
  };
}
