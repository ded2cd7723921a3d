/**
 * The central station's audible signal, IEC 60601-1-8 style: a burst of pulses per priority
 * (high: 10 pulses, medium: 3, low: 1), repeated while an alarm of that priority is sounding.
 * WebAudio only; a browser plays sound after the user has pressed a key or clicked once.
 */
export type Priority = 'high' | 'medium' | 'low' | 'off';

const BURST: Record<Exclude<Priority, 'off'>, { pulses: number[]; hz: number; everyMs: number }> = {
  // Two groups of 5 (3 + 2 spacing), then a pause.
  high: { pulses: [0, 0.2, 0.4, 0.9, 1.1, 1.9, 2.1, 2.3, 2.8, 3.0], hz: 880, everyMs: 6000 },
  medium: { pulses: [0, 0.35, 0.7], hz: 660, everyMs: 8000 },
  low: { pulses: [0], hz: 520, everyMs: 16000 },
};

export class AlarmSound {
  private ctx: AudioContext | undefined;
  private current: Priority = 'off';
  private timer: number | undefined;
  enabled = false;

  enable(): void {
    this.enabled = true;
    try {
      this.ctx ??= new AudioContext();
      void this.ctx.resume();
    } catch {
      this.ctx = undefined;
    }
    const p = this.current;
    this.current = 'off';
    this.set(p);
  }

  disable(): void {
    this.enabled = false;
    this.stopTimer();
  }

  /** The priority that should sound now ('off' when silent or paused). */
  set(p: Priority): void {
    if (p === this.current) return;
    this.current = p;
    this.stopTimer();
    if (p === 'off' || !this.enabled) return;
    const burst = BURST[p];
    this.play(p);
    this.timer = window.setInterval(() => this.play(p), burst.everyMs);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
  }

  private play(p: Exclude<Priority, 'off'>): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const { pulses, hz } = BURST[p];
    const t0 = ctx.currentTime + 0.05;
    for (const at of pulses) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = hz;
      osc.type = 'square';
      gain.gain.setValueAtTime(0, t0 + at);
      gain.gain.linearRampToValueAtTime(0.08, t0 + at + 0.02);
      gain.gain.setValueAtTime(0.08, t0 + at + 0.13);
      gain.gain.linearRampToValueAtTime(0, t0 + at + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.2);
    }
  }
}
