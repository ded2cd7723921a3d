/**
 * `infusim fleet`: only the pumps, on a broker, with the user's own gateway as the system under
 * test. Here the "user's gateway" is a bare mqtt.js client with the gateway credentials that
 * `infusim fleet --write-credentials` wrote: it sees every pump's presence, telemetry and events,
 * each payload valid under the published contract, and acknowledges the events.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../src/harness/broker/acl.js';
import { EmbeddedBroker } from '../../../src/harness/broker/embeddedBroker.js';
import { credentialsFromJson } from '../../../src/harness/broker/credentials.js';
import { gatewayFilters, parseTopic, pumpTopic } from '../../../src/harness/contract/topics.js';
import { decodeUp, statusPayload } from '../../../src/harness/contract/wire.js';
import { CLI } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'infusim-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function infusim(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe('infusim fleet (only the pumps; the gateway is the user\'s)', () => {
  it('a broken scenario file exits 2 with file:line:column, before any broker is touched', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'name: x\nduration: banana\n');
    const r = await infusim(['fleet', file, '--broker', 'mqtt://127.0.0.1:1', '--credentials', join(dir, 'none.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}:2:11: duration: "banana" is not a duration`);
  });


  it('--shard k/N that is not a shard of N exits 2 with the reason', async () => {
    const r = await infusim(['fleet', 'scenarios/occlusion-drill.yaml', '--shard', '3/2', '--broker', 'mqtt://127.0.0.1:1', '--credentials', join(dir, 'none.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--shard 3/2: k is 1..N (shards are counted from 1)');
  });

  it('writes the fleet\'s credentials, then runs its pumps against a gateway of the user\'s own', async () => {
    const credsDir = join(dir, 'creds');
    const w = await infusim(['fleet', 'scenarios/occlusion-drill.yaml', '--write-credentials', credsDir]);
    expect(w.status).toBe(0);
    expect(w.stdout).toMatch(/wrote .*credentials\.json/);
    const credsFile = join(credsDir, 'credentials.json');
    const creds = credentialsFromJson(readFileSync(credsFile, 'utf8'));
    expect(creds.pumps.size).toBe(4);

    const broker = new EmbeddedBroker(new AccessPolicy(creds));
    await broker.start();
    const gw = await mqtt.connectAsync(broker.url, { clientId: creds.gateway.clientId, username: creds.gateway.username, password: creds.gateway.password, reconnectPeriod: 0 });
    const online = new Set<string>();
    const telemetry = new Set<string>();
    const events = new Map<string, number[]>();
    const invalid: string[] = [];
    const ackErrors: string[] = [];
    gw.on('message', (topic, payload) => {
      const t = parseTopic(topic);
      if (!t) {
        invalid.push(topic);
        return;
      }
      if (t.leaf === 'status') {
        const s = statusPayload.safeParse(JSON.parse(payload.toString()));
        if (!s.success) invalid.push(topic);
        else if (s.data.online) online.add(t.pumpId);
        return;
      }
      const d = decodeUp(t.leaf, payload, t.pumpId);
      if (!d.ok) {
        invalid.push(`${topic}: ${d.error}`);
        return;
      }
      if (d.value.kind === 'status') telemetry.add(d.value.pumpId);
      if (d.value.kind === 'event') {
        const seqs = events.get(d.value.pumpId) ?? [];
        seqs.push(d.value.seq);
        events.set(d.value.pumpId, seqs);
        // The user's gateway acknowledges what it ingested (cumulative), as the contract says.
        const a = creds.pumps.get(d.value.pumpId)!.pump!;
        // The callback form: an ack still in flight when the client ends fails there, not as an unhandled rejection.
        gw.publish(pumpTopic(a, 'acks'), JSON.stringify({ v: 1, pumpId: d.value.pumpId, kind: 'event-ack', uptoSeq: d.value.seq }), { qos: 1 }, (err) => {
          if (err) ackErrors.push(err.message);
        });
      }
    });
    await gw.subscribeAsync(gatewayFilters(creds.site), { qos: 1 });
    try {
      const r = await infusim(['fleet', 'scenarios/occlusion-drill.yaml', '--broker', broker.url, '--credentials', credsFile, '--speed', 'max']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/infusim fleet: 4 pumps, \d+ events sent/);
      // What the pumps sent before they exited may still be on its way to this client: wait for it.
      const all = [...creds.pumps.keys()].sort();
      await expect.poll(() => [...online].sort(), { timeout: 300_000 }).toEqual(all);
      await expect.poll(() => [...telemetry].sort(), { timeout: 300_000 }).toEqual(all);
      await expect.poll(() => events.size, { timeout: 300_000 }).toBe(4);
      expect(invalid).toEqual([]);
      // Every pump's events arrived, numbered from 1 by its outbox.
      for (const [pumpId, seqs] of events) expect(Math.min(...seqs), pumpId).toBe(1);
      // infusim's own gateway was not there: the broker saw only the pumps and this client.
      expect(r.stdout).not.toMatch(/events ingested/);
    } finally {
      // A graceful end: no new acks, and the acks in flight complete first (a forced end failed each
      // of them with "Connection closed", unhandled where they were promises).
      gw.removeAllListeners('message');
      await gw.endAsync();
      await broker.close();
      expect(ackErrors).toEqual([]);
    }
  });
});
