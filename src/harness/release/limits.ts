/** Bounds and rules of the signing tools (infusim keys, firmware, library), in one place. */

/** A PEM key file, in bytes (an Ed25519 key is under 200). */
export const MAX_KEY_FILE_BYTES = 64 * 1024;
/** A manifest, a drug library or a signed library package read by the tools, in bytes. */
export const MAX_DOCUMENT_FILE_BYTES = 4 * 1024 * 1024;
/** Permission bits a private key file must not have: any access by the group or others (as ssh). */
export const PRIVATE_KEY_FORBIDDEN_MODE = 0o077;
/** The mode `infusim keys gen` gives a private key. */
export const PRIVATE_KEY_MODE = 0o600;
