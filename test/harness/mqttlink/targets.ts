/**
 * The brokers the MQTT suite runs against: the embedded aedes broker always, and Debian's
 * mosquitto. With INFUSIM_TEST_MOSQUITTO_URL set (.ci/run starts one mosquitto for the whole suite,
 * .ci/mosquitto-suite.sh), the mosquitto target provisions each test's credentials on that broker
 * through the dynamic security plugin (src/harness/broker/dynsec.ts) and removes them at the end. A
 * test that kills the broker mid-run (`killable`) or needs anonymous clients (`anonymous`: the
 * suite's broker refuses them) gets a mosquitto process of its own, as does every test when the
 * variable is not set. In CI (CI set) a missing variable or mosquitto fails the suite, saying what to
 * do; locally a missing mosquitto skips the mosquitto half, naming the Debian package.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessPolicy } from '../../../src/harness/broker/acl.js';
import { EmbeddedBroker } from '../../../src/harness/broker/embeddedBroker.js';
import type { Credentials } from '../../../src/harness/broker/credentials.js';
import { deprovisionDynsec, provisionDynsec, readBrokerAdmin, type DynsecTarget } from '../../../src/harness/broker/dynsec.js';
import { findMosquitto, MosquittoProcess } from '../../../src/harness/broker/mosquitto.js';
import type { BrokerControl } from '../../../src/harness/broker/control.js';

export interface StartedBroker {
  url: string;
  /** Kill and restart the broker: only a broker of the test's own (ask for `killable`). */
  control: BrokerControl | undefined;
  /** The test's own broker, or the suite's mosquitto started by .ci/run. */
  where: 'own' | 'suite';
  close(): Promise<void>;
}

export interface BrokerNeeds {
  /** The test kills and restarts the broker (gateway outage). */
  killable?: boolean;
  /** The test needs anonymous clients let in (legacy-unauthenticated). */
  anonymous?: boolean;
}

export interface Target {
  name: 'aedes' | 'mosquitto';
  available: boolean;
  start(creds: Credentials, needs?: BrokerNeeds): Promise<StartedBroker>;
}

export const MOSQUITTO_MISSING = 'mosquitto is not installed: install the Debian package `mosquitto` (apt-get install -y mosquitto)';
const SUITE_MISSING = 'INFUSIM_TEST_MOSQUITTO_URL is not set: run the suite through .ci/run, or start the suite\'s mosquitto yourself with `.ci/mosquitto-suite.sh start <dir>` and export the two lines it prints';

export const mosquittoBin = findMosquitto();

if (!mosquittoBin && process.env.CI) throw new Error(`CI: ${MOSQUITTO_MISSING}`);
if (!mosquittoBin) process.stderr.write(`test/harness: skipping the mosquitto runs: ${MOSQUITTO_MISSING}\n`);

/** The suite's mosquitto (.ci/run), or undefined when the variable is not set. */
function suiteFromEnv(): DynsecTarget | undefined {
  const url = process.env.INFUSIM_TEST_MOSQUITTO_URL;
  if (process.env.CI && !url) throw new Error(`CI: ${SUITE_MISSING}`);
  if (!url) return undefined;
  const adminFile = process.env.INFUSIM_TEST_MOSQUITTO_ADMIN;
  if (!adminFile) throw new Error('INFUSIM_TEST_MOSQUITTO_URL is set but INFUSIM_TEST_MOSQUITTO_ADMIN (the dynsec admin JSON file) is not');
  return { url, admin: readBrokerAdmin(adminFile) };
}

export const SUITE_BROKER = suiteFromEnv();

export const TARGETS: Target[] = [
  {
    name: 'aedes',
    available: true,
    start: async (creds) => {
      const b = new EmbeddedBroker(new AccessPolicy(creds));
      await b.start();
      return { url: b.url, control: { stop: () => b.stop(), start: () => b.start() }, where: 'own', close: () => b.close() };
    },
  },
  {
    name: 'mosquitto',
    available: mosquittoBin !== undefined || SUITE_BROKER !== undefined,
    start: async (creds, needs = {}) => {
      const suite = SUITE_BROKER;
      if (suite && !needs.killable && !needs.anonymous) {
        await provisionDynsec(suite, creds);
        return { url: suite.url, control: undefined, where: 'suite', close: () => deprovisionDynsec(suite, creds) };
      }
      const m = await MosquittoProcess.start(creds);
      return { url: m.url, control: { stop: () => m.stop(), start: () => m.startProcess() }, where: 'own', close: () => m.close() };
    },
  },
];

/**
 * A mosquitto with the dynamic security plugin: the suite's (.ci/run) when it is set and no extra
 * configuration is asked for, else one started here by the same script .ci/run uses
 * (.ci/mosquitto-suite.sh, the extra lines appended), stopped by close().
 */
export function dynsecBroker(extraConf: string[] = []): { target: DynsecTarget; close(): void } {
  if (SUITE_BROKER && extraConf.length === 0) return { target: SUITE_BROKER, close: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'infusim-suite-mosquitto-'));
  const r = spawnSync('bash', ['.ci/mosquitto-suite.sh', 'start', dir, ...extraConf], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`.ci/mosquitto-suite.sh start failed (${r.status ?? r.signal}): ${r.stderr}`);
  const env = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  const url = env.INFUSIM_TEST_MOSQUITTO_URL;
  const adminFile = env.INFUSIM_TEST_MOSQUITTO_ADMIN;
  if (!url || !adminFile) throw new Error(`.ci/mosquitto-suite.sh start printed no URL or admin file: ${r.stdout}`);
  return {
    target: { url, admin: readBrokerAdmin(adminFile) },
    close: () => {
      spawnSync('bash', ['.ci/mosquitto-suite.sh', 'stop', dir], { timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
