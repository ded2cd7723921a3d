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

const S = {
  rtos: 'Kestrel RTOS Project',
  tls: 'Larkspur TLS Project',
  net: 'Heron Networking Project',
  radio: 'Wren Radio Modules',
  der: 'infusim',
} as const;

/** Bands in ascending order of `from`. */
export const FIRMWARE_BANDS: readonly Band[] = [
  {
    from: '0.0.0',
    endOfSupport: '2024-12-31',
    components: [
      { role: 'rtos', name: 'kestrel-rtos', version: '8.2.3', supplier: S.rtos, license: 'MIT', endOfSupport: '2022-06-30' },
      { role: 'tls', name: 'larkspur-tls', version: '0.9.8', supplier: S.tls, license: 'Apache-2.0', endOfSupport: '2020-12-31' },
      { role: 'network-stack', name: 'heron-ip', version: '1.4.0', supplier: S.net, license: 'BSD-3-Clause', endOfSupport: '2021-09-30' },
      { role: 'radio-firmware', name: 'wren-wifi-fw', version: '2.0.7', supplier: S.radio, license: 'LicenseRef-Wren-Proprietary', endOfSupport: '2023-03-31' },
      { role: 'dose-error-reduction', name: 'infusim-der', version: '1.2.0', supplier: S.der, license: 'MIT', endOfSupport: '2024-12-31' },
    ],
  },
  {
    from: '1.0.0',
    endOfSupport: '2029-06-30',
    components: [
      { role: 'rtos', name: 'kestrel-rtos', version: '10.4.6', supplier: S.rtos, license: 'MIT', endOfSupport: '2029-12-31' },
      { role: 'tls', name: 'larkspur-tls', version: '2.16.12', supplier: S.tls, license: 'Apache-2.0', endOfSupport: '2027-03-31' },
      { role: 'network-stack', name: 'heron-ip', version: '2.1.0', supplier: S.net, license: 'BSD-3-Clause', endOfSupport: '2028-06-30' },
      { role: 'radio-firmware', name: 'wren-wifi-fw', version: '4.2.0', supplier: S.radio, license: 'LicenseRef-Wren-Proprietary', endOfSupport: '2029-03-31' },
      { role: 'dose-error-reduction', name: 'infusim-der', version: '3.0.0', supplier: S.der, license: 'MIT', endOfSupport: '2030-12-31' },
    ],
  },
  {
    from: '1.1.0',
    endOfSupport: '2031-06-30',
    components: [
      { role: 'rtos', name: 'kestrel-rtos', version: '10.4.6', supplier: S.rtos, license: 'MIT', endOfSupport: '2029-12-31' },
      { role: 'tls', name: 'larkspur-tls', version: '3.1.4', supplier: S.tls, license: 'Apache-2.0', endOfSupport: '2031-12-31' },
      { role: 'network-stack', name: 'heron-ip', version: '2.3.1', supplier: S.net, license: 'BSD-3-Clause', endOfSupport: '2030-06-30' },
      { role: 'radio-firmware', name: 'wren-wifi-fw', version: '4.3.2', supplier: S.radio, license: 'LicenseRef-Wren-Proprietary', endOfSupport: '2030-03-31' },
      { role: 'dose-error-reduction', name: 'infusim-der', version: '3.1.0', supplier: S.der, license: 'MIT', endOfSupport: '2031-12-31' },
    ],
  },
];

/** The band a firmware version belongs to (a version that is not MAJOR.MINOR.PATCH falls in the oldest). */
export function bandOf(version: string): Band {
  let out = FIRMWARE_BANDS[0]!;
  if (!isVersion(version)) return out;
  for (const b of FIRMWARE_BANDS) if (compareVersions(version, b.from) >= 0) out = b;
  return out;
}
