import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { writeFileSync } from 'node:fs';
import { createProgress } from '../report/progress.js';
import { formatSummary } from '../report/summary.js';
import { formatJsonReport } from '../report/json.js';
import { renderHtmlReport } from '../report/html.js';
import { renderComparisonHtml } from '../report/compareHtml.js';
import { TraceFile } from '../report/traceFile.js';
import { loadTrainingFile } from '../train/schema.js';
import { runScenario, type Speed } from '../run/runScenario.js';
import { loadScenarioFile, ScenarioError, type LoadedScenario } from '../scenario/load.js';
import { loadOrExit2 } from './options.js';
import { compareFiles, formatComparison } from '../run/compare.js';
// --- mqtt transport flags (src/harness/cli/mqttOptions.ts) ---
import { addTransportFlags, formatMqttSummary, transportFromFlags, type TransportFlags } from './mqttOptions.js';
import { addClusterFlags, applyClusterFlags, type ClusterFlags } from './clusterOptions.js';
import { addWorkerFlags, workerFlagsProblem, type WorkerFlags } from './workerOptions.js';
import { runWithWorkers } from '../run/workers.js';
// --- hl7 flags (docs/hl7.md) ---
import { hostPortOption, portOption } from './portOptions.js';
// --- monitor flags (docs/monitoring.md) ---
import { openAlertOutputs } from './alertOutputs.js';

export function parseSpeed(text: string): Speed {
  if (text === 'max') return 'max';
  const m = /^(\d+(\.\d+)?)x$/.exec(text);
  if (!m || !(Number(m[1]) > 0)) throw new InvalidArgumentError(`--speed is max or a factor like 1x, 10x (got "${text}")`);
  return Number(m[1]);
}

/** True when `file` loads as a training file (docs/training.md: a scenario with `training:` and `objectives:`). */
function loadsAsTraining(file: string): boolean {
  try {
    loadTrainingFile(file);
    return true;
  } catch {
    return false;
  }
}

/** The scenario; a training file is sent to `infusim train`, a broken one prints every problem (exit 2). */
function loadRunFile(file: string): LoadedScenario | undefined {
  try {
    return loadScenarioFile(file);
  } catch (e) {
    if (e instanceof ScenarioError && loadsAsTraining(file)) {
      process.stderr.write(`infusim run: ${file} is a training scenario (it has objectives for a trainee): run it with infusim train ${file} (docs/training.md)\n`);
      process.exitCode = 2;
      return undefined;
    }
    return loadOrExit2(() => {
      throw e;
    }, file);
  }
}

