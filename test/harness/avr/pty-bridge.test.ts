/**
 * The emulated board behind a socat pseudo-terminal, driven with the serialport package the way
 * the bench drives a real board on /dev/ttyACM0.
 */
import { join } from 'node:path';
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import { describe, expect, it } from 'vitest';
import { IN_CI } from '../../hardware/helpers.js';
import { missingPtyTools, unoOnPtyForBlock } from '../../support/emulatedUno.js';

const missing = missingPtyTools();

describe('pty bridge tools', () => {
  it('are installed (required on CI; locally the tests below say what is missing)', () => {
    if (missing !== undefined && IN_CI) expect.fail(`the pty bridge cannot be tested: ${missing ?? ''}`);
  });
});

describe.skipIf(missing !== undefined)(`emulated Uno on a socat pty${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const { dir } = unoOnPtyForBlock('infusim-pty-');

  it('talks the line protocol to a serialport client', async () => {
    const port = new SerialPort({ path: join(dir, 'uno'), baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const parser = port.pipe(new ReadlineParser({ delimiter: '\n' }));
    const lines: string[] = [];
    const waiters: { id: string; resolve: (l: string) => void }[] = [];
    parser.on('data', (line: string) => {
      lines.push(line);
      const w = waiters.find((x) => line.startsWith(`${x.id} `));
      if (w) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
    const request = (id: string, command: string): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${id} ${command}; got:\n${lines.join('\n')}`)), 20_000);
        waiters.push({
          id,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        port.write(`${id} ${command}\n`);
      });
    try {
      expect(await request('a1', 'PING')).toBe('a1 OK');
      expect(await request('a2', 'INFO')).toMatch(/^a2 OK model=lvp .*clock=virtual/);
      expect(await request('a3', 'PROGRAM rate=60 vtbi=10')).toBe('a3 OK rate=60 vtbi=10 mode=basic');
      expect(await request('a4', 'START')).toBe('a4 OK');
      expect(await request('a5', 'TICK ms=6000')).toBe('a5 OK t=6000');
      expect(lines.filter((l) => l.startsWith('* STATUS'))).toHaveLength(6);
      // 60 mL/h for 6 s = 0.1 mL.
      expect(await request('a6', 'STATUS')).toMatch(/^a6 OK t=6000 state=RUNNING .*vi=0\.1 /);
      expect(await request('a7', 'TICK ms=1')).toBe('a7 OK t=6001');
      expect(await request('a8', 'NOPE')).toMatch(/^a8 ERR UNKNOWN_CMD /);
    } finally {
      await new Promise<void>((resolve) => port.close(() => resolve()));
    }
  });
});
