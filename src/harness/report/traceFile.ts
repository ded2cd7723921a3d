/**
 * A trace file written while the run goes (`infusim run --trace`): one line per record, in
 * chunks, so that the run need not keep its trace in memory (issue 20). The file holds what
 * Trace.toText() would return.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Lines are written once this many characters wait. */
const CHUNK_CHARS = 1 << 16;

export class TraceFile {
  private readonly fd: number;
  private pending: string[] = [];
  private chars = 0;

  /** Opens (creates or truncates) the file now: an unwritable path fails before the run. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  line(text: string): void {
    this.pending.push(text);
    this.chars += text.length + 1;
    if (this.chars >= CHUNK_CHARS) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, `${this.pending.join('\n')}\n`);
    this.pending = [];
    this.chars = 0;
  }
}
