/** What the reference suite exercised: commands (with their variant) and the ERR codes answered. */
import { ERROR_CODES } from '../../../src/sim/protocol/commands.js';

export class Coverage {
  readonly commands = new Map<string, number>();
  readonly okCommands = new Map<string, number>();
  readonly errCodes = new Map<string, number>();

  record(label: string, code: string | undefined): void {
    this.commands.set(label, (this.commands.get(label) ?? 0) + 1);
    if (code === undefined) this.okCommands.set(label, (this.okCommands.get(label) ?? 0) + 1);
    else this.errCodes.set(`${label} -> ${code}`, (this.errCodes.get(`${label} -> ${code}`) ?? 0) + 1);
  }

  codes(): Set<string> {
    return new Set([...this.errCodes.keys()].map((k) => k.split(' -> ')[1] ?? ''));
  }

  report(): string {
    const line = (m: Map<string, number>): string =>
      [...m.entries()]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([k, n]) => `  ${k}: ${n}`)
        .join('\n');
    const byCode = new Map<string, number>();
    for (const [k, n] of this.errCodes) {
      const code = k.split(' -> ')[1] ?? '';
      byCode.set(code, (byCode.get(code) ?? 0) + n);
    }
    const never = ERROR_CODES.filter((c) => !byCode.has(c));
    return [`commands run (total, of which OK):`, ...[...this.commands.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([k, n]) => `  ${k}: ${n} (OK ${this.okCommands.get(k) ?? 0})`), `ERR codes answered:`, line(byCode), `ERR codes never answered: ${never.join(' ') || '-'}`, `ERR codes by command:`, line(this.errCodes)].join('\n');
  }
}

/** One per test file run: the suite prints it at the end. */
export const COVERAGE = new Coverage();
