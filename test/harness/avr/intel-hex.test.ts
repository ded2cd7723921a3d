import { describe, expect, it } from 'vitest';
import { IntelHexError, parseIntelHex } from '../../../src/harness/avr/intel-hex.js';

describe('parseIntelHex', () => {
  it('reads data records at their addresses, with extended addresses', () => {
    const hex = [':020000040000FA', ':0400100001020304E2', ':020000021000EC', ':02000000AABB99', ':00000001FF'].join('\n');
    const image = parseIntelHex(hex, 0x20000);
    expect([...image.subarray(0x10, 0x14)]).toEqual([1, 2, 3, 4]);
    expect([...image.subarray(0x10000, 0x10002)]).toEqual([0xaa, 0xbb]);
    expect(image[0]).toBe(0xff);
  });

  it('refuses bad checksums, missing end records and data beyond the flash', () => {
    expect(() => parseIntelHex(':0400100001020304E3\n:00000001FF')).toThrow(IntelHexError);
    expect(() => parseIntelHex(':0400100001020304E2')).toThrow(/end-of-file/);
    expect(() => parseIntelHex(':0400100001020304E2\n:00000001FF', 0x12)).toThrow(/beyond/);
  });
});
