// `xdr-ml predict --model M --input flows.csv|flows.jsonl|-`: scores flows with the model's
// production version (or a named version) in batches of the API's size, streaming the answers as
// they come (a table, CSV or JSON Lines). Values are read as ingest reads them (core/serving's
// FlowReader): the file a model was trained on scores as is, `inf` included. A row that cannot be
// read is reported with its line number and reason, and every other row is still scored.
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { splitFields } from '../../core/datasets/csv-source';
import { isGzipFile } from '../../core/datasets/line-reader';
import { FlowReader, MAX_FLOWS_PER_REQUEST, type FlowPrediction, type FlowRecord } from '../../core/serving';
import type { RawRow } from '../../core/onnx/feeds';
import { ModelName } from '../../core/names';
import { CliError, cliName, printJson } from '../output';
import { withPlatform } from '../session';

const OUTPUTS = ['table', 'csv', 'jsonl'] as const;
type Output = (typeof OUTPUTS)[number];
const INPUT_FORMATS = ['auto', 'csv', 'jsonl'] as const;

interface PredictOptions {
  model?: string;
  input: string;
  inputFormat: string;
  output: string;
  version?: string;
  explain?: boolean;
  json?: boolean;
}

/** A scored row or a refused one, in input order. */
type Answer = { line: number; prediction: FlowPrediction } | { line: number; error: string };

/** Fails early (a usage error) when the input file cannot be read. */
async function checkReadable(input: string): Promise<void> {
  if (input === '-') return;
  await access(input, constants.R_OK).catch((error: Error) => {
    throw new CliError(`--input ${input}: ${error.message}`, 2);
  });
}

/** The input's lines (gunzipped when the file is gzip), `-` = stdin; read from the moment the caller iterates. */
async function openLines(input: string): Promise<AsyncIterable<string>> {
  const stream: Readable = input === '-' ? process.stdin : (await isGzipFile(input)) ? createReadStream(input).pipe(createGunzip()) : createReadStream(input);
  return createInterface({ input: stream, crlfDelay: Infinity });
}

