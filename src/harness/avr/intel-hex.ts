/**
 * Intel HEX reader: turns the text avr-objcopy writes into the program memory image the
 * emulator runs. Only the record types an AVR image uses are accepted (data, end of file,
 * extended segment and linear address); checksums are verified.
 */

export class IntelHexError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`Intel HEX line ${line}: ${message}`);
    this.name = 'IntelHexError';
  }
}

/** Parse `text` into a byte image of `size` bytes (unwritten bytes stay 0xFF, as erased flash). */
export function parseIntelHex(text: string, size = 0x8000): Uint8Array {
  const image = new Uint8Array(size).fill(0xff);
  let base = 0;
  let sawEof = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]?.trim() ?? '';
    if (raw === '') continue;
    const lineNo = i + 1;
    if (sawEof) throw new IntelHexError('data after the end-of-file record', lineNo);
    if (!raw.startsWith(':') || raw.length < 11 || raw.length % 2 === 0 || !/^:[0-9A-Fa-f]+$/.test(raw)) {
      throw new IntelHexError('not a record', lineNo);
    }
    const bytes = Buffer.from(raw.slice(1), 'hex');
    const count = bytes[0] ?? 0;
    if (bytes.length !== count + 5) throw new IntelHexError('length does not match the byte count', lineNo);
    let sum = 0;
    for (const b of bytes) sum = (sum + b) & 0xff;
    if (sum !== 0) throw new IntelHexError('bad checksum', lineNo);
    const offset = ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0);
    const type = bytes[3];
    const data = bytes.subarray(4, 4 + count);
    switch (type) {
      case 0x00: {
        const at = base + offset;
        if (at + count > size) throw new IntelHexError(`data at 0x${at.toString(16)} beyond the ${size}-byte flash`, lineNo);
        image.set(data, at);
        break;
      }
      case 0x01:
        sawEof = true;
        break;
      case 0x02:
        base = (((data[0] ?? 0) << 8) | (data[1] ?? 0)) << 4;
        break;
      case 0x04:
        base = (((data[0] ?? 0) << 8) | (data[1] ?? 0)) << 16;
        break;
      case 0x03:
      case 0x05:
        break; // start address records: the AVR starts at 0 anyway
      default:
        throw new IntelHexError(`unknown record type ${String(type)}`, lineNo);
    }
  }
  if (!sawEof) throw new IntelHexError('no end-of-file record', lines.length);
  return image;
}
