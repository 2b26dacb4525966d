// Makes a version's model card from the platform's stores (registry, artefacts, drift reports),
// with Chart.js and the console's chart helpers inlined, and stores it beside the version's artefacts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { driftStatus, type DriftCheckReport } from '../core/drift-check';
import { UnknownResourceError } from '../core/errors';
import { modelCardKey, renderModelCard } from '../core/report';
import { versionDetails } from '../core/registry/version-details';
import { chartJsPath, CONSOLE_DIR } from '../local/console-assets';
import type { Platform } from './compose';

/** A stored model card: the HTML, the version it describes and its key in the artefacts bucket. */
export interface ModelCard {
  readonly model: string;
  readonly version: number;
  readonly html: string;
  readonly bucket: string;
  readonly key: string;
}

/** The version `M` means: `production`'s, else the newest. */
async function resolveVersion(platform: Platform, model: string, version?: number): Promise<number> {
  if (version !== undefined) return version;
  const d = await platform.registry.describeModel(model);
  const production = d.aliases.production;
  if (production && !production.removed) return production.version;
  const newest = d.versions.reduce((max, v) => Math.max(max, v.version), 0);
  if (!newest) throw new UnknownResourceError(`model ${model} has no version`);
  return newest;
}

/**
 * Builds the card of `model` (at `version`, else production's, else the newest) and stores it.
 * @example const card = await makeModelCard(platform, 'general'); writeFileSync('report.html', card.html);
 */
export async function makeModelCard(platform: Platform, model: string, version?: number, now: () => Date = () => new Date()): Promise<ModelCard> {
  const artefacts = platform.stores.buckets.artefacts;
  const v = await resolveVersion(platform, model, version);
  const details = await versionDetails({ registry: platform.registry, artefacts }, model, v);
  const lineage = await platform.registry.describeModel(model);
  let reference = null;
  try {
    const profile = JSON.parse(Buffer.from(await artefacts.get(details.record.artefacts.reference.key)).toString('utf8')) as {
      rows: number;
      sampleSize: number;
      features: unknown[];
    };
    reference = { rows: profile.rows, sampleSize: profile.sampleSize, features: profile.features.length };
  } catch {
    reference = null; // a bundle without a readable profile: the card says so
  }
  const latest = (await driftStatus(platform.stores.tables.drift, model, 1)).latest as DriftCheckReport | null;
  const drift = latest
    ? {
        checkedAt: latest.checkedAt,
        version: latest.version,
        verdict: latest.verdict,
        rows: latest.rows,
        driftShare: latest.driftShare,
        drifted: (latest.data?.features ?? []).filter((f) => f.drifted).map((f) => f.name),
      }
    : null;
  const html = renderModelCard(
    { details, lineage, reference, drift, generatedAt: now().toISOString() },
    { chartLibrary: readFileSync(chartJsPath(), 'utf8'), chartHelpers: readFileSync(path.join(CONSOLE_DIR, 'charts.js'), 'utf8') },
  );
  const key = modelCardKey(model, v);
  await artefacts.put(key, html, { contentType: 'text/html; charset=utf-8' });
  return { model, version: v, html, bucket: artefacts.bucket, key };
}
