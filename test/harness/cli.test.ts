import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

function infusim(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 300_000 });
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
    const r = infusim(['trumpet', '--pump', 'lvp', '--rate', '25']);
    expect(r.status).toBe(0);
    for (const w of [2, 5, 11, 19, 31]) expect(r.stdout).toMatch(new RegExp(`^ +${w} +[+-]\\d+\\.\\d\\d +[+-]\\d+\\.\\d\\d$`, 'm'));
    expect(r.stdout).toMatch(/overall mean error A: [+-]\d+\.\d\d%/);
  });

  it('bad input exits 2 with a clear message', () => {
    const r = infusim(['trumpet', '--pump', 'pca9000', '--rate', '25']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown pump type "pca9000" \(known: lvp, syringe\)/);
    expect(infusim(['trumpet', '--pump', 'lvp', '--rate', 'fast']).status).toBe(2);
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
