import { describe, expect, it } from 'vitest';
import { Pump } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { ed25519FromSeed, RemoteGuard, signEnvelope, type RemoteEnvelope } from '../../src/sim/security/remoteCommand.js';

const gw = ed25519FromSeed(new Uint8Array(32).fill(1));
const other = ed25519FromSeed(new Uint8Array(32).fill(2));

function env(counter: number, command = 'PAUSE', overrides: Partial<RemoteEnvelope> = {}): RemoteEnvelope {
  return signEnvelope({ pumpId: 'p1', counter, issuedMs: 0, expiresMs: 30_000, command, ...overrides }, gw.privateKey);
}

describe('remote command authentication (signed, counter, expiry)', () => {
  it('accepts a command signed by the trusted key, then refuses its replay', () => {
    const g = new RemoteGuard({ pumpId: 'p1', trustedKey: gw.publicKey });
    expect(g.check(env(1), 0)).toBe('accepted');
    expect(g.check(env(1), 0)).toBe('replay');
    expect(g.check(env(0), 0)).toBe('replay');
    expect(g.check(env(2), 0)).toBe('accepted');
  });

  it('refuses unsigned, forged, tampered, stale and misaddressed commands', () => {
    const g = new RemoteGuard({ pumpId: 'p1', trustedKey: gw.publicKey });
    const { signature: _unused, ...unsigned } = env(1);
    expect(g.check(unsigned, 0)).toBe('unsigned');
    expect(g.check(signEnvelope({ pumpId: 'p1', counter: 1, issuedMs: 0, expiresMs: 30_000, command: 'PAUSE' }, other.privateKey), 0)).toBe('bad-signature');
    expect(g.check({ ...env(1), command: 'STOP' }, 0)).toBe('bad-signature');
    expect(g.check(env(1), 30_001)).toBe('stale');
    expect(g.check(env(2, 'PAUSE', { pumpId: 'p2' }), 0)).toBe('wrong-pump');
    // Nothing refused moved the counter.
    expect(g.lastAcceptedCounter).toBe(-1);
  });

  it('keys follow from their seed', () => {
    const a = ed25519FromSeed(new Uint8Array(32).fill(1));
    expect(a.publicKey.export({ format: 'der', type: 'spki' }).equals(gw.publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);
  });

  it('the pump refuses and logs a bad command, changes nothing, and runs a good one', () => {
    const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: 3, remote: { trustedKey: gw.publicKey, pumpId: 'p1' } });
    pump.execute({ cmd: 'PROGRAM', rateMlPerH: 50, vtbiMl: 100 });
    pump.execute({ cmd: 'START' });
    pump.takeEvents();
    const { signature: _s, ...unsigned } = env(1);
    const refused = pump.executeRemote(unsigned);
    expect(refused.verdict).toBe('unsigned');
    expect(refused.reply).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(pump.state).toBe('RUNNING');
    expect(pump.takeEvents()).toEqual([expect.objectContaining({ type: 'REMOTE_REFUSED', verdict: 'unsigned' })]);
    expect(pump.log.all().at(-1)?.text).toMatch(/^! REMOTE_REFUSED .*verdict=unsigned/);
    const accepted = pump.executeRemote(env(1));
    expect(accepted).toMatchObject({ verdict: 'accepted', reply: { ok: true } });
    expect(pump.state).toBe('PAUSED');
  });

  it('a pump with no trusted key refuses every remote command (deny by default)', () => {
    const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: 3 });
    expect(pump.executeRemote(env(1)).verdict).toBe('bad-signature');
  });

  it('legacy firmware that models the advisories accepts anything', () => {
    const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: 3, remote: { trustedKey: gw.publicKey, acceptUnauthenticated: true } });
    pump.execute({ cmd: 'PROGRAM', rateMlPerH: 50, vtbiMl: 100 });
    pump.execute({ cmd: 'START' });
    const { signature: _s, ...unsigned } = env(1);
    expect(pump.executeRemote(unsigned).verdict).toBe('accepted');
    expect(pump.state).toBe('PAUSED');
  });
});

describe('signal of intent: remote commands that raise delivery wait for a person at the pump', () => {
  function running(): Pump {
    const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: 3, remote: { trustedKey: gw.publicKey, pumpId: 'p1' } });
    pump.execute({ cmd: 'PROGRAM', rateMlPerH: 50, vtbiMl: 100 });
    pump.execute({ cmd: 'START' });
    pump.takeEvents();
    return pump;
  }

  it('a higher rate waits for CONFIRM, then runs', () => {
    const pump = running();
    const r = pump.executeRemote(env(1, 'TITRATE rate=80'));
    expect(r.reply).toMatchObject({ ok: true, fields: { pending: 1, until: 30_000 } });
    expect(pump.currentRateMlPerH()).toBe(50);
    expect(pump.takeEvents()).toEqual([expect.objectContaining({ type: 'REMOTE_PENDING', command: 'TITRATE rate=80' })]);
    pump.advanceTo(10_000);
    expect(pump.execute({ cmd: 'CONFIRM' }).ok).toBe(true);
    expect(pump.currentRateMlPerH()).toBe(80);
    expect(pump.takeEvents().map((e) => e.type)).toContain('REMOTE_CONFIRMED');
  });

  it('a lower rate or a pause runs at once (they do not raise delivery)', () => {
    const pump = running();
    expect(pump.executeRemote(env(1, 'TITRATE rate=20')).reply.ok).toBe(true);
    expect(pump.currentRateMlPerH()).toBe(20);
    expect(pump.executeRemote(env(2, 'PAUSE')).reply.ok).toBe(true);
    expect(pump.state).toBe('PAUSED');
  });

  it('too late, rejected, or confirmed from the network: nothing runs', () => {
    const pump = running();
    pump.executeRemote(env(1, 'BOLUS volume=5'));
    pump.advanceTo(31_000);
    expect(pump.execute({ cmd: 'CONFIRM' })).toMatchObject({ ok: false, code: 'BAD_STATE' });
    expect(pump.currentRateMlPerH()).toBe(50);
    expect(pump.execute({ cmd: 'REJECT' }).ok).toBe(true);
    expect(pump.execute({ cmd: 'CONFIRM' })).toMatchObject({ ok: false, code: 'BAD_STATE' });
    pump.executeRemote(signEnvelope({ pumpId: 'p1', counter: 2, issuedMs: 31_000, expiresMs: 90_000, command: 'BOLUS volume=5' }, gw.privateKey));
    expect(pump.executeRemote(signEnvelope({ pumpId: 'p1', counter: 3, issuedMs: 31_000, expiresMs: 90_000, command: 'CONFIRM' }, gw.privateKey)).reply).toMatchObject({ ok: false, code: 'NOT_SUPPORTED' });
    expect(pump.currentRateMlPerH()).toBe(50);
  });

  it('legacy firmware asks nobody (the weakness it models)', () => {
    const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: 3, remote: { trustedKey: gw.publicKey, acceptUnauthenticated: true } });
    pump.execute({ cmd: 'PROGRAM', rateMlPerH: 50, vtbiMl: 100 });
    pump.execute({ cmd: 'START' });
    expect(pump.executeRemote(env(1, 'TITRATE rate=300')).reply.ok).toBe(true);
    expect(pump.currentRateMlPerH()).toBe(300);
  });
});
