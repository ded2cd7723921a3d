/**
 * malicious-firmware (docs/monitoring.md, Attacks): a firmware image offered to pumps that the
 * vendor never signed: signed by a key of the attacker's (`signing: unknown-key`, the default) or
 * not signed at all (`unsigned`), with version `version`. Two ways in:
 * - `path: rogue` (default): a client (`client`, default rogue-updater) on segment `from` sends the
 *   offer straight to the pumps. It has no gateway key, so its update message goes unsigned and the
 *   pump's comms module refuses it before the firmware sees it.
 * - `path: gateway`: the offer comes down the update path (a spoofed update server the gateway
 *   relays): the gateway signs the message as it signs every update, and the pump's firmware
 *   updater (src/sim/firmware/updater.ts) refuses the manifest for its signature; no image reaches
 *   a slot.
 */
import { createHash } from 'node:crypto';
import { buildRelease, buildUnsignedRelease, keyIdOf } from '../../sim/firmware/index.js';
import type { HardwareModel } from '../../sim/firmware/hardware.js';
import type { SignedFirmwareManifest } from '../../sim/firmware/manifest.js';
import { ed25519FromSeed } from '../../sim/security/remoteCommand.js';
import { UPDATE_PREFIX, type UpdatePayload } from '../link/messages.js';
import { faultSpec, textArg } from '../scenario/timelineTable.js';
import type { Args, FaultContext } from './faults.js';

/** The attacker's signing key: fixed, and trusted by no pump. */
const ATTACKER = ed25519FromSeed(new Uint8Array(createHash('sha256').update('infusim-attacker-key/1').digest()));
const ATTACKER_SIGNER = { keyId: keyIdOf(ATTACKER.publicKey), privateKey: ATTACKER.privateKey };
/** A sequence above any a scenario's releases reach, so only the signature stands in the way. */
const ATTACK_SEQUENCE = 1_000_000;
const IMAGE_BYTES = 4096;
export const DEFAULT_VERSION = '9.9.9';
const YEAR_MS = 365 * 86_400_000;

function manifestFor(model: HardwareModel, version: string, signing: string, nowMs: number): SignedFirmwareManifest {
  const spec = { version, hardwareModel: model, sizeBytes: IMAGE_BYTES, sequence: ATTACK_SEQUENCE, issuedMs: nowMs, expiresMs: nowMs + YEAR_MS, minVersion: '0.0.0', releaseNotes: 'Critical update', variant: 'malicious' };
  return signing === 'unsigned' ? buildUnsignedRelease(spec, ATTACKER_SIGNER.keyId).signed : buildRelease(spec, ATTACKER_SIGNER).signed;
}

export function maliciousFirmwareSend(ctx: FaultContext, pumpIds: readonly string[], args: Args): void {
  const spec = faultSpec('malicious-firmware').args;
  const version = typeof args.version === 'string' ? args.version : DEFAULT_VERSION;
  const signing = textArg(spec, args, 'signing');
  const viaGateway = textArg(spec, args, 'path') === 'gateway';
  const first = pumpIds[0];
  if (first === undefined) return;
  const clientId = typeof args.client === 'string' && args.client !== '' ? args.client : 'rogue-updater';
  const segment = typeof args.from === 'string' && args.from !== '' ? args.from : ctx.network.segmentOf(first);
  for (const id of pumpIds) {
    const now = ctx.world.nowMs;
    const model = ctx.world.pump(id).pump.type.id;
    const payload: UpdatePayload = { op: 'fw-offer', signed: manifestFor(model, version, signing, now) };
    if (viaGateway) {
      ctx.blast?.sent(id);
      ctx.gateway.sendUpdate(id, payload);
      continue;
    }
    const counter = 5_000_000 + now;
    ctx.blast?.sent(id, counter);
    ctx.network.sendDown({ kind: 'command', pumpId: id, envelope: { pumpId: id, counter, issuedMs: now, expiresMs: now + 60_000, command: `${UPDATE_PREFIX}${JSON.stringify(payload)}` }, source: 'rogue', via: { clientId, segment } });
  }
}
