/** Bounds on what the inventory and advisory tools read (docs/inventory.md, docs/advisories.md). */
export const MAX_ADVISORY_FILE_BYTES = 4 * 1024 * 1024;
/** The hospital's records CSV (a scenario's `inventory.records`, `advisory match --inventory`). */
export const MAX_RECORDS_FILE_BYTES = 8 * 1024 * 1024;
