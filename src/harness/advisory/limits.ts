/** Bounds on what the advisory tools read. */
export const MAX_ADVISORY_FILE_BYTES = 4 * 1024 * 1024;
