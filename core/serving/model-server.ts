// The serving core: resolves a model's alias through a short cache (so every instance follows a
// deploy within seconds), keeps one scoring session per loaded version, scores batches of flows,
// explains predictions on request, and keeps serving the last healthy version when a newly
// deployed one is refused.
import { randomUUID } from 'node:crypto';
import { UnknownResourceError, InvalidInputError } from '../errors';
import { FAMILY_IDS, isFamilyId, modelFamily } from '../families';
import { rowsToFeatureMatrix, type RawRow } from '../onnx/feeds';
import type { ObjectStore } from '../ports';
import { assertValidFlows } from './flows';
import { CorruptArtefactError, loadModelVersion, type LoadedModel, type ServableVersion } from './loaded-model';
import type { SessionFactory } from './scoring-session';

/** Most flows one predict call may carry (documented API limit). */
export const MAX_FLOWS_PER_REQUEST = 1000;

/** The registry operations serving needs. */
export interface ServingRegistry {
  resolveAlias(model: string, alias: string): Promise<{ version: number } | undefined>;
  getVersion(model: string, version: number): Promise<ServableVersion>;
  /** Marks a version unhealthy for every instance (written once, audited, alerted). */
  quarantine?(model: string, version: number, reason: string, actor: string): Promise<boolean>;
  /** The versions an alias served before, newest first, without quarantined ones. */
  servingFallbacks?(model: string, alias: string): Promise<number[]>;
  isQuarantined?(model: string, version: number): Promise<boolean>;
}

export interface Contribution {
  readonly feature: string;
  readonly value: number | string | null;
  /** Contribution to the predicted class's raw score (log-odds scale). */
  readonly contribution: number;
}

export interface FlowPrediction {
  /** `<requestId>:<index>`: quote it when sending feedback. */
  readonly predictionId: string;
  readonly label: string;
  readonly probabilities: Record<string, number>;
  readonly confidence: number;
  /** The predicted class is not benign and its probability crosses the class's tuned threshold. */
  readonly alert: boolean;
  readonly explanation?: { readonly bias: number; readonly topFeatures: readonly Contribution[] };
}

export interface PredictResult {
  readonly requestId: string;
  readonly model: string;
  readonly modelVersion: number;
  readonly alias?: string;
  readonly predictions: readonly FlowPrediction[];
  readonly latencyMs: number;
  /** Set when the alias points at a version that was refused and an earlier one answered. */
  readonly warning?: string;
}

export interface PredictRequest {
  readonly model: string;
  /** Alias to resolve (default 'production'); ignored when `version` is given. */
  readonly alias?: string;
  readonly version?: number;
  readonly flows: readonly unknown[];
  readonly explain?: boolean;
  readonly topFeatures?: number;
  /** Fields allowed in flows without being features (routing keys). */
  readonly passthrough?: readonly string[];
  readonly requestId?: string;
}

export interface ModelServerOptions {
  readonly registry: ServingRegistry;
  readonly artefacts: ObjectStore;
  readonly sessions: SessionFactory;
  /** How long a resolved alias is trusted. @default 5000 */
  readonly aliasTtlMs?: number;
  /** Loaded versions kept open. @default 4 */
  readonly maxLoaded?: number;
  /** How long a refused version is not retried. @default 30000 */
  readonly refusalTtlMs?: number;
  readonly clock?: () => number;
}

const BENIGN = new Set(['benign', 'normal']);

/** True for the labels that mean "no attack". */
export function isBenignLabel(label: string): boolean {
  return BENIGN.has(label.toLowerCase());
}

export class ModelServer {
  private readonly aliases = new Map<string, { version: number; at: number }>();
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
  private readonly lastHealthy = new Map<string, LoadedModel>();
  private readonly refused = new Map<string, { error: CorruptArtefactError; at: number }>();
  private readonly quarantined = new Map<string, { value: boolean; at: number }>();
  private readonly aliasTtlMs: number;
  private readonly maxLoaded: number;
  private readonly refusalTtlMs: number;
  private readonly clock: () => number;

  constructor(private readonly options: ModelServerOptions) {
    this.aliasTtlMs = options.aliasTtlMs ?? 5000;
    this.maxLoaded = options.maxLoaded ?? 4;
    this.refusalTtlMs = options.refusalTtlMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
  }

