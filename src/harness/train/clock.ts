/**
 * The training clock: virtual time paced against a wall clock by a speed factor, pausable.
 * The wall clock is injected (tests pass their own), so nothing here reads real time itself.
 */
export const MIN_SPEED = 0.25;
export const MAX_SPEED = 600;

export class PacedClock {
  private baseWallMs: number;
  private baseVirtualMs: number;
  private speedValue: number;
  private pausedValue: boolean;

  constructor(
    private readonly wallNowMs: () => number,
    speed = 1,
    startVirtualMs = 0,
    paused = false,
  ) {
    if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) throw new RangeError(`speed ${speed} is outside ${MIN_SPEED} to ${MAX_SPEED}`);
    this.baseWallMs = wallNowMs();
    this.baseVirtualMs = startVirtualMs;
    this.speedValue = speed;
    this.pausedValue = paused;
  }

  get speed(): number {
    return this.speedValue;
  }

  get paused(): boolean {
    return this.pausedValue;
  }

  /** The virtual time (ms) the world should have reached now. */
  virtualNowMs(): number {
    if (this.pausedValue) return this.baseVirtualMs;
    return this.baseVirtualMs + Math.max(0, this.wallNowMs() - this.baseWallMs) * this.speedValue;
  }

  private rebase(): void {
    this.baseVirtualMs = this.virtualNowMs();
    this.baseWallMs = this.wallNowMs();
  }

  pause(): void {
    if (this.pausedValue) return;
    this.rebase();
    this.pausedValue = true;
  }

  resume(): void {
    if (!this.pausedValue) return;
    this.baseWallMs = this.wallNowMs();
    this.pausedValue = false;
  }

  setSpeed(speed: number): void {
    if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) throw new RangeError(`speed ${speed} is outside ${MIN_SPEED} to ${MAX_SPEED}`);
    this.rebase();
    this.speedValue = speed;
  }

  /** Hold the clock at `virtualMs` (e.g. the end of the scenario). */
  stopAt(virtualMs: number): void {
    this.baseVirtualMs = virtualMs;
    this.baseWallMs = this.wallNowMs();
    this.pausedValue = true;
  }
}
