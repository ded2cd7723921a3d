/**
 * Entry file of the child-process broker (childProcessBroker.ts forks it): the same embedded aedes
 * broker, with the same authenticate / authorizePublish / authorizeSubscribe hooks and the same
 * (in-memory) persistence, in a process of its own so that a large fleet's sockets are split
 * between two processes (one descriptor per connection on each side of a loopback connection).
 *
 * IPC protocol (process.send): parent → child `{ type: 'start', port, credentials, redisUrl? }` (credentials
 * as credentialsToJson; redisUrl: a cluster node, redisBacking.ts), `{ type: 'stop' }`, `{ type: 'info', gc? }`, `{ type: 'narrow', pumpId }` (acl.ts `narrow`), `{ type: 'close' }`; child → parent
 * `{ type: 'listening', port }`, `{ type: 'stopped' }`, `{ type: 'narrowed' }`, `{ type: 'refused', line, counter }`,
 * `{ type: 'info', rss, connections }`, `{ type: 'error', message }`.
 *
 * `stop` kills the broker inside the process (every client connection destroyed, no DISCONNECT;
 * the listening server closed) and keeps its persistence; the next `start` brings up a new aedes
 * instance on the same port with that persistence (sessions, queued QoS 1 messages, retained status).
 */
import { AccessPolicy } from './acl.js';
import { EmbeddedBroker, type BrokerCounters } from './embeddedBroker.js';
import { credentialsFromJson } from './credentials.js';
import { redisBacking } from './redisBacking.js';

export type ToChild = { type: 'start'; port: number; credentials: string; redisUrl?: string | undefined } | { type: 'stop' } | { type: 'info'; gc?: boolean } | { type: 'narrow'; pumpId: string } | { type: 'close' };
export type FromChild =
  | { type: 'listening'; port: number }
  | { type: 'stopped' }
  | { type: 'narrowed' }
  | { type: 'refused'; line: string; counter: Exclude<keyof BrokerCounters, 'restarts'> }
  | { type: 'info'; rss: number; heapUsed: number; connections: number }
  | { type: 'error'; message: string };

let broker: EmbeddedBroker | undefined;
let policy: AccessPolicy | undefined;

function send(m: FromChild): void {
  process.send?.(m);
}

process.on('message', (raw: unknown) => {
  const m = raw as ToChild;
  void (async () => {
    try {
      if (m.type === 'start') {
        if (!broker) {
          policy = new AccessPolicy(credentialsFromJson(m.credentials));
          // With redisUrl: a node of a broker cluster (cluster.ts), sharing messages and sessions through Redis.
          broker = new EmbeddedBroker(
            policy,
            '127.0.0.1',
            (line, counter) => {
              if (counter !== 'restarts') send({ type: 'refused', line, counter });
            },
            m.redisUrl ? redisBacking(m.redisUrl, (line) => process.stderr.write(`infusim cluster node ${process.pid}: ${line}\n`)) : undefined,
          );
        }
        await broker.start(m.port);
        send({ type: 'listening', port: broker.port });
      } else if (m.type === 'stop') {
        await broker?.stop();
        send({ type: 'stopped' });
      } else if (m.type === 'narrow') {
        policy?.narrow(m.pumpId);
        send({ type: 'narrowed' });
      } else if (m.type === 'info') {
        if (m.gc) (globalThis as { gc?: () => void }).gc?.();
        const mem = process.memoryUsage();
        send({ type: 'info', rss: mem.rss, heapUsed: mem.heapUsed, connections: broker?.connections ?? 0 });
      } else {
        await broker?.close();
        process.disconnect?.();
        process.exit(0);
      }
    } catch (e) {
      send({ type: 'error', message: (e as Error).message });
    }
  })();
});
// The parent went away: so does the broker.
process.on('disconnect', () => process.exit(0));
