// Label taxonomy: maps fine dataset labels (e.g. "DoS Hulk", "neptune") to model class spaces —
// the seven Mini-XDR classes and, for the KDD family, the classic five categories. The mapping
// lives in datasets/taxonomy.json (data, not code).
import { z } from 'zod';
import taxonomyDocument from '../../datasets/taxonomy.json';
import { didYouMean } from '../util/nearest-name';
import { DatasetSchemaError, UnmappedLabelError } from './errors';

/** The class spaces a fine label can be mapped to. */
export type LabelScheme = 'mini-xdr' | 'kdd-category';

/** The Mini-XDR classes, in canonical order. */
export const MINI_XDR_CLASSES = ['Normal', 'DDoS/DoS', 'Reconnaissance', 'Brute Force', 'Web Attack', 'Malware/Botnet', 'APT/Infiltration'] as const;

/** The classic KDD categories, in canonical order. */
export const KDD_CATEGORIES = ['normal', 'DoS', 'Probe', 'R2L', 'U2R'] as const;

const schemeSchema = z
  .object({
    classes: z.array(z.string().min(1)).min(1),
    labels: z.record(z.string().min(1), z.string().min(1)),
  })
  .strict()
  .superRefine((scheme, ctx) => {
    for (const [label, cls] of Object.entries(scheme.labels)) {
      if (!scheme.classes.includes(cls)) {
        ctx.addIssue({ code: 'custom', message: `label "${label}" maps to unknown class "${cls}"`, path: ['labels', label] });
      }
    }
  });

const taxonomySchema = z
  .object({
    version: z.number().int().positive(),
    description: z.string().optional(),
    schemes: z.object({ 'mini-xdr': schemeSchema, 'kdd-category': schemeSchema }).strict(),
  })
  .strict();

/** A validated taxonomy document. */
export type Taxonomy = z.infer<typeof taxonomySchema>;

let cached: Taxonomy | undefined;

/**
 * Loads and validates a taxonomy: the shipped datasets/taxonomy.json by default, or the given
 * document. Throws DatasetSchemaError naming the bad entries.
 *
 * @example const t = loadTaxonomy(); t.schemes['mini-xdr'].classes
 */
export function loadTaxonomy(document?: unknown): Taxonomy {
  if (document === undefined && cached !== undefined) return cached;
  const parsed = taxonomySchema.safeParse(document ?? taxonomyDocument);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new DatasetSchemaError(`invalid taxonomy: ${issues}`, undefined, { cause: parsed.error });
  }
  if (document === undefined) cached = parsed.data;
  return parsed.data;
}

/**
 * True when the fine label has a mapping in the scheme. A class of the scheme is its own label:
 * feedback on a model's prediction names the class (`Probe`), not a fine label (`nmap`).
 */
export function hasMapping(fine: string, scheme: LabelScheme, taxonomy: Taxonomy = loadTaxonomy()): boolean {
  return Object.prototype.hasOwnProperty.call(taxonomy.schemes[scheme].labels, fine) || taxonomy.schemes[scheme].classes.includes(fine);
}

/**
 * Maps a fine label to its class in the given scheme. Throws UnmappedLabelError when the label
 * has no entry (e.g. a CICIDS2017 label under 'kdd-category').
 *
 * @example mapLabel('Web Attack - XSS', 'mini-xdr') // 'Web Attack'
 * @example mapLabel('neptune', 'kdd-category')      // 'DoS'
 */
export function mapLabel(fine: string, scheme: LabelScheme, taxonomy: Taxonomy = loadTaxonomy()): string {
  if (!hasMapping(fine, scheme, taxonomy)) throw new UnmappedLabelError(fine, scheme);
  return Object.prototype.hasOwnProperty.call(taxonomy.schemes[scheme].labels, fine) ? taxonomy.schemes[scheme].labels[fine] : fine;
}

/** A dataset's own label map: fine label → Mini-XDR class, recorded in its manifest at ingest. */
export type LabelMap = Readonly<Record<string, string>>;

/**
 * Checks a label map document (`{ "<fine label>": "<Mini-XDR class>" }`): every value must be a
 * Mini-XDR class. Throws DatasetSchemaError naming each bad entry, with the nearest class.
 * @example parseLabelMap({ Exploits: 'Web Attack', Normal: 'Normal' })
 */
export function parseLabelMap(document: unknown): LabelMap {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new DatasetSchemaError('a label map must be a JSON object { "<fine label>": "<Mini-XDR class>" }');
  }
  const classes: readonly string[] = MINI_XDR_CLASSES;
  const problems: string[] = [];
  const out: Record<string, string> = {};
  for (const [label, cls] of Object.entries(document as Record<string, unknown>)) {
    if (label.trim().length === 0) problems.push('an empty label');
    else if (typeof cls !== 'string' || !classes.includes(cls))
      problems.push(`"${label}" maps to ${JSON.stringify(cls)}, not a Mini-XDR class${typeof cls === 'string' ? didYouMean(cls, classes) : ''}`);
    else out[label] = cls;
  }
  if (problems.length > 0) throw new DatasetSchemaError(`invalid label map: ${problems.join('; ')} (classes: ${classes.join(', ')})`);
  return out;
}

/**
 * The taxonomy with a dataset's label map laid over its Mini-XDR scheme (the map wins for a label
 * both name). Without a map, the taxonomy itself.
 * @example mapLabel('Exploits', 'mini-xdr', withLabelMap(loadTaxonomy(), manifest.labelMap))
 */
export function withLabelMap(taxonomy: Taxonomy, labelMap: LabelMap | undefined): Taxonomy {
  if (labelMap === undefined || Object.keys(labelMap).length === 0) return taxonomy;
  const scheme = taxonomy.schemes['mini-xdr'];
  return { ...taxonomy, schemes: { ...taxonomy.schemes, 'mini-xdr': { ...scheme, labels: { ...scheme.labels, ...labelMap } } } };
}
