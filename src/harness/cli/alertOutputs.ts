/**
 * `infusim run --alerts <file>` and `--syslog <udp|tcp://host:port>` (docs/monitoring.md, Alerts):
 * checked and opened before the run (a bad target, an unreachable TCP listener or a scenario
 * without `monitor:` is bad input, exit 2), fed each alert as the monitor raises it, closed after.
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { alertJsonLine, type Alert } from '../monitor/alert.js';
import { openSyslog, parseSyslogTarget, syslogMessage, type SyslogSink } from '../monitor/syslog.js';
import type { Scenario } from '../scenario/schema.js';

export interface AlertOutputs {
  onAlert: (a: Alert) => void;
  /** Write the JSON lines and flush syslog; returns what was written where. */
  close: (alerts: readonly Alert[]) => Promise<string>;
}

/** undefined: neither flag; a string: why the flags are refused. */
export async function openAlertOutputs(s: Scenario, opts: { alerts?: string | undefined; syslog?: string | undefined }): Promise<AlertOutputs | string | undefined> {
  if (opts.alerts === undefined && opts.syslog === undefined) return undefined;
  if (!s.monitor) return `${opts.alerts !== undefined ? '--alerts' : '--syslog'} needs a scenario with a monitor: section (docs/monitoring.md)`;
  let sink: SyslogSink | undefined;
  if (opts.syslog !== undefined) {
    const target = parseSyslogTarget(opts.syslog);
    if (typeof target === 'string') return target;
    try {
      sink = await openSyslog(target);
    } catch (e) {
      return `cannot reach the syslog receiver ${opts.syslog}: ${(e as Error).message}`;
    }
  }
  const epochAtZeroMs = Date.now();
  const host = hostname();
  const procId = String(process.pid);
  let sent = 0;
  return {
    onAlert: (a) => {
      if (!sink) return;
      sink.send(syslogMessage(a, { hostname: host, procId, epochAtZeroMs }));
      sent++;
    },
    close: async (alerts) => {
      const said: string[] = [];
      if (opts.alerts !== undefined) {
        writeFileSync(opts.alerts, alerts.map((a) => alertJsonLine(a) + '\n').join(''));
        said.push(`alerts (${alerts.length}, JSON lines): ${opts.alerts}`);
      }
      if (sink) {
        try {
          await sink.close();
          said.push(`alerts sent as syslog: ${sent} to ${opts.syslog ?? ''}`);
        } catch (e) {
          said.push(`alerts sent as syslog: ${sent} to ${opts.syslog ?? ''}, with an error: ${(e as Error).message}`);
        }
      }
      return said.join('\n');
    },
  };
}
