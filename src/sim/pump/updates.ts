/**
 * The pump's update agents (firmware slots, signed drug libraries; docs/firmware.md) and what their
 * events mean for the pump: a switch or a failed self-test reboots it, a boot brings it up and a
 * trial image's first boot runs the self-test that decides its commit, an activated library
 * replaces the pump's. Returns effects (effects.ts); the pump performs them.
 */
import type { FirmwareEvent, LibraryEvent } from '../firmware/events.js';
import type { LibraryUpdater } from '../firmware/libraryUpdate.js';
import { selfTestVerdict, type BehaviourProfile } from '../firmware/profiles.js';
import type { FirmwareUpdater } from '../firmware/updater.js';
import type { Effect } from './effects.js';
import type { PumpType } from './pumpTypes.js';

export class UpdateAgents {
  constructor(
    readonly firmware: FirmwareUpdater | undefined,
    readonly library: LibraryUpdater | undefined,
    private readonly typeId: PumpType['id'],
  ) {}

  /** The next instant an agent acts on its own; Infinity if never. */
  nextWakeMs(): number {
    return Math.min(this.firmware?.nextWakeMs() ?? Infinity, this.library?.nextWakeMs() ?? Infinity);
  }

  /**
   * What the agents' events mean, in order: each event is logged (`UPDATE`), then acted on.
   * `selfTestFails`: the fault the self-test would find is present (ServiceState).
   */
  meaning(nowMs: number, events: readonly (FirmwareEvent | LibraryEvent)[], selfTestFails: boolean, profile: () => BehaviourProfile): Effect[] {
    const out: Effect[] = [];
    for (const e of events) {
      out.push({ event: { type: 'UPDATE', tMs: nowMs, event: e } });
      if (e.type === 'switched' || (e.type === 'self-test' && e.result === 'fail')) {
        out.push({ reboot: 'reboot' });
      } else if (e.type === 'boot') {
        out.push({ boot: 'boot' });
        if (e.trial && this.firmware) {
          // First boot of a new image: the self-test decides whether it is committed.
          const verdict = selfTestFails ? 'fail' : selfTestVerdict(profile(), this.typeId);
          out.push(...this.meaning(nowMs, this.firmware.selfTestResult(nowMs, verdict), selfTestFails, profile));
          if (verdict === 'pass') out.push(...this.meaning(nowMs, this.firmware.markGood(nowMs), selfTestFails, profile));
        }
      } else if (e.type === 'library-activated' && this.library) {
        const lib = this.library.activeLibrary();
        if (lib) out.push({ library: lib });
      }
    }
    return out;
  }
}
