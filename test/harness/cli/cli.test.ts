import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LineSession } from '../../../src/sim/session/lineSession.js';
import { Pump } from '../../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP } from '../../../src/sim/pump/pumpTypes.js';
import { loadLibraryFile } from '../../../src/harness/paths.js';
import { CLI } from '../../support/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function infusim(args: string[], input?: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('infusim CLI', () => {
  it('demo: heparin from the library, occlusion at 40 min answered, delivered volume printed', () => {
    const r = infusim(['demo']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/heparin 18 units\/kg\/h for 80 kg -> 14\.4 mL\/h, VTBI 28\.8 mL/);
    expect(r.stdout).toMatch(/00:40:00 {2}fault {5}INJECT occlusion=down/);
    expect(r.stdout).toMatch(/00:4\d:\d\d {2}ALARM {5}high {3}Downstream occlusion \(flow stopped\)/);
    expect(r.stdout).toMatch(/occlusion cleared: 0\.\d+ mL released/);
    expect(r.stdout).toMatch(/VTBI done 28\.8 mL infused/);
    expect(r.stdout).toMatch(/volume infused \(counted by the pump\): 29\.\d+ mL/);
    expect(r.stdout).toMatch(/event log: \d+ entries, chain head [0-9a-f]{16}, verified/);
    // Same seed, same output.
    expect(infusim(['demo']).stdout).toBe(r.stdout);
  });

  it('trumpet prints the table for the volumetric pump at 25 mL/h', () => {
    const html = join(mkdtempSync(join(tmpdir(), 'infusim-trumpet-')), 'trumpet.html');
    const r = infusim(['trumpet', '--pump', 'lvp', '--rate', '25', '--html', html]);
    expect(r.status).toBe(0);
    // --html: the same curve as a chart (issue 15, item 3): Ep max and Ep min at the five windows, the ±5 % claim band.
    expect(r.stdout).toContain(`HTML chart: ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg class="chart trumpet"');
    expect(page.match(/<circle class="ep-max"/g)).toHaveLength(5);
    expect(page.match(/<circle class="ep-min"/g)).toHaveLength(5);
    expect(page).toContain('<title>claimed ±5 %</title>');
    const ep31 = /^ +31 +([+-]\d+\.\d\d) +([+-]\d+\.\d\d)$/m.exec(r.stdout);
    expect(page).toContain(`<tr><td>31</td><td>${Number(ep31?.[1]).toFixed(2)}</td><td>${Number(ep31?.[2]).toFixed(2)}</td></tr>`);
    for (const w of [2, 5, 11, 19, 31]) expect(r.stdout).toMatch(new RegExp(`^ +${w} +[+-]\\d+\\.\\d\\d +[+-]\\d+\\.\\d\\d$`, 'm'));
    expect(r.stdout).toMatch(/overall mean error A: [+-]\d+\.\d\d%/);
    // Issue 12, defect 13: the claim with its rate range (docs/clinical.md#accuracy).
    expect(r.stdout).toContain('claimed accuracy ±5% from 10 to 999 mL/h (overall error A and every 31-min window); below 10 mL/h ±30% (overall error A only)');
    expect(r.stdout).toContain('25 mL/h is inside the claimed range: ±5%');
  });

  it('trumpet below the claimed range says which claim applies', () => {
    const r = infusim(['trumpet', '--pump', 'lvp', '--rate', '0.1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('0.1 mL/h is below the claimed range (from 10 mL/h): only ±30% on the overall error A is claimed; short windows see whole strokes');
  });

  it('bad input exits 2 with a clear message', () => {
    const r = infusim(['trumpet', '--pump', 'pca9000', '--rate', '25']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--pump must be one of lvp, syringe, got "pca9000"/);
    expect(infusim(['trumpet', '--pump', 'lvp', '--rate', 'fast']).status).toBe(2);
  });

  it('--help marks the required options; every missing one is named at once, exit 2 (issue 15, item 11)', () => {
    const help = infusim(['trumpet', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--pump <type> +pump type: lvp or syringe \(required\)/);
    expect(help.stdout).toMatch(/--seed <n>(?:(?!\(required\)).)*$/m);
    const r = infusim(['firmware', 'build']);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    for (const flag of ['--fw-version', '--model', '--sequence', '--pub', '--out']) expect(lines[0]).toContain(`'${flag} `);
    expect(lines[0]).toMatch(/^error: required options .* not specified \(see infusim firmware build --help\)$/);
    const one = infusim(['trumpet', '--pump', 'lvp']);
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/^error: required option '--rate <mL\/h>' not specified/);
  });

  it('console: a person drives a pump by typing protocol lines', () => {
    const r = infusim(['console'], '1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250\n2 START\n3 TICK ms=3600000\n4 STATUS\n5 BOGUS\nhelp\n6 PROGRAM drug=heparin dose=50 weight=80 vtbi=10\nquit\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 OK rate=14.4 vtbi=250 mode=drug');
    expect(r.stdout).toContain('2 OK');
    expect(r.stdout).toMatch(/4 OK t=3600000 state=RUNNING mode=drug drug=heparin rate=14\.4 vi=14\.4 /);
    expect(r.stdout).toContain('5 ERR UNKNOWN_CMD');
    expect(r.stdout).toContain('Time moves only with TICK');
    expect(r.stdout).toMatch(/6 ERR BAD_STATE/);
  });
});

