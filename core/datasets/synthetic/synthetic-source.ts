// Streams seeded synthetic flows of one or more scenarios as a DatasetSource (format 'synthetic') in
// the canonical CICIDS2017 column layout; flows are generated on the fly, nothing is buffered.
import { z } from 'zod';
import { SeededRandom } from '../../util/random';
import type { ColumnSpec, DatasetSource, ParsedRow, RejectedRow } from '../source';
import { CICIDS2017_FEATURE_COLUMNS } from './cicids-columns';
import { FLOW_FEATURES, FlowGenerator, type FlagCountMode } from './flow-generator';
import { DEFAULT_SCENARIO_DIR, loadScenarios, parseScenario, ScenarioError, type ScenarioDefinition } from './scenario';

/** Options of openSyntheticSource. */
export interface SyntheticSourceOptions {
  /** Scenario names from the scenario folder, inline definitions (e.g. from fitScenario), or 'all'. */
  readonly scenarios: readonly (string | ScenarioDefinition)[] | 'all';
  /** Number of flows to generate in all (scenarios take turns: row i comes from scenario i mod k). */
  readonly rows: number;
  /** Seed of the generator: the same options give the same rows. */
  readonly seed: number;
  /** Folder holding <name>.json scenario files (default: the repository's datasets/scenarios). */
  readonly scenarioDir?: string;
  /** Flag-count semantics (default 'packets'; 'presence' = 0/1 like the released CICIDS2017 CSVs). */
  readonly flagCounts?: FlagCountMode;
}

const OptionsSchema = z
  .object({
    scenarios: z.union([z.literal('all'), z.array(z.union([z.string().min(1), z.record(z.string(), z.unknown())])).min(1)]),
    rows: z.number().int().nonnegative(),
    seed: z.number().finite(),
    scenarioDir: z.string().min(1).optional(),
    flagCounts: z.enum(['packets', 'presence']).optional(),
  })
  .strict();

/** The columns of every synthetic source: the 77 CICIDS2017 features, all numeric. */
export const SYNTHETIC_COLUMNS: readonly ColumnSpec[] = CICIDS2017_FEATURE_COLUMNS.map((name): ColumnSpec => ({ name, kind: 'numeric' }));

/** Resolves the scenario list of the options into validated definitions. */
export function resolveScenarios(scenarios: SyntheticSourceOptions['scenarios'], dir: string = DEFAULT_SCENARIO_DIR): ScenarioDefinition[] {
  if (scenarios === 'all') return loadScenarios('all', dir);
  return scenarios.map((s, i) => (typeof s === 'string' ? loadScenarios([s], dir)[0] : parseScenario(s, `scenarios[${i}] (${s.name ?? 'unnamed'})`)));
}

/**
 * Opens a stream of seeded synthetic flows. Each row is one flow of one scenario, labelled with the
 * scenario's `label`, its features computed from a generated packet list (see FlowGenerator);
 * `line` is the 1-based row number. Iterating `rows()` twice yields the same rows.
 * @throws ScenarioError for invalid options, an unknown scenario name or an invalid scenario file
 * @example
 * const src = openSyntheticSource({ scenarios: ['port-scan', 'benign'], rows: 1000, seed: 42 });
 * for await (const r of src.rows()) console.log(r.kind === 'row' && r.label);
 */
export function openSyntheticSource(options: SyntheticSourceOptions): DatasetSource {
  const checked = OptionsSchema.safeParse(options);
  if (!checked.success) {
    const detail = checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ScenarioError(`invalid synthetic source options: ${detail}`, 'options', { cause: checked.error });
  }
  const scenarios = resolveScenarios(options.scenarios, options.scenarioDir);
  const { rows, seed } = options;
  return {
    format: 'synthetic',
    columns: SYNTHETIC_COLUMNS,
    bytesRead: () => 0,
    async *rows(): AsyncGenerator<ParsedRow | RejectedRow> {
      for (const row of generateSyntheticRows(scenarios, rows, seed, options.flagCounts)) yield row;
    },
  };
}

/**
 * Synchronous core of openSyntheticSource: yields `rows` labelled flows of the given scenarios, in turn.
 * The feature buffer is reused; each yielded row gets its own copy of the values.
 */
export function* generateSyntheticRows(scenarios: readonly ScenarioDefinition[], rows: number, seed: number, flagCounts?: FlagCountMode): Generator<ParsedRow> {
  if (scenarios.length === 0) throw new ScenarioError('no scenarios to generate from', 'options');
  const rng = new SeededRandom(seed);
  const generators = scenarios.map((s) => new FlowGenerator(s, { flagCounts }));
  const out = new Float64Array(FLOW_FEATURES);
  for (let i = 0; i < rows; i++) {
    const g = generators[i % generators.length];
    g.generate(rng, out);
    yield { kind: 'row', line: i + 1, values: Array.from(out), label: g.scenario.label };
  }
}