interface RunOpts extends TransportFlags, ClusterFlags, WorkerFlags {
  speed: Speed;
  compare?: string[];
  json?: string;
  html?: string;
  trace?: string;
  progress: boolean;
  color?: boolean;
  hl7?: { host: string; port: number };
  hl7Journal?: string;
  hl7Listen?: number;
  alerts?: string;
  syslog?: string;
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('run a scenario: a simulated hospital fleet with faults, safety checks and reports (exit 0: every check holds, 1: a violation, 2: bad input)')
    .argument('<scenario.yaml>', 'scenario file (docs/scenarios.md)')
    .option('--speed <max|Nx>', 'max: jump from event to event (default); 1x: real time; 10x: ten times real time', parseSpeed, 'max' as Speed)
    .option('--json <file>', 'write the full machine-readable report')
    .option('--html <file>', 'write a self-contained HTML report with charts (with --compare: one page, both runs side by side)')
    .option('--trace <file>', 'write the whole trace, one line per record')
    .option('--no-progress', 'no progress bar and no header line on stderr')
    .option('--color', 'colour PASS and FAIL in the summary')
    .option('--hl7 <host:port>', 'send IHE PCD-01 from the gateway to this HL7 engine over MLLP (docs/hl7.md)', hostPortOption('--hl7', 'an HL7 engine'))
    .option('--hl7-listen <port>', 'take IHE PCD-03 infusion orders (RGV^O15) over MLLP on this port (0: any free port, printed); docs/hl7.md', portOption('--hl7-listen', 'listen'))
    .option('--hl7-journal <file>', "the gateway's durable HL7 queue: unacknowledged messages survive a restart")
    .option('--alerts <file>', "write the traffic monitor's alerts, one JSON line each (a scenario with monitor:, docs/monitoring.md)")
    .option('--syslog <udp|tcp://host:port>', "send the traffic monitor's alerts as syslog (RFC 5424) to a SIEM as they are raised")
    .option('--compare <a.yaml b.yaml...>', 'what-if: run the same seed under two rollout policies, or two monitor settings, and report both side by side (docs/rollout.md, docs/monitoring.md)');
  addWorkerFlags(addClusterFlags(addTransportFlags(cmd, true))) // --transport mqtt, --broker, --broker-port, --ca, --credentials, --broker-admin, --mosquitto; --broker-nodes, --redis, --kill-node; --workers, --kill-shard
    .action(async (file: string, opts: RunOpts) => {
      const workersProblem = workerFlagsProblem(opts);
      if (workersProblem) {
        process.stderr.write(`infusim run: ${workersProblem}\n`);
        process.exitCode = 2;
        return;
      }
      const loaded = loadRunFile(file);
      if (!loaded) return;
      const cluster = opts.brokerNodes !== undefined || opts.redis !== undefined || opts.killNode !== undefined || opts.workers !== undefined;
      let transport = transportFromFlags({ ...opts, transport: opts.transport ?? (cluster ? 'mqtt' : undefined) });
      if (typeof transport !== 'string' && transport.kind === 'inproc' && cluster) transport = '--broker-nodes, --redis and --kill-node need --transport mqtt';
      if (typeof transport !== 'string' && transport.kind === 'mqtt') transport = applyClusterFlags(opts, transport) ?? transport;
      if (typeof transport === 'string') {
        process.stderr.write(`infusim run: ${transport}\n`);
        process.exitCode = 2;
        return;
      }
      const s = loaded.scenario;
      if (opts.compare !== undefined) {
        if (opts.compare.length !== 2) {
          process.stderr.write(`infusim run: --compare takes two files (two rollout policies or two monitor settings, docs/rollout.md), got ${opts.compare.length}\n`);
          process.exitCode = 2;
          return;
        }
        const [a, b] = opts.compare as [string, string];
        let cmp;
        try {
          cmp = await compareFiles(loaded, a, b, { speed: opts.speed });
        } catch (e) {
          // A broken file or a pair of two kinds: every problem with file:line:column (ScenarioError).
          process.stderr.write(e instanceof ScenarioError ? `${e.message}\n` : `infusim run: ${(e as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
        process.stdout.write(formatComparison(cmp.comparison));
        if (opts.json) writeFileSync(opts.json, JSON.stringify({ format: 'infusim-comparison/1', comparison: cmp.comparison }, null, 2) + '\n');
        if (opts.html) {
          // One page: the comparison, then both reports side by side.
          writeFileSync(opts.html, renderComparisonHtml(cmp.comparison, cmp.a, cmp.b));
          process.stdout.write(`HTML report (${cmp.comparison.labels[0]} and ${cmp.comparison.labels[1]} side by side): ${opts.html}\n`);
        }
        if (opts.json) process.stdout.write(`JSON comparison: ${opts.json}\n`);
        process.exitCode = cmp.a.exitCode === 0 && cmp.b.exitCode === 0 ? 0 : 1;
        return;
      }
      if (opts.workers !== undefined && transport.kind === 'mqtt') {
        if (opts.progress) process.stderr.write(`infusim run ${s.name}: seed ${s.seed}, duration ${String(s.duration)}, speed ${opts.speed === 'max' ? 'max' : `${opts.speed}x`}, ${opts.workers} worker process(es)\n`);
        const run = await runWithWorkers(loaded, { workers: opts.workers, speed: opts.speed, transport: { ...transport, log: (l) => process.stderr.write(`mqtt: ${l}\n`) }, shardKills: opts.killShard });
        process.stdout.write(formatSummary(run.result, { color: opts.color === true }) + '\n');
        process.stdout.write(formatMqttSummary(run.mqtt) + '\n');
        process.stdout.write(`workers: ${opts.workers} (pids ${run.pids.join(', ')})${opts.speed === 'max' ? `, ${run.stepRounds} step rounds` : ''}${run.kills.map((k) => `; shard ${k.shard} killed at t=${k.atMs} ms (pid ${k.killedPid}), rebuilt as pid ${k.newPid} from ${k.replayed} journal entries`).join('')}\n`);
        if (opts.json) {
          writeFileSync(opts.json, formatJsonReport(run.result));
          process.stdout.write(`JSON report: ${opts.json}\n`);
        }
        process.exitCode = run.result.exitCode;
        return;
      }
      const alertOutputs = await openAlertOutputs(s, opts);
      if (typeof alertOutputs === 'string') {
        process.stderr.write(`infusim run: ${alertOutputs}\n`);
        process.exitCode = 2;
        return;
      }
      if (opts.progress) process.stderr.write(`infusim run ${s.name}: seed ${s.seed}, duration ${String(s.duration)}, speed ${opts.speed === 'max' ? 'max' : `${opts.speed}x`}\n`);
      const progress = createProgress({ stream: process.stderr, totalMs: 1, enabled: opts.progress ? (process.stderr.isTTY ? true : 'lines') : false });
      let total = 1;
      let bar = progress;
      // --trace goes to its file as the run writes it. The run keeps its trace in memory only for
      // --html, whose per-pump pages read every record (issue 20: memory per pump flat otherwise).
      let traceFile: TraceFile | undefined;
      try {
        traceFile = opts.trace !== undefined ? new TraceFile(opts.trace) : undefined;
      } catch (e) {
        process.stderr.write(`infusim run: cannot write the trace to ${opts.trace}: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const tf = traceFile;
      const run = await runScenario(loaded, {
        speed: opts.speed,
        transport,
        keepTrace: opts.html !== undefined,
        ...(tf ? { onTraceLine: (line: string) => tf.line(line) } : {}),
        ...(opts.hl7 || opts.hl7Listen !== undefined
          ? {
              hl7: {
                ...(opts.hl7 ? { engine: opts.hl7 } : {}),
                ...(opts.hl7Journal ? { journalPath: opts.hl7Journal } : {}),
                ...(opts.hl7Listen !== undefined ? { ordersPort: opts.hl7Listen, onOrdersListening: (port: number) => process.stderr.write(`hl7 orders: listening on 127.0.0.1:${port}\n`), log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
              },
            }
          : {}),
        ...(alertOutputs ? { onAlert: alertOutputs.onAlert } : {}),
        onProgress: (p) => {
          if (p.totalMs !== total) {
            total = p.totalMs;
            bar = createProgress({ stream: process.stderr, totalMs: total, enabled: opts.progress ? (process.stderr.isTTY ? true : 'lines') : false });
          }
          bar.update(p);
        },
      });
      bar.done();
      const r = run.result;
      const alertsWhere = await alertOutputs?.close(r.monitor?.alerts ?? []);
      if (alertsWhere) process.stdout.write(`${alertsWhere}\n`);
      process.stdout.write(formatSummary(r, { color: opts.color === true }) + '\n');
      if (run.mqtt) process.stdout.write(formatMqttSummary(run.mqtt) + '\n');
      if (run.hl7) process.stdout.write(`hl7 ${run.hl7.engine}: ${run.hl7.queued} queued (${run.hl7.alerts} PCD-04), ${run.hl7.acked} acknowledged AA, ${run.hl7.pending} left, ${run.hl7.resent} resent, ${run.hl7.nacks} NACKs, ${run.hl7.timeouts} ack timeouts, p99 ack ${run.hl7.p99AckMs.toFixed(1)} ms\n`);
      const orders = run.hl7?.orders;
      if (orders) process.stdout.write(`hl7 orders 127.0.0.1:${orders.port}: ${orders.received} received, ${orders.refused} refused, ${orders.programmed} programmed, ${orders.confirmed} confirmed at the pump\n`);
      if (opts.json) writeFileSync(opts.json, formatJsonReport(r));
      if (opts.html) writeFileSync(opts.html, renderHtmlReport(r, run.trace));
      traceFile?.close();
      for (const [what, path] of [['JSON report', opts.json], ['HTML report', opts.html], ['trace', opts.trace]] as const) {
        if (path) process.stdout.write(`${what}: ${path}\n`);
      }
      process.exitCode = r.exitCode;
    });
}
