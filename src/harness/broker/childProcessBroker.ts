/**
 * The embedded broker in a child process (docs/mqtt.md, "Broker placement"). A loopback
 * connection costs a file descriptor on each side, so with the broker in the run's own process a
 * fleet of N pumps holds 2N descriptors there; above a few thousand pumps (the open-file limit is
 * often 20,000 or lower) the broker moves to a child process of its own (childProcessEntry.ts), forked
 * with its soft open-file limit raised to the hard limit.
 *
 * Killing this broker (a gateway outage) closes it inside the child, over IPC, as the in-process
 * broker does: every client connection destroyed at once (no DISCONNECT, so last wills are
 * published), the listening server closed; restarting it brings up a new aedes instance in the
 * same process, with the same persistence, on the same port. Sessions, QoS 1 messages queued for
 * offline clients and retained status survive the outage.
 *
 * `kill: 'process'` rehearses losing the broker's memory instead: the kill is a SIGKILL of the
 * child and the restart forks a fresh broker on the same port, its persistence empty. Nothing is
 * lost for it, because nothing is in flight when the broker is killed (the quiescence barrier
 * drains first), nothing is published while it is down (events stay in the pumps' outboxes),
 * every client subscribes again on reconnection and every pump publishes its retained `online`
 * status again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startOnReservedPort, type ReservedPort } from '../net/ports.js';
import type { BrokerCounters } from './embeddedBroker.js';
import type { FromChild, ToChild } from './childProcessEntry.js';
import { credentialsToJson, type Credentials } from './credentials.js';

/** Where the broker's entry file is: the compiled .js next to this file, or the .ts source (run with tsx). */
function childEntry(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./childProcessEntry.js', import.meta.url));
  // --expose-gc: info({ gc: true }) collects garbage before measuring (the benchmark's memory per pump).
  // Lean V8 flags for a process that mostly holds idle connections: a 1 MB young generation
  // (semi-space) instead of up to 16 MB, and V8's memory-over-speed heuristics (--optimize-for-size:
  // with 10,000 pumps the broker's RSS drops by about a third; the command round trip stays ~ms).
  const lean = ['--max-semi-space-size=1', '--optimize-for-size'];
  if (existsSync(js)) return { file: js, execArgv: ['--expose-gc', ...lean] };
  return { file: fileURLToPath(new URL('./childProcessEntry.ts', import.meta.url)), execArgv: ['--expose-gc', ...lean, '--import', 'tsx'] };
}

/**
 * Start `node [execArgv] file [...args]` with an IPC channel, its soft open-file limit raised to
 * the hard limit first (Node has no setrlimit: through `bash -c 'ulimit -S -n hard; exec node'`,
 * which keeps the IPC descriptor). Without bash, a plain spawn.
 */
