// `xdr-ml predict --model M --input flows.csv`: scores a CSV of flows (header = feature names, any
// column order; columns the model does not use, such as a Label column, are ignored and named)
// with the model's production version or a named version, in batches of the API's size.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { splitFields } from '../../core/datasets/csv-source';
import { isGzipFile } from '../../core/datasets/line-reader';
import { MAX_FLOWS_PER_REQUEST, type FlowPrediction } from '../../core/serving';
import { ModelName } from '../../core/names';
import { CliError, cliName, printJson, printTable } from '../output';
import { withPlatform } from '../session';

interface PredictOptions {
  model?: string;
  input: string;
  version?: string;
  explain?: boolean;
  json?: boolean;
}

async function* csvRows(file: string): AsyncGenerator<{ line: number; values: string[] } | { header: string[] }> {
  const raw = createReadStream(file);
  const input = (await isGzipFile(file)) ? raw.pipe(createGunzip()) : raw;
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    const fields = splitFields(text, ',').map((f) => f.trim());
    if (line === 1) yield { header: fields };
    else yield { line, values: fields };
  }
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('Score a CSV of flows (header = feature names) with a model; unused columns are ignored')
    .requiredOption('--input <file>', 'CSV (or .csv.gz) of flows with a header row')
    .option('--model <name>', "model to use (default: the platform's default model)")
    .option('--version <n>', 'score with this version instead of the production alias')
    .option('--explain', 'add the top contributing features of each prediction (gbdt)')
    .option('--json', 'machine-readable output')
    .action(async (opts: PredictOptions) => {
      const version = opts.version === undefined ? undefined : Number(opts.version);
      if (version !== undefined && (!Number.isInteger(version) || version < 1))
        throw new CliError(`--version must be a positive integer (got '${opts.version}')`, 2);
      if (opts.model !== undefined) cliName(ModelName, '--model', opts.model);
      return withPlatform(async ({ platform }) => {
        const model = opts.model ?? platform.config.defaultModel;
        const server = platform.modelServer;
        const resolved = version ?? (await server.resolve(model));
        const { schema } = await server.load(model, resolved);
        const features = new Set(schema.features.map((f) => f.name));
        let header: string[] = [];
        let keep: number[] = [];
        const rows: { line: number; prediction: FlowPrediction }[] = [];
        let batch: { line: number; flow: Record<string, string | null> }[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          try {
            const result = await server.predict({ model, version: resolved, flows: batch.map((b) => b.flow), explain: opts.explain });
            result.predictions.forEach((prediction, i) => rows.push({ line: batch[i].line, prediction }));
          } catch (error) {
            const details = (error as { details?: { field: string; message: string }[] }).details;
            const where = details?.[0]
              ? ` (line ${batch[Number(details[0].field.split('.')[1])]?.line}: ${details[0].field.split('.').slice(2).join('.')} ${details[0].message})`
              : '';
            throw new CliError(`${(error as Error).message}${where}`);
          }
          batch = [];
        };
        for await (const row of csvRows(opts.input)) {
          if ('header' in row) {
            header = row.header;
            keep = header.map((_, j) => j).filter((j) => features.has(header[j]));
            const missing = [...features].filter((f) => !header.includes(f));
            if (missing.length) throw new CliError(`${opts.input} lacks feature column(s) the model needs: ${missing.join(', ')}`);
            const ignored = header.filter((h) => !features.has(h));
            if (ignored.length && !opts.json) process.stderr.write(`ignoring column(s) the model does not use: ${ignored.join(', ')}\n`);
            continue;
          }
          if (row.values.length !== header.length)
            throw new CliError(`${opts.input} line ${row.line}: ${row.values.length} fields, the header has ${header.length}`);
          batch.push({ line: row.line, flow: Object.fromEntries(keep.map((j) => [header[j], row.values[j] === '' ? null : row.values[j]])) });
          if (batch.length === MAX_FLOWS_PER_REQUEST) await flush();
        }
        await flush();
        if (opts.json) return printJson({ model, modelVersion: resolved, predictions: rows.map((r) => ({ line: r.line, ...r.prediction })) });
        printTable(
          ['line', 'label', 'confidence', 'alert', ...(opts.explain ? ['top features'] : [])],
          rows.map((r) => [
            r.line,
            r.prediction.label,
            r.prediction.confidence.toFixed(4),
            r.prediction.alert ? 'ALERT' : '',
            ...(opts.explain
              ? [
                  (r.prediction.explanation?.topFeatures ?? [])
                    .slice(0, 3)
                    .map((c) => `${c.feature} ${c.contribution >= 0 ? '+' : ''}${c.contribution.toFixed(2)}`)
                    .join(', '),
                ]
              : []),
          ]),
        );
        const alerts = rows.filter((r) => r.prediction.alert).length;
        process.stdout.write(`${rows.length} flow(s) scored by ${model} v${resolved}; ${alerts} alert(s)\n`);
      });
    });
}
