/**
 * The door (or syringe clamp) switch: open raises DOOR_OPEN, which stops flow and ends when the
 * door closes (docs/protocol.md, "Alarms"). No figures in the pump type data, nothing to
 * integrate, no wake: it acts on input, and at power-on an open door is announced again.
 */
import { NO_EFFECTS, clear, raise, type Effect } from './effects.js';

export class Door {
  open = false;

  /** INJECT door=open|closed. */
  input(open: boolean): readonly Effect[] {
    this.open = open;
    return [open ? raise('DOOR_OPEN') : clear('DOOR_OPEN')];
  }

  /** At power-on the switch is read again. */
  atPowerOn(): readonly Effect[] {
    return this.open ? [raise('DOOR_OPEN')] : NO_EFFECTS;
  }
}
