/**
 * The emulated Uno's sensor inputs as a bench pin driver: the bench raises and clears the
 * occlusion, air and door conditions on the pins the firmware reads (hardware/README.md, Wiring),
 * not through the protocol under test. The inputs are active LOW (the detector pulls the pin to
 * ground when the condition holds).
 */
import type { PinDriver, SensorPin } from '../bench/types.js';
import { INFUSIM_PINS, type EmulatedUno } from './emulated-uno.js';

export function unoPinDriver(uno: EmulatedUno): PinDriver {
  return {
    name: 'emulated Uno',
    pinOf: (sensor: SensorPin): string => INFUSIM_PINS[sensor],
    set(sensor: SensorPin, active: boolean): void {
      uno.setPin(sensor, !active);
    },
  };
}
