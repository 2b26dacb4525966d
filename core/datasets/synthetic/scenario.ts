// Synthetic attack/benign scenario definitions (datasets/scenarios/*.json): the zod schema that is
// both their validation and their type, and the loader that names the file and field of any error.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DomainError } from '../../errors';

/** Errors about scenario definitions: unreadable file, invalid JSON, schema violation, unknown name. */
export class ScenarioError extends DomainError {
  override readonly name: string = 'ScenarioError';
  constructor(
    message: string,
    /** The file (or scenario name) concerned. */
    readonly source: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const bound = z.number().optional();

/**
 * A distribution a scenario draws from (values are clamped to [min, max] when given; counts, sizes and
 * times are rounded by the generator):
 * - `constant` value; `uniform` on [min, max]; `normal` mean/std; `lognormal` median/sigma (of ln x);
 * - `choice` among values (e.g. destination ports) with optional weights (default equal).
 */
export const DistributionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant'), value: z.number() }).strict(),
  z.object({ type: z.literal('uniform'), min: z.number(), max: z.number() }).strict(),
  z.object({ type: z.literal('normal'), mean: z.number(), std: z.number().nonnegative(), min: bound, max: bound }).strict(),
  z.object({ type: z.literal('lognormal'), median: z.number().positive(), sigma: z.number().nonnegative(), min: bound, max: bound }).strict(),
  z
    .object({
      type: z.literal('choice'),
      values: z.array(z.number()).min(1),
      weights: z.array(z.number().nonnegative()).optional(),
    })
    .strict(),
]);

/** A distribution (see DistributionSchema). */
export type Distribution = z.infer<typeof DistributionSchema>;

const probability = z.number().min(0).max(1);

/** TCP flag behaviour of a scenario's flows. */
export const TcpBehaviourSchema = z
  .object({
    /**
     * `handshake`: first fwd packet SYN, first bwd packet SYN+ACK, the rest ACK (data or pure ACK);
     * `syn-only`: every fwd packet a bare SYN, bwd packets SYN+ACK (open port) or RST+ACK (closed, with
     * rstProbability); no payload either way.
     */
    pattern: z.enum(['handshake', 'syn-only']),
    /** Probability the flow closes with FIN (last packet of each direction). */
    finProbability: probability,
    /** Probability the flow ends with a RST (syn-only: probability the port is closed). */
    rstProbability: probability,
    /** Probability a data packet carries PSH. */
    pshProbability: probability,
    /** Probability any packet carries URG. */
    urgProbability: probability.default(0),
  })
  .strict();

/** A scenario definition as stored in datasets/scenarios/<name>.json. */
export const ScenarioSchema = z
  .object({
    /** kebab-case name, equal to the file name without .json */
    name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case'),
    /** Fine label of the generated flows (CICIDS2017 spelling where one exists). */
    label: z.string().min(1),
    description: z.string(),
    protocol: z.enum(['tcp', 'udp']),
    destinationPort: DistributionSchema,
    /** Packets sent by the initiator (at least 1; a flow has at least 2 packets in all). */
    fwdPackets: DistributionSchema,
    /** Packets sent by the responder. */
    bwdPackets: DistributionSchema,
    /** Payload bytes of a forward data packet (at least 1). */
    fwdPayloadBytes: DistributionSchema,
    bwdPayloadBytes: DistributionSchema,
    /** Probability that a forward packet (other than SYN / SYN+ACK) carries payload. */
    fwdDataProbability: probability,
    bwdDataProbability: probability,
    /** Time between consecutive packets of the flow, in microseconds (at least 1). */
    interArrivalUs: DistributionSchema,
    /** TCP initial window of each side (ignored for UDP, which reports -1 like CICFlowMeter). */
    initWindowForward: DistributionSchema,
    initWindowBackward: DistributionSchema,
    /** Transport header bytes per packet (default 32 for TCP with timestamps, 8 for UDP). */
    headerBytes: z.number().int().positive().optional(),
    /** Required when protocol is tcp. */
    tcp: TcpBehaviourSchema.optional(),
    /** Cap on packets per direction (default 100000). */
    maxPacketsPerDirection: z.number().int().positive().max(1_000_000).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.protocol === 'tcp' && s.tcp === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tcp'], message: 'required when protocol is "tcp"' });
    }
    const dists: [string, Distribution][] = [
      ['destinationPort', s.destinationPort],
      ['fwdPackets', s.fwdPackets],
      ['bwdPackets', s.bwdPackets],
      ['fwdPayloadBytes', s.fwdPayloadBytes],
      ['bwdPayloadBytes', s.bwdPayloadBytes],
      ['interArrivalUs', s.interArrivalUs],
      ['initWindowForward', s.initWindowForward],
      ['initWindowBackward', s.initWindowBackward],
    ];
    for (const [key, d] of dists) {
      if (d.type === 'uniform' && d.min > d.max) ctx.addIssue({ code: 'custom', path: [key, 'max'], message: 'must be ≥ min' });
      if ((d.type === 'normal' || d.type === 'lognormal') && d.min !== undefined && d.max !== undefined && d.min > d.max) {
        ctx.addIssue({ code: 'custom', path: [key, 'max'], message: 'must be ≥ min' });
      }
      if (d.type === 'choice' && d.weights !== undefined) {
        if (d.weights.length !== d.values.length) {
          ctx.addIssue({ code: 'custom', path: [key, 'weights'], message: 'must have one weight per value' });
        } else if (!d.weights.some((w) => w > 0)) {
          ctx.addIssue({ code: 'custom', path: [key, 'weights'], message: 'must contain a positive weight' });
        }
      }
    }
    if (s.destinationPort.type === 'choice' && s.destinationPort.values.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
      ctx.addIssue({ code: 'custom', path: ['destinationPort', 'values'], message: 'ports must be integers in 0…65535' });
    }
  });

