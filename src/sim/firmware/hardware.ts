/**
 * The hardware models a firmware image or a drug library package may target. They are the pump
 * types' ids (src/sim/pump/pumpTypes.ts): an image built for one model must never run on another
 * (Uptane's hardware identifier check against mix-and-match).
 */
import type { PumpType } from '../pump/pumpTypes.js';

export type HardwareModel = PumpType['id'];

export const HARDWARE_MODELS = ['lvp', 'syringe'] as const satisfies readonly HardwareModel[];
