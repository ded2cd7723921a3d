/**
 * The drug library format (dose error reduction, DERS). A data set holds care-area profiles;
 * each lists drugs with a concentration, a dose unit and four limits (lower hard, lower soft,
 * upper soft, upper hard) for the dose rate, the bolus dose and the VTBI. docs/clinical.md#drug-library.
 */
import { z } from 'zod';
import { amountFactor, parseDoseAmountUnit, parseDoseRateUnit } from '../dosing/doseUnits.js';

export const LIBRARY_FORMAT = 'infusim-druglib/1';

const positive = z.number().finite().positive();

export const limitsSchema = z
  .object({
    lowerHard: positive.optional(),
    lowerSoft: positive.optional(),
    upperSoft: positive.optional(),
    upperHard: positive.optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    const order: (keyof typeof l)[] = ['lowerHard', 'lowerSoft', 'upperSoft', 'upperHard'];
    let prev: { key: string; value: number } | undefined;
    for (const key of order) {
      const value = l[key];
      if (value === undefined) continue;
      if (prev && value < prev.value) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} (${value}) is below ${prev.key} (${prev.value}); limits must be lowerHard ≤ lowerSoft ≤ upperSoft ≤ upperHard` });
      }
      prev = { key, value };
    }
  });

const doseRateUnitText = z.string().superRefine((s, ctx) => {
  try {
    parseDoseRateUnit(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const doseAmountUnitText = z.string().superRefine((s, ctx) => {
  try {
    parseDoseAmountUnit(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

export const drugSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a drug id is 1 to 32 characters of a-z 0-9 _ - (it travels in protocol lines)'),
    name: z.string().min(1),
    concentration: z
      .object({
        amount: positive,
        unit: z.enum(['g', 'mg', 'mcg', 'ng', 'units', 'mU', 'mEq', 'mmol', 'kcal', 'mL']),
        volumeMl: positive,
      })
      .strict(),
    doseUnit: doseRateUnitText,
    bolusUnit: doseAmountUnitText.optional(),
    limits: z
      .object({
        doseRate: limitsSchema,
        bolusDose: limitsSchema.optional(),
        vtbiMl: limitsSchema.optional(),
      })
      .strict(),
    pumpTypes: z.array(z.enum(['lvp', 'syringe'])).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    // The dose units must convert to the concentration's unit, or no rate can be computed.
    for (const [key, text] of [['doseUnit', d.doseUnit], ['bolusUnit', d.bolusUnit]] as const) {
      if (text === undefined) continue;
      let amount;
      try {
        amount = key === 'doseUnit' ? parseDoseRateUnit(text).amount : parseDoseAmountUnit(text).amount;
      } catch {
        continue; // reported by the unit's own check
      }
      try {
        amountFactor(amount, d.concentration.unit);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${(e as Error).message}: ${key} "${text}" does not match the concentration in ${d.concentration.unit}` });
      }
    }
    if (d.limits.bolusDose && !d.bolusUnit) {
      ctx.addIssue({ code: 'custom', path: ['bolusUnit'], message: 'bolus dose limits need a bolusUnit (e.g. "units/kg")' });
    }
  });

export const careAreaSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,15}$/, 'a care area id is 1 to 16 characters of a-z 0-9 _ -'),
    name: z.string().min(1),
    weightKg: z.object({ min: positive, max: positive }).strict().optional(),
    drugs: z.array(drugSchema).min(1),
  })
  .strict()
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.drugs.forEach((d, i) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: ['drugs', i, 'id'], message: `drug id "${d.id}" appears twice in care area "${a.id}"` });
      seen.add(d.id);
    });
  });

export const drugLibrarySchema = z
  .object({
    format: z.literal(LIBRARY_FORMAT),
    name: z.string().min(1),
    version: z.string().regex(/^[0-9A-Za-z.+-]{1,32}$/, 'a version is 1 to 32 characters of 0-9 A-Z a-z . + -'),
    careAreas: z.array(careAreaSchema).min(1).max(30),
  })
  .strict()
  .superRefine((lib, ctx) => {
    const seen = new Set<string>();
    lib.careAreas.forEach((a, i) => {
      if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['careAreas', i, 'id'], message: `care area id "${a.id}" appears twice` });
      seen.add(a.id);
    });
  });

export type Limits = z.infer<typeof limitsSchema>;
export type DrugEntry = z.infer<typeof drugSchema>;
export type CareArea = z.infer<typeof careAreaSchema>;
export type DrugLibrary = z.infer<typeof drugLibrarySchema>;
