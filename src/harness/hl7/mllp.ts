/**
 * MLLP framing (HL7 v2 Minimal Lower Layer Protocol, IHE PCD TF-2 Appendix I): <VT> message <FS><CR>.
 * Frames are written with node-hl7-client's MLLPCodec. Reading uses this deframer instead of the
 * codec's receiveData, which joins every byte it has seen into one message and so cannot tell two
 * frames in one TCP read apart, nor report a garbled frame: here each frame comes out on its own,
 * bytes outside a frame and oversize frames are reported as garbled (the byte offset and why), and
 * the stream goes on at the next <VT>.
 */
import type { Socket } from 'node:net';
import { MLLPCodec } from 'node-hl7-client';

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;
/** The largest frame accepted (bytes); beyond it the frame is dropped as garbled. */
export const MAX_FRAME_BYTES = 1 << 20;

export type Deframed = { kind: 'frame'; text: string } | { kind: 'garbled'; reason: string };

const codec = new MLLPCodec('utf8');

export function writeFrame(socket: Socket, text: string): void {
  codec.sendMessage(socket, text, 'utf8');
}

export class MllpDeframer {
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  private sawFs = false;
  private junk = 0;
  private offset = 0;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  push(chunk: Buffer): Deframed[] {
    const out: Deframed[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.inFrame) {
        if (b === VT) {
          this.flushJunk(out);
          this.inFrame = true;
          this.sawFs = false;
          this.parts = [];
          this.size = 0;
          start = i + 1;
        } else if (b !== CR && b !== 0x0a && b !== 0x20) this.junk++;
        continue;
      }
      if (this.sawFs) {
        this.sawFs = false;
        if (b === CR) {
          this.take(chunk, start, i - 1);
          out.push({ kind: 'frame', text: Buffer.concat(this.parts).toString('utf8') });
          this.inFrame = false;
          continue;
        }
        out.push(this.garbled(`<FS> not followed by <CR> at byte ${this.offset + i}`));
        continue;
      }
      if (b === FS) this.sawFs = true;
      else if (b === VT) {
        out.push(this.garbled(`<VT> inside a frame at byte ${this.offset + i} (the frame before it had no end)`));
        this.inFrame = true;
        start = i + 1;
      }
    }
    if (this.inFrame) {
      // Keep what has come of this frame (without a trailing FS, which take() drops at the end).
      this.take(chunk, start, this.sawFs ? chunk.length - 1 : chunk.length);
      if (this.size > this.maxFrameBytes) out.push(this.garbled(`frame longer than ${this.maxFrameBytes} bytes`));
    } else this.flushJunk(out);
    this.offset += chunk.length;
    return out;
  }

  private take(chunk: Buffer, from: number, to: number): void {
    if (to > from) {
      this.parts.push(chunk.subarray(from, to));
      this.size += to - from;
    }
  }

  private garbled(reason: string): Deframed {
    this.inFrame = false;
    this.sawFs = false;
    this.parts = [];
    this.size = 0;
    return { kind: 'garbled', reason };
  }

  private flushJunk(out: Deframed[]): void {
    if (this.junk > 0) out.push({ kind: 'garbled', reason: `${this.junk} byte(s) outside a frame (no <VT>)` });
    this.junk = 0;
  }
}
