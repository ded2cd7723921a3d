import type { Command } from 'commander';
import { runHeparinDemo } from '../demo/heparinDemo.js';
import { loadLibraryFile, DEFAULT_LIBRARY_PATH } from '../paths.js';
import { fmtNum } from '../../sim/trace/events.js';
import { parseSeed } from './options.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('one pump, a 2-hour heparin infusion from the drug library in virtual time, an occlusion at 40 min answered and cleared')
    .option('--seed <n>', 'seed of the pump mechanism', parseSeed, 1)
    .option('--library <file>', 'drug library (JSON)', DEFAULT_LIBRARY_PATH)
    .action((opts: { seed: number; library: string }) => {
      const seed = opts.seed;
      const library = loadLibraryFile(opts.library);
      const r = runHeparinDemo({ library, seed });
      const p = r.pump.currentProgram;
      const out: string[] = [];
      out.push(`infusim demo: large-volume pump, care area "icu" of ${library.name} ${library.version}, seed ${seed}`);
      out.push(`heparin 18 units/kg/h for 80 kg -> ${fmtNum(p?.rateMlPerH ?? 0)} mL/h, VTBI ${fmtNum(p?.vtbiMl ?? 0)} mL, then KVO`);
      out.push('');
      out.push(...r.lines);
      out.push('');
      out.push(`volume infused (counted by the pump): ${fmtNum(r.viMl)} mL`);
      out.push(`volume delivered (mechanism model):   ${fmtNum(r.deliveredMl)} mL (${fmtNum((100 * (r.deliveredMl - r.viMl)) / r.viMl)}% from counted)`);
      out.push(`event log: ${r.logEntries} entries, chain head ${r.logHead.slice(0, 16)}, ${r.pump.log.verify() === -1 ? 'verified' : 'BROKEN'}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
