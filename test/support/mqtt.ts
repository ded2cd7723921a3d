/**
 * Barriers for MQTT tests that show something did NOT get through: instead of sleeping a fixed time
 * (too short on a loaded machine, so the test passes for the wrong reason), wait until the broker
 * has provably handled the packets in question.
 */
import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';

/**
 * Wait until the broker has handled everything `c` sent so far: a QoS 1 publish after them is
 * answered (PUBACK, also for a denied topic on mosquitto) or ends the connection (aedes closes a
 * client whose publish is denied). Either way the packets before it on this connection are done.
 */
export function drained(c: MqttClient): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!c.connected) {
      resolve();
      return;
    }
    const done = (): void => {
      c.off('close', done);
      resolve();
    };
    // A closed connection never answers: its close is the sign (mqtt.js keeps the publish for a reconnection).
    c.once('close', done);
    c.publish('infusim/v1/test-drain', 'drain', { qos: 1 }, () => done());
  });
}

/**
 * Publish a marker from a client that may publish on `topic`, and wait until `received()` (what a
 * subscriber has received) includes it: everything the broker routed to that subscriber before the
 * marker has then arrived too.
 */
export async function throughMarker(via: MqttClient, topic: string, received: () => readonly string[], marker = `marker-${Math.random().toString(36).slice(2)}`): Promise<string> {
  await via.publishAsync(topic, marker, { qos: 1 });
  await expect.poll(() => received().some((s) => s === marker || s.endsWith(` ${marker}`)), { timeout: 60_000 }).toBe(true);
  return marker;
}
