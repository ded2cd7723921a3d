/** Conformance checks, one row each: every error code, and that a request refused changed nothing (docs/protocol.md). */
import { expect, skip, okReply, refused, unchanged, findLimitedDrug, PCA_PROGRAM, type Check } from './conformanceKit.js';

export const ERROR_CHECKS: readonly Check[] = [
  { name: 'ERR BAD_LINE', run: async (c) => refused(c, '', 'BAD_LINE') },
  {
    name: 'ERR TOO_LONG',
    async run(c) {
      const before = await c.d.status();
      const lines = await c.d.rawThenSync(`${'x'.repeat(121)}\n${'y'.repeat(500)}\nl1 PING${' '.repeat(113)}\n`);
      const long = lines.filter((l) => l.startsWith('? ERR TOO_LONG'));
      expect(long.length === 2, `${long.length} TOO_LONG replies to 2 overlong lines: ${lines.join(' | ')}`);
      expect(lines.some((l) => l.startsWith('l1 OK')), 'a line of exactly 120 characters was not accepted');
      await unchanged(c, before);
      return '121 and 500 chars: ? ERR TOO_LONG; 120 chars accepted';
    },
  },
  {
    name: 'ERR BAD_CHAR',
    async run(c) {
      const before = await c.d.status();
      const lines = [...(await c.d.rawThenSync(Buffer.from('c1 PI\x07NG', 'latin1'))), ...(await c.d.rawThenSync(Buffer.from('c2 STATUS\xff', 'latin1')))];
      expect(lines.some((l) => l.startsWith('c1 ERR BAD_CHAR')) && lines.some((l) => l.startsWith('c2 ERR BAD_CHAR')), `replies: ${lines.join(' | ')}`);
      await unchanged(c, before);
      return 'control byte and 0xff refused with the id kept';
    },
  },
  { name: 'ERR UNKNOWN_CMD', run: async (c) => refused(c, 'FROB', 'UNKNOWN_CMD') },
  { name: 'ERR MISSING_ARG', run: async (c) => refused(c, 'AREA', 'MISSING_ARG') },
  { name: 'ERR BAD_ARG', run: async (c) => refused(c, 'PING x=1', 'BAD_ARG') },
  {
    name: 'ERR OUT_OF_RANGE',
    async run(c) {
      await c.d.reset(c.p.area);
      return refused(c, 'PROGRAM rate=5000 vtbi=10', 'OUT_OF_RANGE');
    },
  },
  {
    name: 'ERR BAD_STATE',
    async run(c) {
      await c.d.reset(c.p.area);
      await refused(c, 'START', 'BAD_STATE');
      await okReply(c, 'PROGRAM rate=50 vtbi=20 end=stop');
      await okReply(c, 'START');
      return refused(c, 'PROGRAM rate=60 vtbi=20', 'BAD_STATE');
    },
  },
  {
    name: 'ERR NO_DRUG',
    async run(c) {
      await c.d.reset(c.p.area);
      return refused(c, 'AREA id=nowhere', 'NO_DRUG');
    },
  },
  {
    name: 'ERR HARD_LIMIT',
    async run(c) {
      await c.d.reset(c.p.area);
      const drug = await findLimitedDrug(c);
      if (!drug) skip(`no drug with upper soft and hard limits in area ${c.p.area}`);
      await refused(c, `PROGRAM drug=${drug.id} dose=${+(drug.hardHi * 1.5).toFixed(3)}${drug.extra} vtbi=50`, 'HARD_LIMIT');
      return `${drug.id} above ${drug.hardHi}`;
    },
  },
  {
    name: 'ERR SOFT_LIMIT',
    async run(c) {
      await c.d.reset(c.p.area);
      const drug = await findLimitedDrug(c);
      if (!drug) skip(`no drug with upper soft and hard limits in area ${c.p.area}`);
      const dose = +((drug.softHi + drug.hardHi) / 2).toFixed(3);
      await refused(c, `PROGRAM drug=${drug.id} dose=${dose}${drug.extra} vtbi=50`, 'SOFT_LIMIT');
      await okReply(c, `PROGRAM drug=${drug.id} dose=${dose}${drug.extra} vtbi=50 override=1`);
      await c.d.reset(c.p.area);
      return `${drug.id} dose ${dose} refused, then accepted with override=1`;
    },
  },
  {
    name: 'ERR ALARM_ACTIVE',
    async run(c) {
      const pins = c.d.pins;
      if (!c.p.inject && !pins) skip('needs INJECT or a pin driver to raise a flow-stopping alarm (INJECT is NOT_SUPPORTED; no pin driver)');
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=50 vtbi=20 end=stop');
      if (c.p.inject) await okReply(c, 'INJECT door=open');
      else await c.d.actAndWait(() => pins?.set('door', true), /^! ALARM .*id=DOOR_OPEN/);
      await refused(c, 'START', 'ALARM_ACTIVE');
      await c.d.reset(c.p.area);
      return `START refused with the door open${c.p.inject || !pins ? '' : ` (door pin ${pins.pinOf?.('door') ?? ''} of the ${pins.name})`}`;
    },
  },
  {
    name: 'ERR LOCKOUT, PCA_LIMIT',
    async run(c) {
      if (!c.p.pca) skip('device does not implement PCA (NOT_SUPPORTED)');
      await c.d.reset(c.p.area);
      await okReply(c, PCA_PROGRAM);
      await okReply(c, 'START');
      await okReply(c, 'DEMAND');
      await refused(c, 'DEMAND', 'LOCKOUT');
      if (c.p.clock === 'real') return 'LOCKOUT (PCA_LIMIT needs TICK)';
      await okReply(c, 'TICK ms=600000');
      await refused(c, 'DEMAND', 'PCA_LIMIT');
      await c.d.reset(c.p.area);
      return 'second demand in lockout refused; demand past the 1 h limit refused';
    },
  },
  {
    name: 'ERR NOT_SUPPORTED',
    async run(c) {
      if (c.p.clock === 'real') return refused(c, 'TICK ms=1000', 'NOT_SUPPORTED');
      if (!c.p.inject) return refused(c, 'INJECT door=open', 'NOT_SUPPORTED');
      if (!c.p.pca) return refused(c, 'DEMAND', 'NOT_SUPPORTED');
      skip('the device implements every command the suite sends');
    },
  },
];
