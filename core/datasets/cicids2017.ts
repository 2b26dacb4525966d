// CICIDS2017 loaders: the official MachineLearningCVE CSVs and the CNS2022 "improved" release.
// Header names trimmed, the duplicated `Fwd Header Length` column dropped, inf/NaN/empty kept as
// numeric missing values, mangled web-attack dashes normalised, repeated header lines counted.
import { openPlannedSource, planFromHeader, readHeaderLine, type CountingDatasetSource } from './csv-source';

const WEB_ATTACK = /^web\s*attack\s*(?:[\u2013\u2014\uFFFD-]|\u00e2\u0080\u0093)?\s*(.*)$/i;

const WEB_ATTACK_KINDS: Readonly<Record<string, string>> = {
  'brute force': 'Brute Force',
  bruteforce: 'Brute Force',
  xss: 'XSS',
  'sql injection': 'Sql Injection',
  sqlinjection: 'Sql Injection',
};

/**
 * Normalises a CICIDS2017 label: web-attack labels whose dash arrives as U+FFFD, U+2013 or '-'
 * (any spacing, any case of the attack name) become `Web Attack - Brute Force`,
 * `Web Attack - XSS` or `Web Attack - Sql Injection`. Other labels are returned unchanged.
 *
 * @example normaliseCicidsLabel('Web Attack \uFFFD Sql Injection') // 'Web Attack - Sql Injection'
 */
export function normaliseCicidsLabel(raw: string): string {
  const label = raw.trim();
  if (label.length < 10 || (label.charCodeAt(0) | 0x20) !== 0x77) return label; // not 'w…'
  const m = WEB_ATTACK.exec(label);
  if (m === null || m[1].length === 0) return label;
  const kind = WEB_ATTACK_KINDS[m[1].trim().replace(/\s+/g, ' ').toLowerCase()];
  return kind === undefined ? label : `Web Attack - ${kind}`;
}

/**
 * Opens an official MachineLearningCVE CSV (with or without `Destination Port`, fine or grouped
 * labels, single or concatenated day files).
 *
 * @example const src = await openCicids2017Source('Tuesday-WorkingHours.pcap_ISCX.csv');
 */
export async function openCicids2017Source(path: string): Promise<CountingDatasetSource> {
  const header = await readHeaderLine(path);
  const plan = planFromHeader(path, header, {
    format: 'cicids2017',
    labelColumn: 'Label',
    dropDuplicateColumns: true,
    normaliseLabel: normaliseCicidsLabel,
  });
  return openPlannedSource(path, plan);
}

/** CNS2022 column name → official MachineLearningCVE name (others are identical). */
export const CICIDS2017_IMPROVED_RENAME: Readonly<Record<string, string>> = {
  'Dst Port': 'Destination Port',
  'Total Fwd Packet': 'Total Fwd Packets',
  'Total Bwd packets': 'Total Backward Packets',
  'Total Length of Fwd Packet': 'Total Length of Fwd Packets',
  'Total Length of Bwd Packet': 'Total Length of Bwd Packets',
  'Packet Length Min': 'Min Packet Length',
  'Packet Length Max': 'Max Packet Length',
  'CWR Flag Count': 'CWE Flag Count',
  'Fwd Segment Size Avg': 'Avg Fwd Segment Size',
  'Bwd Segment Size Avg': 'Avg Bwd Segment Size',
  'Fwd Bytes/Bulk Avg': 'Fwd Avg Bytes/Bulk',
  'Fwd Packet/Bulk Avg': 'Fwd Avg Packets/Bulk',
  'Fwd Bulk Rate Avg': 'Fwd Avg Bulk Rate',
  'Bwd Bytes/Bulk Avg': 'Bwd Avg Bytes/Bulk',
  'Bwd Packet/Bulk Avg': 'Bwd Avg Packets/Bulk',
  'Bwd Bulk Rate Avg': 'Bwd Avg Bulk Rate',
  'FWD Init Win Bytes': 'Init_Win_bytes_forward',
  'Bwd Init Win Bytes': 'Init_Win_bytes_backward',
  'Fwd Act Data Pkts': 'act_data_pkt_fwd',
  'Fwd Seg Size Min': 'min_seg_size_forward',
};

/**
 * Identifier columns of the CNS2022 release that leak the label (SOURCE.md: "Do not train on
 * identifier columns (id, Flow ID, IPs, ports, Timestamp)"), plus `Attempted Category`, which is
 * derived from the labelling itself. `Dst Port` is kept: it maps to the official
 * `Destination Port` feature.
 */
export const CICIDS2017_IMPROVED_DROPPED: readonly string[] = ['id', 'Flow ID', 'Src IP', 'Src Port', 'Dst IP', 'Timestamp', 'Attempted Category'];

/**
 * Opens a CICIDS2017 "improved" (CNS2022) CSV: names mapped to the official ones, identifier
 * columns dropped, fine labels kept (web-attack spelling normalised as for the official files).
 */
export async function openCicids2017ImprovedSource(path: string): Promise<CountingDatasetSource> {
  const header = await readHeaderLine(path);
  const plan = planFromHeader(path, header, {
    format: 'cicids2017-improved',
    labelColumn: 'Label',
    rename: CICIDS2017_IMPROVED_RENAME,
    dropIfPresent: CICIDS2017_IMPROVED_DROPPED,
    normaliseLabel: normaliseCicidsLabel,
  });
  return openPlannedSource(path, plan);
}