export function forkRaisingFdLimit(file: string, args: readonly string[] = [], execArgv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  const argv = [...execArgv, file, ...args];
  if (process.platform !== 'win32' && existsSync('/bin/bash')) {
    return spawn('/bin/bash', ['-c', 'ulimit -S -n "$(ulimit -H -n)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...argv], { stdio, env });
  }
  return spawn(process.execPath, argv, { stdio, env });
}

export interface BrokerProcessInfo {
  rss: number;
  heapUsed: number;
  connections: number;
}

/** What killing the child-process broker does (docs/mqtt.md, "Broker placement"). */
export type ChildBrokerKill = 'broker' | 'process';

export class ChildProcessBroker {
  private child: ChildProcess | undefined;
  private listening = false;
  private portValue = 0;
  private reserved: ReservedPort | undefined;
  readonly counters: BrokerCounters = { connectionsRefused: 0, takeoversRefused: 0, oversizeRefused: 0, publishesDenied: 0, subscriptionsDenied: 0, restarts: 0 };
  readonly log: string[] = [];
  private infoWaiters: ((i: BrokerProcessInfo) => void)[] = [];
  /**
   * Told when the child dies without being asked to (killed from outside, crashed, out of memory):
   * an unplanned broker death, which the run reports and recovers from (docs/mqtt.md).
   */
  onUnplannedExit: ((detail: string) => void) | undefined;

  constructor(
    private readonly creds: Credentials,
    private readonly host = '127.0.0.1',
    /** 'broker' (default): close and recreate the broker inside the child, keeping its persistence; 'process': SIGKILL the child and fork a fresh one. */
    readonly kill: ChildBrokerKill = 'broker',
    /** A node of a broker cluster (cluster.ts): messages and sessions shared through this Redis. */
    private readonly redisUrl?: string,
  ) {}

  get port(): number {
    return this.portValue;
  }

  get url(): string {
    return `mqtt://${this.host}:${this.portValue}`;
  }

  /** Listening for clients. */
  get running(): boolean {
    return this.child !== undefined && this.listening;
  }

  /** The child's process id (while it runs). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Fork the broker (or, after a kill inside the child, start it again there) and wait until it listens; port 0 (the default) picks a free port, kept for restarts. */
  async start(port = this.portValue): Promise<void> {
    if (this.child && this.listening) return;
    if (port === 0) {
      // Reserved here, in the parent, so that it stays reserved when the child is killed (net/ports.ts).
      const { reserved } = await startOnReservedPort((p) => this.startOn(p), { host: this.host });
      this.reserved = reserved;
      return;
    }
    await this.startOn(port);
  }

  private async startOn(port: number): Promise<void> {
    const child = this.child ?? this.fork();
    const msg: ToChild = { type: 'start', port, credentials: credentialsToJson(this.creds), redisUrl: this.redisUrl };
    try {
      this.portValue = await this.request(child, msg, 'listening', 20_000, (m) => m.port);
      this.listening = true;
    } catch (e) {
      child.kill('SIGKILL');
      if (this.child === child) this.child = undefined;
      throw e;
    }
  }

  /**
   * Kill the broker. By default inside the child: every connection destroyed (no DISCONNECT), the
   * server closed, the persistence kept for the next start. With kill 'process': SIGKILL the child
   * (its in-memory persistence goes with it).
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.kill === 'process') {
      await this.killProcess();
      return;
    }
    if (!this.listening) return;
    this.listening = false;
    await this.request(child, { type: 'stop' }, 'stopped', 20_000, () => undefined);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.portValue);
    this.counters.restarts++;
  }

  /** Stop for good: the child process ends. */
  async close(): Promise<void> {
    await this.killProcess();
    this.reserved?.release();
    this.reserved = undefined;
  }

  private fork(): ChildProcess {
    const { file, execArgv } = childEntry();
    const child = forkRaisingFdLimit(file, [], execArgv);
    this.child = child;
    this.listening = false;
    child.on('message', (raw: unknown) => this.onMessage(raw as FromChild));
    child.on('exit', (code, signal) => {
      if (this.child === child) {
        // Not killProcess() (which forgets the child first): nobody here asked it to go.
        this.child = undefined;
        this.listening = false;
        this.onUnplannedExit?.(`the broker's child process (pid ${child.pid ?? '?'}) ${signal ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`}`);
      }
    });
    return child;
  }

  private async killProcess(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.listening = false;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Send a message to the child and wait for its answer of type `want` (an error or an exit rejects). */
  private request<T extends FromChild['type'], R>(child: ChildProcess, msg: ToChild, want: T, timeoutMs: number, pick: (m: Extract<FromChild, { type: T }>) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const t = setTimeout(() => {
        done();
        reject(new Error(`child-process broker: no "${want}" after ${timeoutMs} ms`));
      }, timeoutMs);
      const onMsg = (raw: unknown): void => {
        const m = raw as FromChild;
        if (m.type === want) {
          done();
          resolve(pick(m as Extract<FromChild, { type: T }>));
        } else if (m.type === 'error') {
          done();
          reject(new Error(`child-process broker: ${m.message}`));
        }
      };
      const onExit = (code: number | null): void => {
        done();
        reject(new Error(`child-process broker exited (${code ?? 'signal'}) before "${want}"`));
      };
      const done = (): void => {
        clearTimeout(t);
        child.off('message', onMsg);
        child.off('exit', onExit);
      };
      child.on('message', onMsg);
      child.once('exit', onExit);
      child.send(msg);
    });
  }

  /** acl-narrowed (acl.ts `narrow`): in the child's policy now, and in the credentials a fresh child starts with. */
  async narrowAcl(pumpId: string): Promise<void> {
    this.creds.legacyOpen.delete(pumpId);
    const child = this.child;
    if (child) await this.request(child, { type: 'narrow', pumpId }, 'narrowed', 20_000, () => undefined);
  }

  /** The broker process's resident memory and open client connections (after a garbage collection if gc). */
  async info(gc = false): Promise<BrokerProcessInfo> {
    const child = this.child;
    if (!child) return { rss: 0, heapUsed: 0, connections: 0 };
    const p = new Promise<BrokerProcessInfo>((resolve) => this.infoWaiters.push(resolve));
    const msg: ToChild = { type: 'info', gc };
    child.send(msg);
    return p;
  }

  private onMessage(m: FromChild): void {
    if (m.type === 'refused') {
      this.counters[m.counter]++;
      if (this.log.length < 1000) this.log.push(m.line);
    } else if (m.type === 'info') {
      const ws = this.infoWaiters;
      this.infoWaiters = [];
      for (const w of ws) w({ rss: m.rss, heapUsed: m.heapUsed, connections: m.connections });
    }
  }
}
