/**
 * In service or out of service. A failed self-test (or watchdog) takes the pump out of service:
 * no therapy until a service action, here a power cycle whose power-on self-test passes
 * (docs/protocol.md, "Out of service"; docs/clinical.md, "Alarms"). ACK and RESUME do not end it.
 * Pure data: the pump raises and ends the SELF_TEST_FAIL alarm on what these return.
 */
export class ServiceState {
  /** The fault the self-test finds is present (INJECT selftest=fail, until selftest=pass). */
  private faultPresent = false;
  private out = false;

  get outOfService(): boolean {
    return this.out;
  }

  /** The fault input (what the next self-test will find); `true` on a fail. */
  get selfTestWouldFail(): boolean {
    return this.faultPresent;
  }

  /** A self-test running now failed: out of service. */
  fail(): void {
    this.faultPresent = true;
    this.out = true;
  }

  /** The fault is repaired: the next self-test passes. The pump stays out of service until it runs. */
  repair(): void {
    this.faultPresent = false;
  }

  /** The power-on self-test. Returns whether the pump came back into service at this power-on. */
  powerOnSelfTest(): { pass: boolean; backInService: boolean } {
    if (this.faultPresent) {
      this.out = true;
      return { pass: false, backInService: false };
    }
    const backInService = this.out;
    this.out = false;
    return { pass: true, backInService };
  }
}