/**
 * Issue 12, defect 11: every bad option says on stderr what is wrong and what is allowed, and
 * exits 2 (before, some exited 2 in silence, and `console --area nowhere` ran without a library).
 * One case (at least) per command; the expected wording is the allowed range or choice.
 */
const BAD_OPTIONS: [string, string[], RegExp][] = [
  ['trumpet --rate 0', ['trumpet', '--pump', 'lvp', '--rate', '0'], /--rate.*must be a positive number.*"0"/],
  ['trumpet --rate abc', ['trumpet', '--pump', 'lvp', '--rate', 'abc'], /--rate.*must be a positive number.*"abc"/],
  ['trumpet --rate above the pump', ['trumpet', '--pump', 'lvp', '--rate', '5000'], /5000 mL\/h is outside 0\.1 to 999 mL\/h/],
  ['trumpet --pump', ['trumpet', '--pump', 'pca9000', '--rate', '25'], /--pump must be one of lvp, syringe, got "pca9000"/],
  ['trumpet --seed', ['trumpet', '--pump', 'lvp', '--rate', '25', '--seed', 'x'], /seed must be an integer from 0 to 4294967295, got "x"/],
  ['console --seed', ['console', '--seed', 'x'], /--seed.*seed must be an integer from 0 to 4294967295, got "x"/],
  ['console --area', ['console', '--area', 'nowhere'], /--area "nowhere" is not a care area of General Hospital .* \(known: icu, /],
  ['console --pump', ['console', '--pump', 'pca'], /--pump must be one of lvp, syringe, got "pca"/],
  ['console --status-every', ['console', '--status-every', 'often'], /--status-every.*whole number of ms.*"often"/],
  ['demo --seed -1', ['demo', '--seed', '-1'], /--seed.*seed must be an integer from 0 to 4294967295, got "-1"/],
  ['demo --library', ['demo', '--library', '/nonexistent/lib.json'], /cannot read drug library \/nonexistent\/lib\.json: no such file/],
  ['device --area', ['device', '--port', '/nonexistent/tty', '--area', 'nowhere'], /--area "nowhere" is not a care area of General Hospital .* \(known: icu, /],
  ['device --seed', ['device', '--port', '/nonexistent/tty', '--seed', '1.5'], /seed must be an integer from 0 to 4294967295, got "1\.5"/],
  ['device --clock', ['device', '--port', '/nonexistent/tty', '--clock', 'wall'], /--clock must be one of virtual, real, got "wall"/],
  ['bench --runs', ['bench', '--port', '/nonexistent/tty', '--runs', 'lots'], /--runs must be a whole number from 1 to 100000, got "lots"/],
  ['bench without --port', ['bench'], /--port <path> is required/],
  ['run --speed', ['run', 'scenarios/x.yaml', '--speed', 'fast'], /--speed is max or a factor like 1x, 10x \(got "fast"\)/],
  ['fleet --speed', ['fleet', 'scenarios/x.yaml', '--speed', 'fast'], /--speed is max or a factor like 1x, 10x \(got "fast"\)/],
  ['emulate --baud', ['emulate', '--hex', 'x.hex', '--port', '/nonexistent/u', '--baud', 'fast'], /baud must be a whole number such as 115200, got "fast"/],
  ['train --port', ['train', 'x.yaml', '--port', '99999'], /--port: a port is 0 \(any free port\) to 65535, got "99999"/],
  ['library sign --sequence', ['library', 'sign', '--library', 'scenarios/druglib/general-hospital.json', '--key', 'x.key', '--sequence', 'abc', '--out', '/nonexistent/p.json'], /--sequence.*whole number from 0.*"abc"/],
  ['library inspect without --package', ['library', 'inspect'], /required option '--package <file>' not specified/],
  ['keys gen, unknown option', ['keys', 'gen', '--bogus'], /unknown option '--bogus'/],
  ['firmware build without --fw-version', ['firmware', 'build', '--model', 'lvp', '--sequence', '1', '--pub', 'k.pub', '--out', 'x'], /^error: required option '--fw-version <x.y.z>' not specified \(see infusim firmware build --help\)$/m],
];

describe('bad options: what is wrong and what is allowed on stderr, exit 2', () => {
  it.each(BAD_OPTIONS)('%s', (_name, args, message) => {
    const r = infusim(args, '');
    expect(r.stderr, `stdout: ${r.stdout}`).toMatch(message);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });
});

/**
 * Issue 12, defect 10: the console frames lines as the serial device does (docs/protocol.md,
 * Lines): only LF ends a line, a CR counts only right before it, and bytes are bytes (a raw 0xFF
 * is named 0xff, not 0xfffd). Before, readline split on a bare CR and decoded UTF-8 first.
 */
describe('console: the same line framing as infusim device', () => {
  const bytes = Buffer.concat([
    Buffer.from('1 PROGRAM rate=10 vtbi=100\r\n2 START\n3 TITRATE rate=12\r5\n4 STATUS\n5 PING', 'latin1'),
    Buffer.from([0xff]),
    Buffer.from('\n6 PING\n7 PI', 'latin1'),
    Buffer.from('NG\r\n', 'latin1'),
  ]);

  it('a bare CR is a bad byte inside the line, not a line end; 0xFF is reported as 0xff', () => {
    const r = infusim(['console'], bytes);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('1 OK rate=10 vtbi=100 mode=basic');
    // `3 TITRATE rate=12<CR>5` is one line with a CR in column 18: refused, the rate stays 10.
    expect(lines).toContain('3 ERR BAD_CHAR byte 0x0d at column 18 is not printable ASCII');
    expect(lines.some((l) => l.startsWith('5 ERR BAD_CHAR byte 0xff at column 7 '))).toBe(true);
    expect(lines.find((l) => l.startsWith('4 OK '))).toMatch(/ state=RUNNING .* rate=10 /);
    expect(lines).not.toContain('5 OK');
    expect(lines).toContain('6 OK');
    expect(lines).toContain('7 OK');
  });

  it('prints exactly what the line session of a serial device answers to the same bytes', () => {
    const session = new LineSession(new Pump({ type: LARGE_VOLUME_PUMP, seed: 1, library: loadLibraryFile(), areaId: 'icu' }));
    const expected = session.feed(bytes.toString('latin1'));
    expect(infusim(['console'], bytes).stdout).toBe(expected.join('\n') + '\n');
  });
});
