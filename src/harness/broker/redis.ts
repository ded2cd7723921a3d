/**
 * Debian's redis-server (package `redis-server`) as a child process: the shared state of a broker
 * cluster (cluster.ts). It listens on 127.0.0.1 on a port reserved below the ephemeral range
 * (net/ports.ts, as mosquitto.ts does), so that it can be killed and started again on the same
 * port. It keeps everything in memory (no RDB snapshot, no AOF): a kill loses every session and
 * queued message it held (docs/scale.md). Its folder and process go on every exit path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { removeServerDir, serverDir, startServerProcess, trackServerProcess, untrackServerProcess } from '../net/childServers.js';
import { listensOn } from '../net/portOwner.js';
import type { ReservedPort } from '../net/ports.js';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server'];

export const REDIS_PACKAGE_HINT = 'install the Debian package `redis-server` (apt-get install -y redis-server), or give a Redis with --redis redis://host:port';

/** The redis-server binary (INFUSIM_REDIS_SERVER, else the usual places), or undefined. */
export function findRedisServer(): string | undefined {
  const env = process.env.INFUSIM_REDIS_SERVER;
  if (env && existsSync(env)) return env;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Does host:port answer a Redis PING with +PONG? */
export function pingRedis(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    let got = '';
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(2000, () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
    s.once('error', () => done(false));
  });
}

export class RedisProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private reserved: ReservedPort | undefined;
  readonly output: string[] = [];
  /** Told when redis-server dies without stop() or close() having asked it to. */
  onUnexpectedExit: ((why: string) => void) | undefined;

  private constructor(
    private readonly bin: string,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Start redis-server on a reserved port (or `port`) and resolve once it answers PING. */
  static async start(options: { bin?: string | undefined; port?: number | undefined } = {}): Promise<RedisProcess> {
    const bin = options.bin ?? findRedisServer();
    if (!bin) throw new Error(`redis-server is not installed: ${REDIS_PACKAGE_HINT}`);
    const dir = serverDir('infusim-redis-');
    try {
      const { server, reserved } = await startServerProcess(options.port, (port) => new RedisProcess(bin, port, dir));
      server.reserved = reserved;
      return server;
    } catch (e) {
      removeServerDir(dir);
      throw e;
    }
  }

  /** Start the process (again, after a kill: same port, empty) and wait until it answers PING. */
  async startProcess(): Promise<void> {
    if (this.child) return;
    this.output.length = 0;
    // In memory only: no snapshots (--save ""), no append-only file; loopback only.
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', '--logfile', ''];
    const child = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => {
      if (this.output.length < 200) this.output.push(d.toString());
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    this.stopping = false;
    trackServerProcess(child);
    let alive = true;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        alive = false;
        untrackServerProcess(child);
        if (this.child === child) {
          this.child = undefined;
          if (!this.stopping) this.onUnexpectedExit?.(`redis-server (pid ${child.pid ?? '?'}) exited unexpectedly (${signal ?? `code ${code}`})`);
        }
        resolve();
      });
      child.once('error', (e) => {
        alive = false;
        untrackServerProcess(child);
        if (this.child === child) this.child = undefined;
        this.output.push(e.message);
        resolve();
      });
    });
    for (let i = 0; i < 200; i++) {
      if (!alive) throw new Error(`redis-server exited: ${this.output.join('').trim().slice(-2000)}`);
      if ((await pingRedis(this.port)) && child.pid !== undefined && listensOn(child.pid, this.port) !== false) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on ${this.port}: ${this.output.join('').trim().slice(-2000)}`);
  }

  /** SIGKILL (everything it held is lost: nothing is saved). */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.stopping = true;
    c.kill('SIGKILL');
    await this.exited;
  }

  /** Stop the process (SIGTERM, SIGKILL after 5 s). */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.stopping = true;
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    c.kill('SIGTERM');
    await this.exited;
    clearTimeout(t);
  }

  async close(): Promise<void> {
    await this.stop();
    this.reserved?.release();
    this.reserved = undefined;
    removeServerDir(this.dir);
  }
}