  /** The version an alias points at, from the cache when fresh. */
  async resolve(model: string, alias = 'production'): Promise<number> {
    const key = `${model}@${alias}`;
    const cached = this.aliases.get(key);
    if (cached && cached.version > 0 && this.clock() - cached.at < this.aliasTtlMs) return cached.version;
    const ref = await this.options.registry.resolveAlias(model, alias);
    if (!ref) throw new UnknownResourceError(`model "${model}" has no "${alias}" version: deploy one first`);
    this.aliases.set(key, { version: ref.version, at: this.clock() });
    return ref.version;
  }

  /**
   * Whether an alias serves a version now, cached like a resolved alias — its absence too, so a
   * request naming a tenant without a variant costs no registry read within the TTL.
   * @example if (await server.serves('general', tenantAlias('acme'))) alias = tenantAlias('acme');
   */
  async serves(model: string, alias: string): Promise<boolean> {
    const key = `${model}@${alias}`;
    const cached = this.aliases.get(key);
    if (cached && this.clock() - cached.at < this.aliasTtlMs) return cached.version > 0;
    const ref = await this.options.registry.resolveAlias(model, alias);
    this.aliases.set(key, { version: ref?.version ?? 0, at: this.clock() });
    return ref !== undefined;
  }

  /** Loads (or returns the open session of) one version; refused versions throw CorruptArtefactError. */
  async load(model: string, version: number, versionDoc?: Promise<ServableVersion>): Promise<LoadedModel> {
    const key = `${model}#${version}`;
    const refusal = this.refused.get(key);
    if (refusal && this.clock() - refusal.at < this.refusalTtlMs) throw refusal.error;
    let pending = this.loaded.get(key);
    if (!pending) {
      pending = (async () =>
        loadModelVersion(
          await (versionDoc ?? this.options.registry.getVersion(model, version)),
          this.options.artefacts,
          this.options.sessions,
          this.clock(),
        ))();
      this.loaded.set(key, pending);
      pending.catch((error: unknown) => {
        this.loaded.delete(key);
        if (error instanceof CorruptArtefactError) this.refused.set(key, { error, at: this.clock() });
      });
      await this.evict();
    }
    const m = await pending;
    this.lastHealthy.set(model, m);
    return m;
  }

  private async evict(): Promise<void> {
    while (this.loaded.size > this.maxLoaded) {
      const [oldest] = this.loaded.keys();
      const p = this.loaded.get(oldest)!;
      this.loaded.delete(oldest);
      const m = await p.catch(() => undefined);
      if (m && this.lastHealthy.get(m.model) !== m) await m.session.release().catch(() => undefined);
    }
  }

  /**
   * The model that answers for a request, and a warning when it is a fallback. A version whose
   * artefact fails its checks is quarantined in the registry (so every instance, a fresh one
   * included, knows) and the last healthy version the alias served answers instead.
   */
  async modelFor(model: string, alias: string | undefined, version: number | undefined): Promise<{ m: LoadedModel; warning?: string }> {
    if (version !== undefined) return { m: await this.load(model, version) };
    const aliasName = alias ?? 'production';
    const wanted = await this.resolve(model, aliasName);
    try {
      // A version not loaded yet: its registry entry is read while the quarantine flag is (both
      // are round trips on a fresh instance's cold path); nothing is opened before the flag says so.
      const versionDoc = this.loaded.has(`${model}#${wanted}`) ? undefined : this.options.registry.getVersion(model, wanted);
      versionDoc?.catch(() => undefined); // awaited by load; a quarantined version leaves it unread
      if (this.options.registry.isQuarantined && (await this.quarantinedSoon(model, wanted))) {
        throw new CorruptArtefactError(`${model} v${wanted} is quarantined`);
      }
      return { m: await this.load(model, wanted, versionDoc) };
    } catch (error) {
      if (!(error instanceof CorruptArtefactError)) throw error;
      await this.options.registry.quarantine?.(model, wanted, error.message, 'model-server').catch(() => false);
      const fallback = await this.fallback(model, aliasName, wanted);
      if (fallback) return { m: fallback, warning: `version ${wanted} was refused (${error.message}); version ${fallback.version} keeps serving` };
      throw error;
    }
  }

