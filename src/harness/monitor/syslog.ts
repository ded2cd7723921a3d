/**
 * Alerts to a team's SIEM as syslog (RFC 5424) over UDP (one message per datagram, RFC 5426) or
 * TCP (octet-counting framing, RFC 6587 section 3.4.1). Facility 4, security/authorization
 * (RFC 5424 Table 1); severity by the alert's: critical 2, high 3 (error), medium 4 (warning),
 * low 5 (notice) (Table 2). The timestamp is the run's start on the wall clock plus the alert's
 * virtual time; the virtual time itself, the pump, segment and client go in structured data
 * under the documentation enterprise number 32473 (RFC 5612).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { connect, type Socket } from 'node:net';
import type { Severity } from '../scenario/monitorSchema.js';
import type { Alert } from './alert.js';
import { portRule, readHostPort } from '../net/portText.js';

const FACILITY_SECURITY = 4;
const SEVERITY_CODE: Readonly<Record<Severity, number>> = { critical: 2, high: 3, medium: 4, low: 5 };
/** RFC 5424 6.3.3: in a PARAM-VALUE, '"', '\' and ']' are escaped with '\'. */
const sdEscape = (v: string): string => v.replace(/["\\\]]/g, (c) => `\\${c}`);
/** RFC 5424 6.2: HOSTNAME, APP-NAME and MSGID are printable US-ASCII without spaces. */
const token = (v: string, max: number): string => v.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';

export interface SyslogOptions {
  hostname: string;
  appName?: string | undefined;
  procId?: string | undefined;
  /** Wall-clock time (ms since the epoch) of the run's virtual time 0. */
  epochAtZeroMs: number;
}

/** One RFC 5424 message (without transport framing). */
export function syslogMessage(a: Alert, o: SyslogOptions): string {
  const pri = FACILITY_SECURITY * 8 + SEVERITY_CODE[a.severity];
  const ts = new Date(o.epochAtZeroMs + a.atMs).toISOString();
  const params = [['atMs', String(a.atMs)], ['severity', a.severity], ...(a.pumpId ? [['pump', a.pumpId]] : []), ...(a.segment ? [['segment', a.segment]] : []), ...(a.clientId ? [['client', a.clientId]] : [])];
  const sd = `[infusim@32473 ${params.map(([k, v]) => `${k}="${sdEscape(v ?? '')}"`).join(' ')}]`;
  return `<${pri}>1 ${ts} ${token(o.hostname, 255)} ${token(o.appName ?? 'infusim', 48)} ${token(o.procId ?? '-', 128)} ${token(a.kind, 32)} ${sd} ${a.detail}`;
}

export interface SyslogTarget {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
}

/** `udp://host:port` or `tcp://host:port` (IPv6 in brackets); a message saying what is wrong otherwise. */
export function parseSyslogTarget(text: string): SyslogTarget | string {
  const m = /^(udp|tcp):\/\/(.*)$/.exec(text);
  const hp = m ? readHostPort(m[2] as string) : undefined;
  if (!m || !hp) return `--syslog takes udp://host:port or tcp://host:port (${portRule('connect')}), got "${text}"`;
  return { transport: m[1] as 'udp' | 'tcp', ...hp };
}

export interface SyslogSink {
  send(message: string): void;
  /** Every message handed over to the OS (UDP) or written and the connection ended (TCP). */
  close(): Promise<void>;
}

/** Open the connection (TCP: connected, or the error); messages are sent in order. */
export async function openSyslog(t: SyslogTarget): Promise<SyslogSink> {
  return t.transport === 'udp' ? openUdp(t) : openTcp(t);
}

function openUdp(t: SyslogTarget): SyslogSink {
  const socket: UdpSocket = createSocket(isIPv6(t.host) ? 'udp6' : 'udp4');
  let pending = 0;
  let error: Error | undefined;
  let drained: (() => void) | undefined;
  socket.on('error', (e) => (error ??= e));
  return {
    send(message) {
      pending++;
      socket.send(Buffer.from(message, 'utf8'), t.port, t.host, (e) => {
        if (e) error ??= e;
        if (--pending === 0) drained?.();
      });
    },
    async close() {
      if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      if (error) throw error;
    },
  };
}

async function openTcp(t: SyslogTarget): Promise<SyslogSink> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host: t.host, port: t.port });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
  let error: Error | undefined;
  socket.on('error', (e) => (error ??= e));
  return {
    send(message) {
      const body = Buffer.from(message, 'utf8');
      socket.write(`${body.length} `);
      socket.write(body);
    },
    async close() {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
      });
      if (error) throw error;
    },
  };
}