/** A validated scenario definition. */
export type ScenarioDefinition = z.infer<typeof ScenarioSchema>;

/** The repository's scenario folder (datasets/scenarios). */
export const DEFAULT_SCENARIO_DIR = path.resolve(__dirname, '..', '..', '..', 'datasets', 'scenarios');

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.length > 0 ? i.path.join('.') : '(root)';
      const extra = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
      return `${field}: ${i.message}${extra}`;
    })
    .join('; ');
}

/**
 * Validates a parsed scenario object; `source` names it in errors (a file path or a label).
 * @throws ScenarioError naming the source and each offending field, e.g. "x.json: fwdPackets.sigma: …"
 */
export function parseScenario(value: unknown, source: string): ScenarioDefinition {
  const result = ScenarioSchema.safeParse(value);
  if (!result.success) {
    throw new ScenarioError(`invalid scenario ${source}: ${describeIssues(result.error)}`, source, { cause: result.error });
  }
  return result.data;
}

/**
 * Reads and validates one scenario JSON file; its `name` must equal the file name.
 * @example loadScenarioFile('datasets/scenarios/port-scan.json').label // 'PortScan'
 */
export function loadScenarioFile(file: string): ScenarioDefinition {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read scenario ${file}: ${(err as Error).message}`, file, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`invalid JSON in scenario ${file}: ${(err as Error).message}`, file, { cause: err });
  }
  const scenario = parseScenario(json, file);
  const expected = path.basename(file, '.json');
  if (scenario.name !== expected) {
    throw new ScenarioError(`invalid scenario ${file}: name: "${scenario.name}" must equal the file name "${expected}"`, file);
  }
  return scenario;
}

/** Names of the scenarios in a folder (its *.json files), sorted. */
export function listScenarios(dir: string = DEFAULT_SCENARIO_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
  } catch (err) {
    throw new ScenarioError(`cannot list scenarios in ${dir}: ${(err as Error).message}`, dir, { cause: err });
  }
}

/**
 * Loads scenarios by name (or every scenario of the folder with 'all').
 * @throws ScenarioError for an unknown name or an invalid file
 */
export function loadScenarios(names: readonly string[] | 'all', dir: string = DEFAULT_SCENARIO_DIR): ScenarioDefinition[] {
  const available = listScenarios(dir);
  const wanted = names === 'all' ? available : names;
  if (wanted.length === 0) throw new ScenarioError(`no scenarios selected (folder ${dir})`, dir);
  return wanted.map((name) => {
    if (!available.includes(name)) {
      throw new ScenarioError(`unknown scenario "${name}"; available: ${available.join(', ')}`, name);
    }
    return loadScenarioFile(path.join(dir, `${name}.json`));
  });
}
