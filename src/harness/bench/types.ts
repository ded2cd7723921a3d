/** Results of bench checks: one row each in the final table; sensor pins driven from outside. */
export type CheckStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

/** What the bench does not compare or send, by device (docs/bench.md, Profiles). */
export interface DeviceProfile {
  /** `infusim-sim` (full protocol), `reduced` (e.g. the Uno firmware), from INFO and probes. */
  name: string;
  model: string;
  fw: string;
  clock: 'virtual' | 'real';
  lib: string;
  area: string;
  /** Commands the device answers with something other than NOT_SUPPORTED. */
  commands: ReadonlySet<string>;
  /** INJECT is implemented (simulated sensors). */
  inject: boolean;
  /** PCA programs and DEMAND. */
  pca: boolean;
  /** BOLUS dose= (library bolus units). */
  doseBolus: boolean;
  /** RESET (docs/protocol.md): each run starts from the power-on state. Without it the bench resets as far as STOP, INJECT and ACK go. */
  reset: boolean;
  /** The device's drug library is the oracle's (same lib=name@version): drug programs are compared. */
  libMatchesOracle: boolean;
  /** Alarm ids compared with the oracle. */
  alarms: ReadonlySet<string>;
  /** Requests sent back to back in the line-speed check (paced by `rxBufferBytes` if set). */
  lineBurst: number;
  /**
   * Receive buffer of a device without flow control (a Uno has 64 bytes): the bench never writes
   * more than this ahead of the replies. Undefined: no limit (the simulator).
   */
  rxBufferBytes: number | undefined;
  /** Tolerance on volume infused (mL) for a nominal volume. */
  viToleranceMl(nominalMl: number): number;
}

/** The sensor inputs a board has on pins (hardware/README.md, Wiring). */
export type SensorPin = 'occlusion' | 'air' | 'door';

/**
 * Drives a board's sensor inputs from outside the protocol under test: the emulated Uno's pins
 * (src/harness/avr/pin-driver.ts), or a test fixture wired to a real board. `active` true means
 * the condition holds (occlusion, air in the line, door open), whatever the electrical level.
 */
export interface PinDriver {
  /** What drives the pins, for the report (e.g. "emulated Uno"). */
  readonly name: string;
  /** The pin a sensor is on, for the report (e.g. "D2"). */
  pinOf?(sensor: SensorPin): string;
  set(sensor: SensorPin, active: boolean): void | Promise<void>;
}
