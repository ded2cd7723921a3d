/**
 * What each firmware image is made of, as data: the five components every infusim image carries
 * (RTOS, TLS library, network stack, radio module firmware, dose-error-reduction engine), by
 * firmware version band. Every product and supplier here is fictional (docs/inventory.md#sbom);
 * the bands follow the shape of real pump fleets: an old band whose parts are past their end of
 * support, a current band, and a newer band that replaces the TLS library and network stack.
 */
import { compareVersions, isVersion } from '../../sim/firmware/version.js';

export const COMPONENT_ROLES = ['rtos', 'tls', 'network-stack', 'radio-firmware', 'dose-error-reduction'] as const;
export type ComponentRole = (typeof COMPONENT_ROLES)[number];

export interface ComponentSpec {
  role: ComponentRole;
  name: string;
  version: string;
  supplier: string;
  /** An SPDX licence id, or a licence name when it has none. */
  license: string;
  /** Calendar date (YYYY-MM-DD) after which the supplier ships no more fixes. */
  endOfSupport: string;
}

/** The CPE 2.3 name of a component: the identity advisories use to name it (docs/advisories.md). */
export function componentCpe(c: { name: string; version: string; supplier: string }): string {
  const vendor = c.supplier.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
  return `cpe:2.3:a:${vendor}:${c.name}:${c.version}:*:*:*:*:*:*:*`;
}

/** The CPE 2.3 name of a firmware image itself (the product an advisory names). */
export function firmwareCpe(model: string, version: string): string {
  return `cpe:2.3:o:infusim:${model}_pump_firmware:${version}:*:*:*:*:*:*:*`;
}

interface Band {
  /** The band holds firmware versions from this one (inclusive) to the next band's. */
  from: string;
  /** End of support of the firmware image itself. */
  endOfSupport: string;
  components: readonly ComponentSpec[];
}

/** Who makes each component, and under which licence: the same in every band. */
const MAKER: Record<ComponentRole, Pick<ComponentSpec, 'name' | 'supplier' | 'license'>> = {
  rtos: { name: 'kestrel-rtos', supplier: 'Kestrel RTOS Project', license: 'MIT' },
  tls: { name: 'larkspur-tls', supplier: 'Larkspur TLS Project', license: 'Apache-2.0' },
  'network-stack': { name: 'heron-ip', supplier: 'Heron Networking Project', license: 'BSD-3-Clause' },
  'radio-firmware': { name: 'wren-wifi-fw', supplier: 'Wren Radio Modules', license: 'LicenseRef-Wren-Proprietary' },
  'dose-error-reduction': { name: 'infusim-der', supplier: 'infusim', license: 'MIT' },
};

/** A band from each role's [version, end of support], in the order of COMPONENT_ROLES. */
function band(from: string, endOfSupport: string, parts: Record<ComponentRole, readonly [version: string, endOfSupport: string]>): Band {
  const components = COMPONENT_ROLES.map((role) => {
    const m = MAKER[role];
    const [version, partEnd] = parts[role];
    return { role, name: m.name, version, supplier: m.supplier, license: m.license, endOfSupport: partEnd };
  });
  return { from, endOfSupport, components };
}

/** Bands in ascending order of `from`. */
export const FIRMWARE_BANDS: readonly Band[] = [
  band('0.0.0', '2024-12-31', {
    rtos: ['8.2.3', '2022-06-30'],
    tls: ['0.9.8', '2020-12-31'],
    'network-stack': ['1.4.0', '2021-09-30'],
    'radio-firmware': ['2.0.7', '2023-03-31'],
    'dose-error-reduction': ['1.2.0', '2024-12-31'],
  }),
  band('1.0.0', '2029-06-30', {
    rtos: ['10.4.6', '2029-12-31'],
    tls: ['2.16.12', '2027-03-31'],
    'network-stack': ['2.1.0', '2028-06-30'],
    'radio-firmware': ['4.2.0', '2029-03-31'],
    'dose-error-reduction': ['3.0.0', '2030-12-31'],
  }),
  band('1.1.0', '2031-06-30', {
    rtos: ['10.4.6', '2029-12-31'],
    tls: ['3.1.4', '2031-12-31'],
    'network-stack': ['2.3.1', '2030-06-30'],
    'radio-firmware': ['4.3.2', '2030-03-31'],
    'dose-error-reduction': ['3.1.0', '2031-12-31'],
  }),
];

/** The band a firmware version belongs to (a version that is not MAJOR.MINOR.PATCH falls in the oldest). */
export function bandOf(version: string): Band {
  let out = FIRMWARE_BANDS[0]!;
  if (!isVersion(version)) return out;
  for (const b of FIRMWARE_BANDS) if (compareVersions(version, b.from) >= 0) out = b;
  return out;
}
