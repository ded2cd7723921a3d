/**
 * The hardware models a firmware image or a drug library package may target. They are the pump
 * types' ids (src/sim/pump/pumpTypes.ts): an image built for one model must never run on another
 * (Uptane's hardware identifier check against mix-and-match).
 */
export const HARDWARE_MODELS = ['lvp', 'syringe'] as const;

/** A pump type's id (`PumpType['id']`); PUMP_TYPES has one entry per model. */
export type HardwareModel = (typeof HARDWARE_MODELS)[number];
