/**
 * The scenario's `inventory:` block (docs/inventory.md): the calendar date at time 0, who owns the
 * pumps, where units are, the hospital's own records, pumps parked off the network, and devices
 * the network shows that are not pumps of the fleet.
 */
import { z } from 'zod';

export const OWNERS = ['clinical-engineering', 'it', 'vendor'] as const;
export type Owner = (typeof OWNERS)[number];
export const PARK_REASONS = ['storage', 'cleaning', 'repair'] as const;
export type ParkReason = (typeof PARK_REASONS)[number];

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'an id is 1 to 32 characters of a-z 0-9 _ -');
export const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date is YYYY-MM-DD');

/**
 * The block's schema, made from the scenario's own duration and target schemas (passed in, so
 * that this module and scenario/schema.ts do not import each other).
 */
export function inventorySchemaOf(duration: z.ZodType<string | number>, target: z.ZodType<string>) {
  return z
  .object({
    /** The calendar date at time 0 of the run: support status is judged against it. */
    date: isoDate.default('2026-12-01'),
    /** Who looks after the pumps: a default, and per unit. */
    owner: z.enum(OWNERS).default('clinical-engineering'),
    unitOwners: z.record(id, z.enum(OWNERS)).default({}),
    /** Where each unit is (building, floor), by unit id. */
    locations: z.record(id, z.string().min(1).max(80)).default({}),
    /** The hospital's records of its pumps (CSV, relative to the scenario): the run reports drift. */
    records: z.string().min(1).optional(),
    /** Pumps off the network (in storage, being cleaned, in repair) from `from` until `until`. */
    parked: z
      .array(z.object({ target, reason: z.enum(PARK_REASONS), from: duration.default(0), until: duration.optional() }).strict())
      .max(1000)
      .default([]),
    /** Devices the network shows that are not pumps of the fleet. */
    unknownDevices: z
      .array(z.object({ address: z.string().min(1).max(64), segment: id, seen: duration.default(0), note: z.string().max(200).default('') }).strict())
      .max(1000)
      .default([]),
  })
  .strict();
}

export type InventoryConfig = z.infer<ReturnType<typeof inventorySchemaOf>>;

/** The block's defaults, for scenarios that have none. */
export const DEFAULT_INVENTORY: InventoryConfig = { date: '2026-12-01', owner: 'clinical-engineering', unitOwners: {}, locations: {}, parked: [], unknownDevices: [] };
