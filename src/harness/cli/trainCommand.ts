/**
 * `infusim train <training.yaml>`: run a training scenario in real time (or faster) and serve the
 * training app (central station, pump front panels, instructor page, debrief) on 127.0.0.1.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { writeFileSync } from 'node:fs';
import { loadOrExit2 } from './options.js';
import { renderDebriefHtml } from '../train/debrief.js';
import { loadTrainingFile } from '../train/schema.js';
import { startTrainingServer } from '../train/server.js';
import { openTrainingSession } from '../train/session.js';
import { MAX_SPEED, MIN_SPEED } from '../train/clock.js';
import { portOption } from './portOptions.js';

function parseTrainSpeed(text: string): number {
  const m = /^(\d+(\.\d+)?)x?$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= MIN_SPEED && n <= MAX_SPEED)) throw new InvalidArgumentError(`--speed is a factor from ${MIN_SPEED}x to ${MAX_SPEED}x, like 1x or 2x (got "${text}")`);
  return n;
}

interface TrainOpts {
  port: number;
  speed: number;
  html?: string;
  paused?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('training mode: run a training scenario in real time and serve the central station, pump front panels, instructor page and debrief in the browser (docs/training.md)')
    .argument('<training.yaml>', 'training scenario file (scenarios/training/*.yaml)')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', portOption('--port', 'listen'), 8080)
    .option('--speed <Nx>', 'virtual seconds per wall second: 1x is real time', parseTrainSpeed, 1)
    .option('--paused', 'start with the clock paused (the instructor starts it)')
    .option('--html <file>', 'write the debrief as a self-contained HTML report when the session ends')
    .action(async (file: string, opts: TrainOpts) => {
      const loaded = loadOrExit2(loadTrainingFile, file);
      if (!loaded) return;
      // A bad advisory (the file's advisory action) is refused here, before the server starts (exit 2).
      const session = await openTrainingSession(loaded, { speed: opts.speed, paused: opts.paused === true });
      let server;
      try {
        server = await startTrainingServer(session, { port: opts.port });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        process.stderr.write(`infusim train: ${code === 'EADDRINUSE' ? `port ${opts.port} is in use; try --port 0 or another port` : (e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const s = loaded.scenario;
      process.stdout.write(
        [
          `infusim train: ${s.name} (${s.description}), ${loaded.objectives.length} objectives, speed ${opts.speed}x${opts.paused ? ', paused' : ''}`,
          `  open       ${server.traineeUrl}`,
          `  instructor ${server.instructorUrl}`,
          `  debrief    ${server.url}debrief`,
          'Ctrl-C ends the session.',
          '',
        ].join('\n'),
      );
      const writeReport = (): void => {
        if (!opts.html) return;
        writeFileSync(opts.html, renderDebriefHtml(session.debrief()));
        process.stdout.write(`debrief: ${opts.html}\n`);
      };
      session.onEnd(() => {
        const sc = session.objectives.score();
        process.stdout.write(`session ended: score ${sc.points} / ${sc.max} (${sc.met} met, ${sc.missed} missed); the debrief is at ${server.url}debrief\n`);
        writeReport();
      });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          if (!session.ended) session.end();
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
