/**
 * Reading an SBOM back (firmware inspect, the inventory, advisory matching): the part of a
 * CycloneDX 1.6 JSON document infusim relies on, checked field by field. A document that is not
 * one is refused with the JSON path of the first bad field and what was expected; nothing of it
 * is used (docs/inventory.md#sbom).
 */
import { z } from 'zod';
import { COMPONENT_ROLES } from './components.js';
import { PROP } from './build.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const property = z.object({ name: z.string(), value: z.string().optional() });
const entity = z.object({ name: z.string().min(1, 'a supplier name') });
const licenseChoice = z.union([
  z.object({ license: z.object({ id: z.string().min(1) }).or(z.object({ name: z.string().min(1) })) }),
  z.object({ expression: z.string().min(1) }),
]);

const componentSchema = z.object({
  type: z.string(),
  name: z.string().min(1),
  version: z.string().min(1, 'a version'),
  supplier: entity,
  licenses: z.array(licenseChoice).min(1, 'at least one licence'),
  cpe: z.string().startsWith('cpe:2.3:', 'a CPE 2.3 name (cpe:2.3:...)'),
  properties: z.array(property),
});

export const sbomSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.literal('1.6'),
  version: z.number().int().min(1),
  metadata: z.object({ component: componentSchema }),
  components: z.array(componentSchema).min(1, 'at least one component'),
});

export interface SbomComponent {
  name: string;
  version: string;
  supplier: string;
  licenses: string[];
  cpe: string;
  role: string;
  endOfSupport: string;
}

export interface Sbom {
  firmware: SbomComponent & { profile: string };
  components: SbomComponent[];
}

export class SbomError extends Error {}

/** `$.components[2].version` from a zod path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

function prop(props: readonly { name: string; value?: string | undefined }[], name: string): string | undefined {
  return props.find((p) => p.name === name)?.value;
}

/** Check a parsed JSON document; `where` names the file in errors. Throws SbomError. */
export function parseSbom(doc: unknown, where: string): Sbom {
  const r = sbomSchema.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new SbomError(`${where}: not a CycloneDX 1.6 SBOM: ${jsonPath(i.path)}: ${i.message}`);
  }
  const toComponent = (c: z.infer<typeof componentSchema>, path: string, needRole: boolean): SbomComponent => {
    const eos = prop(c.properties, PROP.endOfSupport);
    if (eos === undefined || !date.safeParse(eos).success) throw new SbomError(`${where}: ${path}.properties: expected a "${PROP.endOfSupport}" property with a date YYYY-MM-DD, got ${eos === undefined ? 'none' : JSON.stringify(eos)}`);
    const role = prop(c.properties, PROP.role) ?? '';
    if (needRole && !(COMPONENT_ROLES as readonly string[]).includes(role)) throw new SbomError(`${where}: ${path}.properties: expected a "${PROP.role}" property, one of ${COMPONENT_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
    const licenses = c.licenses.map((l) => ('expression' in l ? l.expression : 'id' in l.license ? l.license.id : l.license.name));
    return { name: c.name, version: c.version, supplier: c.supplier.name, licenses, cpe: c.cpe, role, endOfSupport: eos };
  };
  const fw = r.data.metadata.component;
  return {
    firmware: { ...toComponent(fw, '$.metadata.component', false), profile: prop(fw.properties, PROP.profile) ?? '' },
    components: r.data.components.map((c, i) => toComponent(c, `$.components[${i}]`, true)),
  };
}

/** Is `date` (YYYY-MM-DD) before `today` (YYYY-MM-DD)? Both as calendar dates. */
export function pastDate(date: string, today: string): boolean {
  return date < today;
}