/** CSV or JSON Lines: the flag, else the file name, else the first character of the first line. */
function inputFormat(flag: string, input: string, firstLine: string): 'csv' | 'jsonl' {
  if (flag === 'csv' || flag === 'jsonl') return flag;
  if (/\.(jsonl|ndjson)(\.gz)?$/i.test(input)) return 'jsonl';
  if (/\.csv(\.gz)?$/i.test(input)) return 'csv';
  return firstLine.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** Writes answers as they come: a table (fixed columns), CSV or JSON Lines. */
function answerWriter(output: Output, explain: boolean): (answers: readonly Answer[]) => void {
  const write = (s: string) => process.stdout.write(s);
  const top = (p: FlowPrediction, sep: string) =>
    (p.explanation?.topFeatures ?? [])
      .slice(0, 3)
      .map((c) => `${c.feature} ${c.contribution >= 0 ? '+' : ''}${c.contribution.toFixed(2)}`)
      .join(sep);
  const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  let first = true;
  return (answers) => {
    if (first) {
      if (output === 'table') write(`${['line'.padEnd(8), 'label'.padEnd(20), 'confidence', 'alert', ...(explain ? ['top features'] : [])].join('  ')}\n`);
      if (output === 'csv') write(`${['line', 'label', 'confidence', 'alert', 'prediction_id', 'error', ...(explain ? ['top_features'] : [])].join(',')}\n`);
      first = false;
    }
    let out = '';
    for (const a of answers) {
      if (output === 'jsonl') out += `${JSON.stringify('error' in a ? a : { line: a.line, ...a.prediction })}\n`;
      else if (output === 'csv')
        out +=
          'error' in a
            ? `${a.line},,,,,${csvCell(a.error)}${explain ? ',' : ''}\n`
            : `${a.line},${csvCell(a.prediction.label)},${a.prediction.confidence.toFixed(6)},${a.prediction.alert},${a.prediction.predictionId},${explain ? `,${csvCell(top(a.prediction, '; '))}` : ''}\n`;
      else if ('prediction' in a) {
        const p = a.prediction;
        out += `${[String(a.line).padEnd(8), p.label.padEnd(20), p.confidence.toFixed(4).padEnd(10), (p.alert ? 'ALERT' : '').padEnd(5), ...(explain ? [top(p, ', ')] : [])].join('  ').trimEnd()}\n`;
      }
    }
    write(out);
  };
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('Score flows (CSV or JSON Lines, a file or - for stdin) with a model, streaming the answers')
    .requiredOption('--input <file>', 'flows: CSV with a header row or JSON Lines (.gz too); - reads stdin')
    .option('--input-format <format>', `${INPUT_FORMATS.join(', ')} (auto: by file name, else by the first line)`, 'auto')
    .option('--output <format>', `${OUTPUTS.join(', ')}: streamed as rows are scored (csv and jsonl carry refused rows with their error)`, 'table')
    .option('--model <name>', "model to use (default: the platform's default model)")
    .option('--version <n>', 'score with this version instead of the production alias')
    .option('--explain', 'add the top contributing features of each prediction (gbdt)')
    .option('--json', 'one JSON document { model, modelVersion, predictions, rejected } at the end (holds every answer in memory)')
    .action(async (opts: PredictOptions) => {
      const version = opts.version === undefined ? undefined : Number(opts.version);
      if (version !== undefined && (!Number.isInteger(version) || version < 1))
        throw new CliError(`--version must be a positive integer (got '${opts.version}')`, 2);
      if (opts.model !== undefined) cliName(ModelName, '--model', opts.model);
      if (!(OUTPUTS as readonly string[]).includes(opts.output)) throw new CliError(`--output must be one of ${OUTPUTS.join(', ')} (got '${opts.output}')`, 2);
      if (!(INPUT_FORMATS as readonly string[]).includes(opts.inputFormat))
        throw new CliError(`--input-format must be one of ${INPUT_FORMATS.join(', ')} (got '${opts.inputFormat}')`, 2);
      await checkReadable(opts.input);
      const where = opts.input === '-' ? 'stdin' : opts.input;
      return withPlatform(async ({ platform }) => {
        const model = opts.model ?? platform.config.defaultModel;
        const server = platform.modelServer;
        const resolved = version ?? (await server.resolve(model));
        const { schema } = await server.load(model, resolved);
        const reader = new FlowReader(schema);
        const explain = opts.explain === true;
        const emit = opts.json ? undefined : answerWriter(opts.output as Output, explain);
        const kept: Answer[] = [];
        let scored = 0;
        let alerts = 0;
        const refused: { line: number; error: string }[] = [];
        let pending: FlowRecord[] = [];
        const flush = async () => {
          const flows = pending.filter((r): r is { line: number; flow: RawRow } => 'flow' in r);
          const predictions =
            flows.length > 0 ? (await server.predict({ model, version: resolved, flows: flows.map((r) => r.flow), explain })).predictions : [];
          let k = 0;
          const answers: Answer[] = pending.map((r) => ('flow' in r ? { line: r.line, prediction: predictions[k++] } : r));
          for (const a of answers) {
            if ('prediction' in a) {
              scored++;
              if (a.prediction.alert) alerts++;
            } else {
              refused.push(a);
              if (opts.output === 'table' || opts.json) process.stderr.write(`${where} line ${a.line}: ${a.error}\n`);
            }
          }
          if (emit) emit(answers);
          else kept.push(...answers);
          pending = [];
        };
        const lines = await openLines(opts.input);
        let format: 'csv' | 'jsonl' | undefined;
        let line = 0;
        let sawHeader = false;
        for await (const text of lines) {
          line++;
          if (text.trim() === '') continue;
          format ??= inputFormat(opts.inputFormat, opts.input, text);
          if (format === 'csv' && !sawHeader) {
            sawHeader = true;
            try {
              const { ignored } = reader.csvHeader(splitFields(text, ','));
              if (ignored.length && !opts.json && opts.output === 'table')
                process.stderr.write(`ignoring column(s) the model does not use: ${ignored.join(', ')}\n`);
            } catch (error) {
              throw new CliError(`${where}: ${(error as Error).message}`);
            }
            continue;
          }
          pending.push(format === 'csv' ? reader.csvRow(line, splitFields(text, ',')) : reader.jsonRow(line, text));
          if (pending.length === MAX_FLOWS_PER_REQUEST) await flush();
        }
        await flush();
        if (opts.json) {
          printJson({
            model,
            modelVersion: resolved,
            predictions: kept.flatMap((a) => ('prediction' in a ? [{ line: a.line, ...a.prediction }] : [])),
            rejected: refused,
          });
        }
        process.stderr.write(
          `${scored} flow(s) scored by ${model} v${resolved}; ${alerts} alert(s)${refused.length ? `; ${refused.length} row(s) refused` : ''}\n`,
        );
        if (refused.length > 0) process.exitCode = 1;
      });
    });
}
