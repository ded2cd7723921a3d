/**
 * `infusim hl7 listen`: a small HL7 engine on MLLP that validates each message, answers AA/AE/AR
 * with the reason, and prints one line per message it accepts (docs/hl7.md). It runs until stopped.
 */
import type { Command } from 'commander';
import { Hl7Listener } from '../hl7/listener.js';
import { hostPortOption, portOption } from './portOptions.js';
import { buildOrder } from '../hl7/pcd03.js';
import { sendHl7 } from '../hl7/sendOrder.js';
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

interface SendOpts {
  to: { host: string; port: number };
  pump: string;
  patient: string;
  drug: string;
  vtbi: string;
  rate?: string;
  dose?: string;
  weight?: string;
  order?: string;
}

/** A positive number from an option, or the reason it is not one. */
function positive(name: string, text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  return /^\d+(\.\d+)?$/.test(text) && Number(text) > 0 ? Number(text) : `--${name} takes a positive number, got "${text}"`;
}

/** The order of `infusim hl7 send`, or the reason the options do not make one. */
function orderFrom(opts: SendOpts): string {
  const vtbi = positive('vtbi', opts.vtbi);
  const rate = positive('rate', opts.rate);
  const weight = positive('weight', opts.weight);
  const doseMatch = opts.dose === undefined ? undefined : /^(\d+(?:\.\d+)?)(\S+)$/.exec(opts.dose);
  for (const v of [vtbi, rate, weight]) if (typeof v === 'string') throw new Error(v);
  if (opts.dose !== undefined && !doseMatch) throw new Error(`--dose takes a number and its unit, e.g. 5units/h or 0.1mcg/kg/min, got "${opts.dose}"`);
  if ((rate === undefined) === (doseMatch === undefined)) throw new Error('give one of --rate (mL/h) or --dose (a dose rate with its unit)');
  const controlId = `ORD${Date.now().toString(36).toUpperCase()}`.slice(0, 20);
  return buildOrder({
    controlId,
    tMs: Date.now() - Date.UTC(2026, 0, 1),
    orderId: opts.order ?? controlId,
    patientId: opts.patient,
    pumpId: opts.pump,
    drug: opts.drug,
    vtbiMl: vtbi as number,
    ...(rate !== undefined ? { rateMlPerH: rate as number } : {}),
    ...(doseMatch ? { dose: { value: Number(doseMatch[1]), unit: doseMatch[2]! } } : {}),
    ...(weight !== undefined ? { weightKg: weight as number } : {}),
  });
}

export function registerHl7(program: Command): void {
  const hl7 = program.command('hl7').description('HL7 v2 / IHE PCD tools (docs/hl7.md)');
  hl7
    .command('send')
    .description('send one PCD-03 infusion order (RGV^O15) over MLLP to a run started with --hl7-listen, print its answer (exit 0: AA, 1: AE/AR, 2: bad input or no answer)')
    .requiredOption('--to <host:port>', "the run's --hl7-listen address", hostPortOption('--to', "a run's --hl7-listen"))
    .requiredOption('--pump <id>', 'the target pump (OBX-18 of the pump row)')
    .requiredOption('--patient <id>', 'the patient (PID-3)')
    .requiredOption('--drug <id>', "a drug of the pump's care area (RXG-4), or a fluid outside the library with --rate")
    .requiredOption('--vtbi <mL>', 'volume to be infused (RXG-5)')
    .option('--rate <mL/h>', 'a rate (RXG-15, RXG-16 mL/h)')
    .option('--dose <value+unit>', "a dose rate in the drug's unit, e.g. 5units/h (RXG-15, RXG-16)")
    .option('--weight <kg>', "the patient's weight (OBX MDC_ATTR_PT_WEIGHT)")
    .option('--order <id>', 'the order number (ORC-2)')
    .action(async (opts: SendOpts) => {
      let message: string;
      try {
        message = orderFrom(opts);
      } catch (e) {
        process.stderr.write(`infusim hl7 send: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const a = await sendHl7(opts.to.host, opts.to.port, message);
        process.stdout.write(`${a.code} ${a.ackedId}${a.reason ? `: ${a.reason}` : ''}\n`);
        process.exitCode = a.code === 'AA' ? 0 : 1;
      } catch (e) {
        process.stderr.write(`infusim hl7 send: ${(e as Error).message}\n`);
        process.exitCode = 2;
      }
    });
  hl7
    .command('listen')
    .description('receive HL7 over MLLP: validate, acknowledge (AA/AE/AR with the reason) and print each message')
    .option('--port <n>', 'TCP port (0: any free port, printed)', portOption('--port', 'listen'), 2575)
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
