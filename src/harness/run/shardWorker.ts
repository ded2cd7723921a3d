/**
 * A pump shard in a worker process of `infusim run --workers N` (workers.ts): the entry file of the
 * child. It runs one shard of the scenario's pumps (scenario/shard.ts) on the run's broker, the
 * gateway being in the parent process; at max speed its virtual time goes through the parent's
 * step coordinator (mqttlink/stepProtocol.ts) over the IPC channel. At the end it sends its
 * RunResult (its pumps only) and MQTT figures to the parent, which merges the shards (mergeShards.ts).
 */
import { credentialsFromJson } from '../broker/credentials.js';
import type { LoadedScenario } from '../scenario/load.js';
import { inShard, type Shard } from '../scenario/shard.js';
import { StepMember } from '../mqttlink/stepProtocol.js';
import type { JournalEntry, MqttRunInfo } from '../mqttlink/transport.js';
import type { RunResult } from './result.js';
import { runScenario, type Speed } from './runScenario.js';

/** Parent to worker. */
export type ToWorker =
  | { type: 'start'; loaded: LoadedScenario; shard: Shard; speed: Speed; url: string; nodeUrls?: readonly string[] | undefined; credentials: string; barrierTimeoutMs?: number | undefined; replay?: { untilMs: number; journal: JournalEntry[] } | undefined }
  | { type: 'release' }
  | { type: 'step'; tMs: number }
  | { type: 'resume' }
  | { type: 'go' };

/** Worker to parent (in this order on the channel: keys before the reply that follows them). */
export type FromWorker =
  | { type: 'keys'; pub: string[]; recv: string[]; journal: JournalEntry[] }
  | { type: 'parked'; target: number | 'done' }
  | { type: 'released'; nextMs: number; nowMs: number }
  | { type: 'stepped' }
  | { type: 'ready' }
  | { type: 'result'; result: RunResult; mqtt: MqttRunInfo | undefined }
  | { type: 'failed'; error: string };

function send(m: FromWorker): void {
  process.send?.(m);
}

/** Message keys published and received here, sent to the coordinator in batches (and before every reply). */
class KeyBatch {
  private pub: string[] = [];
  private recv: string[] = [];
  private journal: JournalEntry[] = [];
  private scheduled = false;

  readonly inFlight = {
    published: (k: string): void => this.add(this.pub, k),
    received: (k: string): void => this.add(this.recv, k),
  };

  /** A message a pump handled: the parent keeps the shard's journal, replayed if the shard is killed. */
  handled(e: JournalEntry): void {
    this.add(this.journal, e);
  }

  flush(): void {
    this.scheduled = false;
    if (this.pub.length === 0 && this.recv.length === 0 && this.journal.length === 0) return;
    send({ type: 'keys', pub: this.pub, recv: this.recv, journal: this.journal });
    this.pub = [];
    this.recv = [];
    this.journal = [];
  }

  private add<T>(list: T[], k: T): void {
    list.push(k);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }
}

async function start(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const keys = new KeyBatch();
  const member = m.speed === 'max' ? new StepMember(keys.inFlight) : undefined;
  let resumed: (() => void) | undefined;
  if (member) {
    process.on('message', (msg: ToWorker) => {
      if (msg.type === 'release') {
        const r = member.release();
        keys.flush();
        send({ type: 'released', ...r });
      } else if (msg.type === 'step') {
        void member.step(msg.tMs).then(
          () => {
            keys.flush();
            send({ type: 'stepped' });
          },
          (e: unknown) => send({ type: 'failed', error: (e as Error).message }),
        );
      } else if (msg.type === 'resume') {
        member.resume();
        resumed?.();
      }
    });
    // Tell the parent each time the runner parks (its next target), until it is done.
    void (async () => {
      for (;;) {
        const target = await member.parked();
        keys.flush();
        send({ type: 'parked', target });
        if (target === 'done') return;
        await new Promise<void>((r) => (resumed = r));
      }
    })();
  }
  const shard = m.shard;
  // Paced: the clock starts when the parent says go (every process at once), once this shard's pumps are connected.
  const go = new Promise<void>((resolve) => process.on('message', (msg: ToWorker) => msg.type === 'go' && resolve()));
  const run = await runScenario(m.loaded, {
    speed: m.speed,
    ...(member
      ? {}
      : {
          beforeClock: async () => {
            send({ type: 'ready' });
            await go;
          },
        }),
    keepTrace: false,
    runsPump: (i) => inShard(i, shard),
    transport: { kind: 'mqtt', brokerUrl: m.url, brokerUrls: m.nodeUrls, credentials: credentialsFromJson(m.credentials), externalGateway: true, barrierTimeoutMs: m.barrierTimeoutMs, onPumpDown: (e) => keys.handled(e), replay: m.replay, ...(member ? { steps: member } : {}) },
  });
  keys.flush();
  send({ type: 'result', result: run.result, mqtt: run.mqtt });
}

process.on('message', (msg: ToWorker) => {
  if (msg.type !== 'start') return;
  start(msg).then(
    () => process.disconnect?.(),
    (e: unknown) => {
      send({ type: 'failed', error: (e as Error).stack ?? String(e) });
      process.disconnect?.();
    },
  );
});