  /** Whether a version is quarantined, cached like the alias (a fresh instance learns it at once). */
  private async quarantinedSoon(model: string, version: number): Promise<boolean> {
    const key = `${model}#${version}`;
    const cached = this.quarantined.get(key);
    if (cached && this.clock() - cached.at < this.aliasTtlMs) return cached.value;
    const value = (await this.options.registry.isQuarantined?.(model, version)) ?? false;
    this.quarantined.set(key, { value, at: this.clock() });
    return value;
  }

  /** The last healthy version: this instance's, else the newest earlier version of the alias that loads. */
  private async fallback(model: string, alias: string, wanted: number): Promise<LoadedModel | undefined> {
    const known = this.lastHealthy.get(model);
    if (known && known.version !== wanted) return known;
    for (const v of (await this.options.registry.servingFallbacks?.(model, alias)) ?? []) {
      if (v === wanted) continue;
      try {
        return await this.load(model, v);
      } catch (error) {
        if (!(error instanceof CorruptArtefactError)) throw error;
        await this.options.registry.quarantine?.(model, v, error.message, 'model-server').catch(() => false);
      }
    }
    return undefined;
  }

  /** Scores a batch of flows. */
  async predict(request: PredictRequest): Promise<PredictResult> {
    const started = this.clock();
    if (request.flows.length === 0) throw new InvalidInputError('flows must hold at least one flow', { details: [{ field: 'flows', message: 'empty' }] });
    if (request.flows.length > MAX_FLOWS_PER_REQUEST) {
      throw new InvalidInputError(`flows holds ${request.flows.length} flows; the limit is ${MAX_FLOWS_PER_REQUEST} per request`, {
        details: [{ field: 'flows', message: 'too many flows' }],
      });
    }
    const { m, warning } = await this.modelFor(request.model, request.alias, request.version);
    assertValidFlows(m.schema, request.flows, request.passthrough);
    const flows = request.flows as RawRow[];
    const probabilities = await m.session.run(flows);
    const requestId = request.requestId ?? randomUUID();
    const k = m.classes.length;
    let shap: Float64Array | undefined;
    if (request.explain) {
      const attributions = isFamilyId(m.algorithm) ? modelFamily(m.algorithm).attributions : undefined;
      if (!attributions) {
        const families = FAMILY_IDS.filter((id) => modelFamily(id).attributions).join(', ');
        throw new InvalidInputError(`explanations are available for ${families} models; ${m.model} v${m.version} is ${m.algorithm}`);
      }
      shap = attributions(m.document, rowsToFeatureMatrix(m.schema, flows));
    }
    const top = Math.max(1, Math.min(request.topFeatures ?? 5, m.schema.features.length));
    const predictions: FlowPrediction[] = flows.map((flow, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (probabilities[i * k + c] > probabilities[i * k + best]) best = c;
      const probs: Record<string, number> = {};
      for (let c = 0; c < k; c++) probs[m.classes[c]] = probabilities[i * k + c];
      const label = m.classes[best];
      const confidence = probabilities[i * k + best];
      const prediction: FlowPrediction = {
        predictionId: `${requestId}:${i}`,
        label,
        probabilities: probs,
        confidence,
        alert: !isBenignLabel(label) && confidence >= m.thresholds[best],
      };
      if (!shap) return prediction;
      const nf = m.schema.features.length;
      const base = (i * k + best) * (nf + 1);
      const contributions = m.schema.features.map((f, j) => ({ feature: f.name, value: flow[f.name] ?? null, contribution: shap![base + j] }));
      contributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
      return { ...prediction, explanation: { bias: shap[base + nf], topFeatures: contributions.slice(0, top) } };
    });
    return {
      requestId,
      model: m.model,
      modelVersion: m.version,
      alias: request.version === undefined ? (request.alias ?? 'production') : undefined,
      predictions,
      latencyMs: this.clock() - started,
      warning,
    };
  }

  /** Forgets cached aliases (tests, or an event telling this instance an alias moved). */
  invalidateAliases(): void {
    this.aliases.clear();
  }
}
