/**
 * An attacker's raw MQTT client (docs/monitoring.md#over-mqtt): it sends its PUBLISH packets right
 * behind its CONNECT, without waiting for the broker's answer, as a script would. A stolen pump
 * credential: the pump's user name and password under a client id of its own; the broker binds
 * each user name to its client id (broker/acl.ts) and refuses it. A scanner, a flooder, a rogue
 * update server: a client id and no login; refused too. The broker never reads their PUBLISHes; a
 * sensor on the way (sensorTap.ts) has seen them all. (Under the pump's own client id a stolen
 * credential would take over the pump's session, MQTT-3.1.4-2: not rehearsed.)
 */
import net from 'node:net';
import { encodeRemainingLength } from './mqttFrames.js';

/** How long to wait for the broker to answer and close. */
const WAIT_MS = 3000;

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

/** CONNECT, MQTT 3.1.1 (§3.1): clean session, keep alive 30 s, with a user name and password when given. */
export function connectFrame(clientId: string, username?: string, password?: string): Buffer {
  const login = username !== undefined && password !== undefined;
  const variable = Buffer.concat([str('MQTT'), Buffer.from([4, (login ? 0x80 | 0x40 : 0) | 0x02, 0, 30])]);
  const body = Buffer.concat([variable, str(clientId), ...(login ? [str(username), str(password)] : [])]);
  return Buffer.concat([Buffer.from([0x10]), encodeRemainingLength(body.length), body]);
}

/** PUBLISH at QoS 0 (§3.3). */
export function publishFrame(topic: string, payload: string): Buffer {
  const body = Buffer.concat([str(topic), Buffer.from(payload, 'utf8')]);
  return Buffer.concat([Buffer.from([0x30]), encodeRemainingLength(body.length), body]);
}

/** Send CONNECT and the PUBLISHes in one write to `url` (mqtt://host:port); resolves once the broker has closed the connection (or after WAIT_MS). */
export function sendRaw(url: string, who: { clientId: string; username?: string | undefined; password?: string | undefined }, publishes: readonly { topic: string; payload: string }[]): Promise<void> {
  const u = new URL(url);
  return new Promise<void>((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 1883) });
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(done, WAIT_MS);
    s.on('connect', () => s.write(Buffer.concat([connectFrame(who.clientId, who.username, who.password), ...publishes.map((p) => publishFrame(p.topic, p.payload))])));
    s.on('close', done);
    s.on('error', done);
  });
}
