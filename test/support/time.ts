/** Virtual-time units for tests, in milliseconds (the unit of every `tMs` and `*Ms` in infusim). */
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
