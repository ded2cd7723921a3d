/**
 * What infusim reads from a CSAF 2.0 advisory (docs/advisories.md): the products it names, by the
 * CPE of their product identification helper, and per vulnerability the product status (VEX:
 * known_affected, fixed, known_not_affected) and the remediations (vendor_fix, mitigation,
 * workaround, no_fix_planned, none_available). The document has passed the validator before this
 * reads it (csaf.ts). A product under a `product_version_range` branch names a vers range
 * (vers.ts) of the product its CPE names.
 */
import { isVersRange, parseVers, VersError, type VersRange } from './vers.js';

/**
 * A product an advisory names: one CPE, or (a `product_version_range` branch) every version in a
 * vers range of the product its CPE names (part, vendor and product; the CPE's own version is
 * not used then, `*` by convention).
 */
export interface ProductRef {
  cpe: string;
  range?: VersRange | undefined;
}

export interface AdvisoryRemediation {
  category: 'vendor_fix' | 'mitigation' | 'workaround' | 'no_fix_planned' | 'none_available';
  details: string;
  /** The products it applies to. */
  products: ProductRef[];
}

export interface AdvisoryVulnerability {
  /** A CVE id, or the first `ids[].text`, or `vulnerabilities[i]`. */
  id: string;
  title: string;
  cwe: string;
  affected: ProductRef[];
  fixed: ProductRef[];
  notAffected: ProductRef[];
  remediations: AdvisoryRemediation[];
}

export interface Advisory {
  id: string;
  title: string;
  publisher: string;
  vulnerabilities: AdvisoryVulnerability[];
  /** Every product the document names: product id → its CPE and range (products without a CPE are left out). */
  products: Map<string, ProductRef>;
}

/** A version range infusim cannot read, at its JSON path (the advisory's bad input). */
export class ProductRangeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

interface CsafProduct {
  product_id?: string;
  name?: string;
  product_identification_helper?: { cpe?: string };
}
interface CsafBranch {
  category?: string;
  name?: string;
  branches?: CsafBranch[];
  product?: CsafProduct;
}

function collectProducts(branches: readonly CsafBranch[] | undefined, out: Map<string, ProductRef>, path: string, range?: VersRange, depth = 0): void {
  if (!branches || depth > 30) return;
  branches.forEach((b, i) => {
    const at = `${path}/${i}`;
    let r = range;
    if (b.category === 'product_version_range' && typeof b.name === 'string') {
      // CSAF 2.0 §3.1.2.3.2 recommends vers for a version range; infusim reads only that form.
      try {
        r = parseVers(b.name);
      } catch (e) {
        if (!(e instanceof VersError)) throw e;
        throw new ProductRangeError(`${at}/name`, isVersRange(b.name) ? e.message : `"${b.name}" is not a vers range: infusim reads a product_version_range in the vers syntax (vers:generic/>=2.0.0|<2.3.1)`);
      }
    }
    const cpe = b.product?.product_identification_helper?.cpe;
    if (b.product?.product_id !== undefined && cpe !== undefined) out.set(b.product.product_id, r ? { cpe, range: r } : { cpe });
    collectProducts(b.branches, out, `${at}/branches`, r, depth + 1);
  });
}

/** The part of a validated CSAF document infusim uses. */
export function advisoryOf(doc: Record<string, unknown>): Advisory {
  const d = doc as {
    document: { title: string; publisher: { name: string }; tracking: { id: string } };
    product_tree?: { branches?: CsafBranch[]; full_product_names?: CsafProduct[] };
    vulnerabilities?: {
      cve?: string;
      ids?: { text: string }[];
      title?: string;
      cwe?: { id: string; name: string };
      product_status?: { known_affected?: string[]; fixed?: string[]; first_fixed?: string[]; known_not_affected?: string[] };
      remediations?: { category: AdvisoryRemediation['category']; details: string; product_ids?: string[] }[];
    }[];
  };
  const products = new Map<string, ProductRef>();
  collectProducts(d.product_tree?.branches, products, '/product_tree/branches');
  for (const p of d.product_tree?.full_product_names ?? []) {
    const cpe = p.product_identification_helper?.cpe;
    if (p.product_id !== undefined && cpe !== undefined) products.set(p.product_id, { cpe });
  }
  const refs = (ids: readonly string[] | undefined): ProductRef[] => [...new Set(ids ?? [])].map((id) => products.get(id)).filter((c): c is ProductRef => c !== undefined);
  return {
    id: d.document.tracking.id,
    title: d.document.title,
    publisher: d.document.publisher.name,
    products,
    vulnerabilities: (d.vulnerabilities ?? []).map((v, i) => ({
      id: v.cve ?? v.ids?.[0]?.text ?? `vulnerabilities[${i}]`,
      title: v.title ?? '',
      cwe: v.cwe ? `${v.cwe.id} ${v.cwe.name}` : '',
      affected: refs(v.product_status?.known_affected),
      fixed: refs([...(v.product_status?.fixed ?? []), ...(v.product_status?.first_fixed ?? [])]),
      notAffected: refs(v.product_status?.known_not_affected),
      remediations: (v.remediations ?? []).map((r) => ({ category: r.category, details: r.details, products: refs(r.product_ids) })),
    })),
  };
}
