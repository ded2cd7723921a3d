/** Results of bench checks: one row each in the final table. */
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
  /** The device's drug library is the oracle's (same lib=name@version): drug programs are compared. */
  libMatchesOracle: boolean;
  /** Alarm ids compared with the oracle. */
  alarms: ReadonlySet<string>;
  /** Requests written back to back in the line-speed check. */
  lineBurst: number;
  /**
   * Receive buffer of a device without flow control (a Uno has 64 bytes): the bench never writes
   * more than this ahead of the replies. Undefined: no limit (the simulator).
   */
  rxBufferBytes: number | undefined;
  /** Tolerance on volume infused (mL) for a nominal volume. */
  viToleranceMl(nominalMl: number): number;
}
