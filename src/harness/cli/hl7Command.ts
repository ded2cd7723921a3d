/**
 * `infusim hl7 listen`: a small HL7 engine on MLLP that validates each message, answers AA/AE/AR
 * with the reason, and prints one line per message it accepts (docs/hl7.md). It runs until stopped.
 */
import type { Command } from 'commander';
import { Hl7Listener } from '../hl7/listener.js';
import { parsePort } from '../hl7/cliOptions.js';
import { readDec } from '../hl7/readDec.js';

function summary(text: string): string {
  try {
    const f = readDec(text);
    const parts = [f.equipment.split('^')[0] ?? '', f.infusingStatus ?? '', f.rate ? `rate=${f.rate.value}${f.rate.unit}` : '', f.delivered ? `vi=${f.delivered.value}mL` : '', f.drug ? `drug=${f.drug}` : ''];
    return parts.filter((p) => p !== '').join(' ');
  } catch {
    return '';
  }
}

export function registerHl7(program: Command): void {
  const hl7 = program.command('hl7').description('HL7 v2 / IHE PCD tools (docs/hl7.md)');
  hl7
    .command('listen')
    .description('receive HL7 over MLLP: validate, acknowledge (AA/AE/AR with the reason) and print each message')
    .option('--port <n>', 'TCP port (0: any free port, printed)', parsePort, 2575)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--raw', 'print every accepted message whole, segments on their own lines')
    .action(async (opts: { port: number; host: string; raw?: boolean }) => {
      const listener = new Hl7Listener({
        host: opts.host,
        port: opts.port,
        onMessage: (r) => process.stdout.write(opts.raw ? `${r.text.split('\r').join('\n')}\n\n` : `${r.controlId} ${r.type} ${summary(r.text)}\n`),
        log: (line) => process.stderr.write(`hl7 listen: ${line}\n`),
      });
      let port: number;
      try {
        port = await listener.listen();
      } catch (e) {
        process.stderr.write(`infusim hl7 listen: cannot listen on ${opts.host}:${opts.port}: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(`listening on ${opts.host}:${port}\n`);
      const stop = (): void => {
        const s = listener.stats;
        process.stderr.write(`hl7 listen: ${s.accepted} accepted, ${s.duplicates} resends recognised, ${s.errors} AE, ${s.rejected} AR, ${s.garbled} garbled\n`);
        void listener.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
