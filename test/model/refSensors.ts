/**
 * Sensor and fault inputs (`INJECT`) of the reference pump, as docs/protocol.md lists them and
 * the pump type data sizes them: occlusion, door, container, air (single bubble or accumulated
 * in a rolling window), self-test, communication.
 */
import type { SensorInput } from '../../src/sim/protocol/commands.js';
import type { RefPump } from './refPump.js';

export function injectSensor(pump: RefPump, i: SensorInput): void {
  switch (i.sensor) {
    case 'occlusion':
      if (i.value === 'down') pump.occludedDown = true;
      else if (i.value === 'up') pump.occludedUp = true;
      else {
        pump.occludedDown = false;
        pump.occludedUp = false;
        pump.storedInLineMl = 0;
        pump.upstreamMovedMl = 0;
        pump.alarms.causeGone('OCCLUSION_DOWN');
        pump.alarms.causeGone('OCCLUSION_UP');
      }
      break;
    case 'door':
      pump.doorOpen = i.value === 'open';
      if (pump.doorOpen) pump.raise('DOOR_OPEN');
      else pump.alarms.causeGone('DOOR_OPEN');
      break;
    case 'container':
      if (i.value === 'empty') {
        pump.containerEmpty = true;
        pump.raise('CONTAINER_EMPTY');
      } else {
        // After an empty container (counted or reported), `ok` means a full one of the same volume
        // is in place: the count starts again (docs/protocol.md, "What is loaded").
        if (pump.containerEmpty || pump.containerLeftMl <= 1e-9) pump.containerLeftMl = pump.program?.loadedMl ?? Infinity;
        pump.containerEmpty = false;
        pump.alarms.causeGone('CONTAINER_EMPTY');
      }
      break;
    case 'air': {
      pump.air = pump.air.filter((b) => b.tMs > pump.nowMs - pump.type.air.accumulatedWindowMs);
      pump.air.push({ tMs: pump.nowMs, ml: i.bubbleMl });
      const total = pump.air.reduce((s, b) => s + b.ml, 0);
      if (i.bubbleMl >= pump.type.air.singleBubbleAlarmMl || total > pump.type.air.accumulatedAlarmMl) {
        pump.raise('AIR_IN_LINE', true);
        pump.air = [];
      }
      break;
    }
    case 'selftest':
      pump.selfTestFailed = i.value === 'fail';
      if (i.value === 'fail') pump.raise('SELF_TEST_FAIL');
      // Item 6: out of service until a power cycle whose self-test passes; a passing result alone
      // repairs the fault but is not a service action (the alarm's cause ends at power-on, refPump.ts).
      break;
    case 'comm':
      if (i.value === 'lost') pump.raise('COMM_LOST');
      else pump.alarms.causeGone('COMM_LOST');
      break;
    default:
      throw new RangeError(`the reference pump does not model INJECT ${i.sensor}`);
  }
}
