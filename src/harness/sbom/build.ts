/**
 * The SBOM of a firmware image: a CycloneDX 1.6 JSON document built with
 * @cyclonedx/cyclonedx-library from the component table (components.ts). The bytes are
 * deterministic (no timestamp, a serial number derived from the image's identity, lists sorted),
 * so a build server and a check agree on its SHA-256, which the signed manifest carries
 * (`sbomSha256`, docs/inventory.md#sbom).
 */
import { createHash } from 'node:crypto';
import * as CDX from '@cyclonedx/cyclonedx-library';
import type { HardwareModel } from '../../sim/firmware/hardware.js';
import { bandOf, componentCpe, firmwareCpe, type ComponentSpec } from './components.js';

export interface SbomSubject {
  model: HardwareModel;
  version: string;
  profile: string;
}

/** Names of the properties infusim writes (CycloneDX property taxonomy: a namespaced name). */
export const PROP = { endOfSupport: 'infusim:end-of-support', role: 'infusim:role', profile: 'infusim:profile' } as const;

function license(id: string): CDX.Models.License {
  return id.startsWith('LicenseRef-') ? new CDX.Models.NamedLicense(id) : new CDX.Models.SpdxLicense(id);
}

function component(c: ComponentSpec): CDX.Models.Component {
  return new CDX.Models.Component(c.role === 'radio-firmware' ? CDX.Enums.ComponentType.Firmware : CDX.Enums.ComponentType.Library, c.name, {
    bomRef: `${c.name}@${c.version}`,
    version: c.version,
    supplier: new CDX.Models.OrganizationalEntity({ name: c.supplier }),
    licenses: new CDX.Models.LicenseRepository([license(c.license)]),
    cpe: componentCpe(c),
    properties: new CDX.Models.PropertyRepository([new CDX.Models.Property(PROP.role, c.role), new CDX.Models.Property(PROP.endOfSupport, c.endOfSupport)]),
  });
}

/** A UUID (RFC 4122 form, version 5 bits) from a digest of the subject: one serial number per image. */
function serialOf(s: SbomSubject): `urn:uuid:${string}` {
  const h = createHash('sha256').update(`infusim-sbom/1|${s.model}|${s.version}|${s.profile}`).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function buildSbomModel(s: SbomSubject): CDX.Models.Bom {
  const band = bandOf(s.version);
  const bom = new CDX.Models.Bom({ version: 1, serialNumber: serialOf(s) });
  bom.metadata.component = new CDX.Models.Component(CDX.Enums.ComponentType.Firmware, `${s.model}-pump-firmware`, {
    bomRef: `${s.model}-pump-firmware@${s.version}`,
    version: s.version,
    supplier: new CDX.Models.OrganizationalEntity({ name: 'infusim' }),
    licenses: new CDX.Models.LicenseRepository([new CDX.Models.SpdxLicense('MIT')]),
    cpe: firmwareCpe(s.model, s.version),
    properties: new CDX.Models.PropertyRepository([new CDX.Models.Property(PROP.profile, s.profile), new CDX.Models.Property(PROP.endOfSupport, band.endOfSupport)]),
  });
  for (const c of band.components) {
    const m = component(c);
    bom.components.add(m);
    bom.metadata.component.dependencies.add(m.bomRef);
  }
  return bom;
}

const cache = new Map<string, string>();

/** The SBOM file's text (CycloneDX 1.6 JSON, 2-space indent, sorted lists, a final newline). */
export function buildSbomJson(s: SbomSubject): string {
  const key = `${s.model}|${s.version}|${s.profile}`;
  let text = cache.get(key);
  if (text === undefined) {
    const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
    text = serializer.serialize(buildSbomModel(s), { sortLists: true, space: 2 }) + '\n';
    cache.set(key, text);
  }
  return text;
}

export function sbomSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
