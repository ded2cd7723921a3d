/**
 * What infusim reads from a CSAF 2.0 advisory (docs/advisories.md): the products it names, by the
 * CPE of their product identification helper, and per vulnerability the product status (VEX:
 * known_affected, fixed, known_not_affected) and the remediations (vendor_fix, mitigation,
 * workaround, no_fix_planned, none_available). The document has passed the validator before this
 * reads it (csaf.ts).
 */

export interface AdvisoryRemediation {
  category: 'vendor_fix' | 'mitigation' | 'workaround' | 'no_fix_planned' | 'none_available';
  details: string;
  /** CPEs of the products it applies to. */
  cpes: string[];
}

export interface AdvisoryVulnerability {
  /** A CVE id, or the first `ids[].text`, or `vulnerabilities[i]`. */
  id: string;
  title: string;
  cwe: string;
  affected: Set<string>;
  fixed: Set<string>;
  notAffected: Set<string>;
  remediations: AdvisoryRemediation[];
}

export interface Advisory {
  id: string;
  title: string;
  publisher: string;
  vulnerabilities: AdvisoryVulnerability[];
  /** Every product the document names: product id → CPE (products without a CPE are left out). */
  products: Map<string, string>;
}

interface CsafProduct {
  product_id?: string;
  name?: string;
  product_identification_helper?: { cpe?: string };
}
interface CsafBranch {
  branches?: CsafBranch[];
  product?: CsafProduct;
}

function collectProducts(branches: readonly CsafBranch[] | undefined, out: Map<string, string>, depth = 0): void {
  if (!branches || depth > 30) return;
  for (const b of branches) {
    const cpe = b.product?.product_identification_helper?.cpe;
    if (b.product?.product_id !== undefined && cpe !== undefined) out.set(b.product.product_id, cpe);
    collectProducts(b.branches, out, depth + 1);
  }
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
  const products = new Map<string, string>();
  collectProducts(d.product_tree?.branches, products);
  for (const p of d.product_tree?.full_product_names ?? []) {
    const cpe = p.product_identification_helper?.cpe;
    if (p.product_id !== undefined && cpe !== undefined) products.set(p.product_id, cpe);
  }
  const cpes = (ids: readonly string[] | undefined): Set<string> => new Set((ids ?? []).map((id) => products.get(id)).filter((c): c is string => c !== undefined));
  return {
    id: d.document.tracking.id,
    title: d.document.title,
    publisher: d.document.publisher.name,
    products,
    vulnerabilities: (d.vulnerabilities ?? []).map((v, i) => ({
      id: v.cve ?? v.ids?.[0]?.text ?? `vulnerabilities[${i}]`,
      title: v.title ?? '',
      cwe: v.cwe ? `${v.cwe.id} ${v.cwe.name}` : '',
      affected: cpes(v.product_status?.known_affected),
      fixed: cpes([...(v.product_status?.fixed ?? []), ...(v.product_status?.first_fixed ?? [])]),
      notAffected: cpes(v.product_status?.known_not_affected),
      remediations: (v.remediations ?? []).map((r) => ({ category: r.category, details: r.details, cpes: [...cpes(r.product_ids)] })),
    })),
  };
}
