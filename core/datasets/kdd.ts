// NSL-KDD and KDD Cup 99 loaders: 41 features (protocol_type, service, flag categorical), fine
// attack names as labels (KDD Cup's trailing '.' removed), NSL-KDD's difficulty field dropped.
import { openPlannedSource, type CountingDatasetSource, type CsvPlan } from './csv-source';
import { readHeadLines } from './line-reader';

/** The 41 KDD feature names (NSL-KDD spelling; KDD Cup CSV headers with `lnum_*` map onto them). */
export const KDD_FEATURE_NAMES: readonly string[] = [
  'duration',
  'protocol_type',
  'service',
  'flag',
  'src_bytes',
  'dst_bytes',
  'land',
  'wrong_fragment',
  'urgent',
  'hot',
  'num_failed_logins',
  'logged_in',
  'num_compromised',
  'root_shell',
  'su_attempted',
  'num_root',
  'num_file_creations',
  'num_shells',
  'num_access_files',
  'num_outbound_cmds',
  'is_host_login',
  'is_guest_login',
  'count',
  'srv_count',
  'serror_rate',
  'srv_serror_rate',
  'rerror_rate',
  'srv_rerror_rate',
  'same_srv_rate',
  'diff_srv_rate',
  'srv_diff_host_rate',
  'dst_host_count',
  'dst_host_srv_count',
  'dst_host_same_srv_rate',
  'dst_host_diff_srv_rate',
  'dst_host_same_src_port_rate',
  'dst_host_srv_diff_host_rate',
  'dst_host_serror_rate',
  'dst_host_srv_serror_rate',
  'dst_host_rerror_rate',
  'dst_host_srv_rerror_rate',
];

const KDD_CATEGORICAL = new Set(['protocol_type', 'service', 'flag']);

/**
 * Opens an NSL-KDD file (KDDTrain+, KDDTest+, ...: no header, 43 fields = 41 features, label,
 * difficulty; the difficulty is dropped).
 *
 * @example const src = await openNslKddSource('KDDTest+.txt');
 */
export async function openNslKddSource(path: string): Promise<CountingDatasetSource> {
  return openPlannedSource(path, kddPlan('nsl-kdd', 43, 0));
}

/**
 * Opens a KDD Cup 99 file: the original `kddcup.data*` (no header, labels ending in '.') or the
 * Kaggle-style CSV with a header line (detected from the first field). 42 fields per line.
 *
 * @example const src = await openKddCup99Source('kddcup99_10percent.csv.gz');
 */
export async function openKddCup99Source(path: string): Promise<CountingDatasetSource> {
  const [first] = await readHeadLines(path, 1);
  const hasHeader = first !== undefined && /^\s*[A-Za-z_]/.test(first);
  return openPlannedSource(path, kddPlan('kddcup99', 42, hasHeader ? 1 : 0));
}

function kddPlan(format: 'nsl-kdd' | 'kddcup99', fieldCount: number, headerLines: number): CsvPlan {
  return {
    format,
    columns: KDD_FEATURE_NAMES.map((name) => ({
      name,
      kind: KDD_CATEGORICAL.has(name) ? ('categorical' as const) : ('numeric' as const),
    })),
    fieldIndex: KDD_FEATURE_NAMES.map((_, i) => i),
    fieldCount,
    labelIndex: 41,
    labelName: 'label',
    delimiter: ',',
    headerLines,
    normaliseLabel: stripTrailingDot,
    repeatedHeaderLabel: headerLines > 0 ? 'label' : undefined,
  };
}

function stripTrailingDot(raw: string): string {
  return raw.endsWith('.') ? raw.slice(0, -1) : raw;
}
