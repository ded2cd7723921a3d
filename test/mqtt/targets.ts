/**
 * The brokers the MQTT suite runs against: the embedded aedes broker always, and Debian's
 * mosquitto when it is installed. In CI (CI set) a missing mosquitto fails the suite, naming the
 * package; locally the mosquitto half is skipped with the same message.
 */
import { AccessPolicy } from '../../src/harness/mqtt/acl.js';
import { EmbeddedBroker } from '../../src/harness/mqtt/broker.js';
import type { Credentials } from '../../src/harness/mqtt/credentials.js';
import { findMosquitto, MosquittoProcess } from '../../src/harness/mqtt/mosquitto.js';
import type { BrokerControl } from '../../src/harness/mqtt/mqttNetwork.js';

export interface StartedBroker {
  url: string;
  control: BrokerControl;
  close(): Promise<void>;
}

export interface Target {
  name: 'aedes' | 'mosquitto';
  available: boolean;
  start(creds: Credentials): Promise<StartedBroker>;
}

export const MOSQUITTO_MISSING = 'mosquitto is not installed: install the Debian package `mosquitto` (apt-get install -y mosquitto)';

export const mosquittoBin = findMosquitto();

if (!mosquittoBin && process.env.CI) throw new Error(`CI: ${MOSQUITTO_MISSING}`);
if (!mosquittoBin) process.stderr.write(`test/mqtt: skipping the mosquitto runs: ${MOSQUITTO_MISSING}\n`);

export const TARGETS: Target[] = [
  {
    name: 'aedes',
    available: true,
    start: async (creds) => {
      const b = new EmbeddedBroker(new AccessPolicy(creds));
      await b.start();
      return { url: b.url, control: { stop: () => b.stop(), start: () => b.start() }, close: () => b.close() };
    },
  },
  {
    name: 'mosquitto',
    available: mosquittoBin !== undefined,
    start: async (creds) => {
      const m = await MosquittoProcess.start(creds);
      return { url: m.url, control: { stop: () => m.stop(), start: () => m.startProcess() }, close: () => m.close() };
    },
  },
];
