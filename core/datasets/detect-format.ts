// Recognises a dataset file's format from its first lines (plain or gzip).
import { UnknownFormatError } from './errors';
import { readHeadLines } from './line-reader';
import type { DatasetFormat } from './source';

const HEAD_LINES = 32;
const IPV4_COUNT = /^\d{1,3}(?:\.\d{1,3}){3}\t\d+\s*$/;
const PROTOCOLS = new Set(['tcp', 'udp', 'icmp']);

/**
 * Guesses the format of a dataset file from its first lines. Recognises every DatasetFormat:
 * cowrie JSON lines, IPsum threat feeds, synthetic scenario definitions (JSON), CICIDS2017 official and
 * improved CSVs, NSL-KDD, KDD Cup 99 (with or without header); any other CSV with a header is
 * 'csv'. Throws UnknownFormatError otherwise.
 *
 * @example await detectFormat('KDDTest+.txt') // 'nsl-kdd'
 */
export async function detectFormat(path: string): Promise<DatasetFormat> {
  const lines = (await readHeadLines(path, HEAD_LINES)).filter((l) => l.trim().length > 0);
  const format = detectFormatFromLines(lines);
  if (format === undefined) {
    throw new UnknownFormatError(`cannot recognise the format of ${path} from its first lines`, path);
  }
  return format;
}

/** Same as detectFormat, on lines already read (empty lines removed). Undefined when unknown. */
export function detectFormatFromLines(lines: readonly string[]): DatasetFormat | undefined {
  const first = lines[0];
  if (first === undefined) return undefined;
  const trimmed = first.trimStart();
  if (trimmed.startsWith('{')) {
    if (/"eventid"\s*:\s*"cowrie\./.test(first)) return 'cowrie';
    const head = lines.join('\n');
    if (/"label"\s*:/.test(head) && /"(protocol|fwdPackets|destinationPort)"\s*:/.test(head)) return 'synthetic';
    return undefined;
  }
  const data = lines.filter((l) => !l.startsWith('#'));
  if (data.length > 0 && data.every((l) => IPV4_COUNT.test(l))) {
    return 'threat-feed';
  }
  if (lines.some((l) => l.startsWith('#'))) return undefined;
  const fields = first.split(',').map((f) => f.trim());
  const names = new Set(fields);
  if (names.has('Label') && (names.has('Flow Duration') || names.has('Flow ID'))) {
    if (names.has('Flow ID') || names.has('Src IP') || names.has('Total Fwd Packet') || names.has('Attempted Category')) {
      return 'cicids2017-improved';
    }
    return 'cicids2017';
  }
  if (fields[0] === 'duration' && fields[1] === 'protocol_type' && fields.length === 42) return 'kddcup99';
  if (fields.length >= 42 && PROTOCOLS.has(fields[1]) && /^\d/.test(fields[0])) {
    if (fields.length === 43 && /^\d+$/.test(fields[42])) return 'nsl-kdd';
    if (fields.length === 42) return 'kddcup99';
  }
  if (fields.length > 1 && fields.every((f) => f.length > 0 && Number.isNaN(Number(f)))) return 'csv';
  return undefined;
}
