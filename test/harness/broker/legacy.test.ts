/**
 * The one named weakness: a pump on the legacy-unauthenticated profile leaves its command topic
 * open to anonymous clients (CVE-2020-12040, CVE-2021-33883). Only that topic; a secure pump on
 * the same broker still gets nothing from them.
 */
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { anonymousClientId } from '../../../src/harness/broker/acl.js';
import { generateCredentials, LEGACY_UNAUTHENTICATED, type Identity } from '../../../src/harness/broker/credentials.js';
import { pumpTopic, type PumpAddress } from '../../../src/harness/contract/topics.js';
import { drained, throughMarker } from '../../support/mqtt.js';
import { TARGETS } from '../mqttlink/targets.js';


describe.each(TARGETS)('legacy-unauthenticated profile ($name)', (target) => {
  (target.available ? it : it.skip)('an anonymous client reaches the legacy pump\'s commands and nothing else', async () => {
    const creds = generateCredentials('leg', [
      { pumpId: 'old', unit: 'ward', profile: LEGACY_UNAUTHENTICATED },
      { pumpId: 'new', unit: 'ward' },
    ]);
    // The suite's mosquitto refuses anonymous clients (allow_anonymous false): a broker of its own.
    const broker = await target.start(creds, { anonymous: true });
    try {
      const listen = async (id: Identity) => {
        const c = await mqtt.connectAsync(broker.url, { clientId: id.clientId, username: id.username, password: id.password, reconnectPeriod: 0 });
        const got: string[] = [];
        c.on('message', (_t, p) => got.push(p.toString()));
        await c.subscribeAsync(pumpTopic(id.pump as PumpAddress, 'cmd'), { qos: 1 });
        return { c, got };
      };
      const old = await listen(creds.pumps.get('old') as Identity);
      const neu = await listen(creds.pumps.get('new') as Identity);
      // An anonymous client gets in only under the legacy pump's own family of client ids (acl.ts).
      const anon = await mqtt.connectAsync(broker.url, { clientId: anonymousClientId('leg', 'old', 'rogue'), reconnectPeriod: 0 });
      await anon.publishAsync(pumpTopic((creds.pumps.get('old') as Identity).pump as PumpAddress, 'cmd'), 'PAUSE', { qos: 1 });
      anon.publish(pumpTopic((creds.pumps.get('new') as Identity).pump as PumpAddress, 'cmd'), 'PAUSE', { qos: 0 });
      await drained(anon);
      const gw = await mqtt.connectAsync(broker.url, { clientId: creds.gateway.clientId, username: creds.gateway.username, password: creds.gateway.password, reconnectPeriod: 0 });
      const marker = await throughMarker(gw, pumpTopic((creds.pumps.get('new') as Identity).pump as PumpAddress, 'cmd'), () => neu.got);
      expect(old.got).toEqual(['PAUSE']);
      expect(neu.got).toEqual([marker]);
      await Promise.all([old.c.endAsync(true), neu.c.endAsync(true), anon.endAsync(true), gw.endAsync(true)]);
    } finally {
      await broker.close();
    }
  });
});
