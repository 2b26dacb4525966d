// The experiments control plane: create an A/B, shadow or canary test of a challenger version
// against the champion (refusing a challenger that does not load and a second running test on the
// model), list them, compute results from feedback joined to each arm's predictions, stop them
// (optionally promoting the challenger through the registry's gated deploy), and run the canary's
// step-up / auto-rollback guard. Every change is audited.
//
// Shadow feedback. In shadow mode the caller only ever sees (and labels) the champion's prediction
// ids `<requestId>:<i>`; the challenger's predictions of the same flows are recorded under
// `<requestId>~shadow:<i>` with arm 'shadow-challenger'. When results are computed, each champion
// feedback label of the experiment is copied onto the matching shadow prediction through
// PredictionLog.feedback (put-if-absent: done once, and it also counts towards the challenger
// version's online accuracy). So the shadow arm is judged on exactly the flows the champion was.
import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log';
import { ConflictError, InvalidInputError, UnknownResourceError, UnprocessableError } from '../errors';
import type { ModelRegistry, DeployResult } from '../registry/model-registry';
import type { GateThresholds } from '../registry/promotion-gate';
import { isBenignLabel } from '../serving/model-server';
import type { FeedbackRecord, PredictionLog } from '../serving/prediction-log';
import {
  ExperimentConflictError,
  type CanaryPolicy,
  type Experiment,
  type ExperimentMode,
  type ExperimentStore,
  type HistoryBounds,
  type ResultsPoint,
} from './experiment-store';
import { armOutcome } from './outcomes';
import { experimentResults, type ExperimentResults } from './results';

/** Arm label of shadow-mode challenger predictions in the prediction log. */
export const SHADOW_CHALLENGER_ARM = 'shadow-challenger';
/** Request-id suffix of shadow predictions. */
export const SHADOW_SUFFIX = '~shadow';

/** Defaults of a new experiment. */
export const EXPERIMENT_DEFAULTS = {
  mode: 'ab' as ExperimentMode,
  minSamples: 1000,
  maxDurationHours: 168,
  practicalSignificanceThreshold: 0.01,
  maxLatencyIncrease: 0.2,
  latencyToleranceMs: 25,
  canary: { steps: [0.05, 0.25, 0.5, 1], maxErrorRate: 0.2, maxLatencyMs: 250, stepAfterSamples: 500 } satisfies CanaryPolicy,
  /** Results history: one point per 10 minutes, at most 1,008 (a week, the default maxDurationHours). */
  history: { intervalMs: 600_000, maxPoints: 1008 } satisfies HistoryBounds,
} as const;

/** Results with the experiment's results history (oldest first; its last point is these results while the test runs). */
export type ExperimentResultsWithHistory = ExperimentResults & { readonly history: readonly ResultsPoint[] };

/** The history point of computed results. */
export function resultsPoint(r: ExperimentResults): ResultsPoint {
  const { champion, challenger } = r.arms;
  return {
    at: r.computedAt,
    trafficSplit: r.trafficSplit,
    championRouted: champion.routedFlows,
    challengerRouted: challenger.routedFlows,
    championLabelled: champion.labelled,
    challengerLabelled: challenger.labelled,
    championCorrect: champion.correct,
    challengerCorrect: challenger.correct,
    pValue: r.sequential ? r.sequential.pValue : null,
    effect: r.effect_size,
    csLow: r.effect_ci_low,
    csHigh: r.effect_ci_high,
    srmPValue: r.srm.pValue,
    srmMismatch: r.srm.mismatch,
  };
}

/** The prediction id a shadow prediction of `predictionId` (`<requestId>:<i>`) carries. */
export function shadowPredictionId(predictionId: string): string {
  const at = predictionId.lastIndexOf(':');
  return `${predictionId.slice(0, at)}${SHADOW_SUFFIX}${predictionId.slice(at)}`;
}

export interface CreateExperimentInput {
  readonly model: string;
  readonly challengerVersion: number;
  /** Default: the version production serves now. */
  readonly championVersion?: number;
  /** Challenger share (ab), shadowed share (shadow) or first canary step when `canary.steps` is not given. */
  readonly trafficSplit?: number;
  readonly mode?: ExperimentMode;
  /** Flow field to route by (sticky per-flow); default one arm per request (request id). */
  readonly routingKey?: string;
  readonly minSamples?: number;
  readonly maxDurationHours?: number;
  readonly practicalSignificanceThreshold?: number;
  /** Relative latency increase that blocks a promotion (default 0.2) … */
  readonly maxLatencyIncrease?: number;
  /** … when the challenger is also this many ms slower (default 25). */
  readonly latencyToleranceMs?: number;
  readonly canary?: Partial<CanaryPolicy>;
  readonly actor: string;
  readonly reason?: string;
}

export interface StopExperimentOptions {
  /** Promote the challenger to production (gated deploy) when the recommendation justifies it. */
  readonly promote?: boolean;
  /** Promote even when the recommendation does not justify it; needs `reason`. The promotion gate still applies. */
  readonly force?: boolean;
  readonly reason?: string;
  readonly actor: string;
}

export interface StopExperimentResult {
  readonly experiment: Experiment;
  readonly results: ExperimentResults;
  /** The production deploy, when the challenger was promoted. */
  readonly promotion: Pick<DeployResult, 'move' | 'gate' | 'event'> | null;
}

/** What the loader must do: open (and checksum-verify) a version, throwing when it is unhealthy. */
export interface VersionLoader {
  load(model: string, version: number): Promise<unknown>;
}

export interface ExperimentServiceOptions {
  readonly store: ExperimentStore;
  readonly registry: Pick<ModelRegistry, 'resolveAlias' | 'getVersion' | 'aliasState' | 'moveAlias' | 'removeAlias' | 'deploy'>;
  readonly loader: VersionLoader;
  readonly predictionLog: Pick<PredictionLog, 'feedback' | 'feedbackFor'>;
  readonly audit: Pick<AuditLog, 'append'>;
  /** Promotion-gate thresholds used when stop promotes. */
  readonly thresholds: GateThresholds;
  readonly clock?: () => Date;
  /** Bounds of the results history (default EXPERIMENT_DEFAULTS.history). */
  readonly history?: Partial<HistoryBounds>;
}

function invalid(field: string, message: string): InvalidInputError {
  return new InvalidInputError(`${field}: ${message}`, { details: [{ field, message }] });
}

function requireNumber(field: string, value: number, min: number, max: number): void {
  if (!(typeof value === 'number' && value >= min && value <= max)) throw invalid(field, `must be a number in [${min}, ${max}] (got ${value})`);
}

/**
 * The experiments control plane.
 *
 * @example
 * const experiments = new ExperimentService({ store, registry, loader: modelServer, predictionLog, audit, thresholds });
 * const e = await experiments.create({ model: 'general', challengerVersion: 4, trafficSplit: 0.1, routingKey: 'Source IP', actor: 'alice' });
 * const r = await experiments.results(e.id); // r.recommendation, r.p_value, r.arms …
 * await experiments.stop(e.id, { promote: true, actor: 'alice' });
 */
export class ExperimentService {
  private readonly clock: () => Date;

  constructor(private readonly options: ExperimentServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  get store(): ExperimentStore {
    return this.options.store;
  }

  /**
   * Creates and starts an experiment.
   * @throws InvalidInputError (bad split, steps …), UnknownResourceError (unknown version),
   *   UnprocessableError (challenger or champion fails to load; no production version),
   *   ConflictError (the model already has a running experiment)
   */
  async create(input: CreateExperimentInput): Promise<Experiment> {
    const { model, challengerVersion, actor } = input;
    const mode = input.mode ?? EXPERIMENT_DEFAULTS.mode;
    const minSamples = input.minSamples ?? EXPERIMENT_DEFAULTS.minSamples;
    const maxDurationHours = input.maxDurationHours ?? EXPERIMENT_DEFAULTS.maxDurationHours;
    const practical = input.practicalSignificanceThreshold ?? EXPERIMENT_DEFAULTS.practicalSignificanceThreshold;
    if (!Number.isInteger(minSamples) || minSamples < 1) throw invalid('minSamples', `must be a positive integer (got ${minSamples})`);
    requireNumber('maxDurationHours', maxDurationHours, 0, 24 * 365);
    requireNumber('practicalSignificanceThreshold', practical, 0, 1);
    const maxLatencyIncrease = input.maxLatencyIncrease ?? EXPERIMENT_DEFAULTS.maxLatencyIncrease;
    const latencyToleranceMs = input.latencyToleranceMs ?? EXPERIMENT_DEFAULTS.latencyToleranceMs;
    requireNumber('maxLatencyIncrease', maxLatencyIncrease, 0, 1000);
    requireNumber('latencyToleranceMs', latencyToleranceMs, 0, 3_600_000);
    if (input.routingKey !== undefined && !input.routingKey.trim()) throw invalid('routingKey', 'must name a flow field');
    let trafficSplit: number;
    let canary: Experiment['canary'];
    if (mode === 'canary') {
      const base = EXPERIMENT_DEFAULTS.canary;
      const given = input.canary?.steps;
      const steps = given ?? (input.trafficSplit !== undefined ? [input.trafficSplit, ...base.steps.filter((s) => s > input.trafficSplit!)] : [...base.steps]);
      if (steps.length === 0) throw invalid('canary.steps', 'must hold at least one step');
      steps.forEach((s, i) => {
        if (!(s > 0 && s <= 1)) throw invalid(`canary.steps.${i}`, `must be in (0, 1] (got ${s})`);
        if (i > 0 && !(s > steps[i - 1])) throw invalid(`canary.steps.${i}`, 'steps must increase');
      });
      const policy: CanaryPolicy = {
        steps,
        maxErrorRate: input.canary?.maxErrorRate ?? base.maxErrorRate,
        maxLatencyMs: input.canary?.maxLatencyMs ?? base.maxLatencyMs,
        stepAfterSamples: input.canary?.stepAfterSamples ?? base.stepAfterSamples,
      };
      requireNumber('canary.maxErrorRate', policy.maxErrorRate, 0, 1);
      requireNumber('canary.maxLatencyMs', policy.maxLatencyMs, 0, 3_600_000);
      if (!Number.isInteger(policy.stepAfterSamples) || policy.stepAfterSamples < 1) throw invalid('canary.stepAfterSamples', 'must be a positive integer');
      canary = { ...policy, stepIndex: 0, stepStartedSamples: 0 };
      trafficSplit = steps[0];
    } else {
      if (input.trafficSplit === undefined) throw invalid('trafficSplit', `is required in ${mode} mode`);
      if (!(input.trafficSplit > 0 && input.trafficSplit <= 1)) throw invalid('trafficSplit', `must be in (0, 1] (got ${input.trafficSplit})`);
      trafficSplit = input.trafficSplit;
    }

    const championVersion = input.championVersion ?? (await this.options.registry.resolveAlias(model, 'production'))?.version;
    if (championVersion === undefined) {
      throw new UnprocessableError(`model ${model} has no production version to test against: deploy one or pass championVersion`, {
        details: [{ field: 'championVersion', message: 'no production version' }],
      });
    }
    if (championVersion === challengerVersion) throw invalid('challengerVersion', `must differ from the champion (version ${championVersion})`);
    await this.options.registry.getVersion(model, challengerVersion);
    await this.options.registry.getVersion(model, championVersion);
    for (const [arm, version] of [
      ['challenger', challengerVersion],
      ['champion', championVersion],
    ] as const) {
      try {
        await this.options.loader.load(model, version);
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        await this.options.audit.append({
          actor,
          action: 'experiment.create.refused',
          subject: `model/${model}/version/${version}`,
          reason: `${arm} failed to load: ${message}`,
          parameters: { mode, championVersion, challengerVersion, trafficSplit },
        });
        throw new UnprocessableError(`the ${arm} (${model} v${version}) failed to load, so no traffic is routed to it: ${message}`, {
          cause: error,
          details: [{ field: arm === 'challenger' ? 'challengerVersion' : 'championVersion', message: `failed to load: ${message}` }],
        });
      }
    }

    const now = this.clock();
    const id = `exp-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    await this.claim(model, id, now.toISOString());
    const experiment: Experiment = {
      id,
      model,
      championVersion,
      challengerVersion,
      mode,
      trafficSplit,
      ...(input.routingKey ? { routingKey: input.routingKey.trim() } : {}),
      minSamples,
      maxDurationHours,
      practicalSignificanceThreshold: practical,
      maxLatencyIncrease,
      latencyToleranceMs,
      ...(canary ? { canary } : {}),
      state: 'running',
      createdAt: now.toISOString(),
      createdBy: actor,
      ...(input.reason ? { reason: input.reason } : {}),
      revision: 1,
    };
    try {
      await this.options.store.create(experiment);
    } catch (error) {
      await this.options.store.releaseRunning(model, id);
      throw error;
    }
    await this.moveChallengerAlias(experiment, actor);
    await this.options.audit.append({
      actor,
      action: 'experiment.create',
      subject: `model/${model}/experiment/${id}`,
      reason: input.reason,
      before: { production: championVersion },
      after: { state: 'running', mode, trafficSplit },
      parameters: {
        championVersion,
        challengerVersion,
        mode,
        trafficSplit,
        routingKey: input.routingKey ?? null,
        minSamples,
        maxDurationHours,
        canary: canary ?? null,
      },
    });
    return experiment;
  }

  /** Takes the model's running pointer; a pointer left by a crashed create or a finished test is reclaimed. */
  private async claim(model: string, id: string, at: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.options.store.claimRunning(model, id, at)) return;
      const holder = await this.options.store.runningId(model);
      if (holder === undefined) continue;
      const running = await this.options.store.get(holder);
      if (running?.state === 'running') {
        throw new ConflictError(
          `model ${model} already has a running experiment (${holder}, ${running.mode}, v${running.championVersion} vs v${running.challengerVersion}); stop it first`,
          {
            details: { model, runningExperiment: holder },
          },
        );
      }
      await this.options.store.releaseRunning(model, holder);
    }
    throw new ConflictError(`could not start an experiment on ${model}: its running-experiment pointer keeps changing; retry`);
  }

  /** Points the `challenger` alias at the challenger (kind ab-start); a lost race is retried, other failures only reported in the audit. */
  private async moveChallengerAlias(e: Experiment, actor: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.options.registry.aliasState(e.model, 'challenger');
      if (current?.version === e.challengerVersion) return;
      try {
        await this.options.registry.moveAlias(e.model, 'challenger', e.challengerVersion, {
          expectedRevision: current?.revision,
          actor,
          kind: 'ab-start',
          reason: `experiment ${e.id} (${e.mode})`,
        });
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
  }

  /**
   * Removes the `challenger` alias when it still points at this experiment's challenger (the test
   * is over: nothing is being challenged). A lost race or a failure is reported in the audit, never thrown.
   */
  private async removeChallengerAlias(e: Experiment, actor: string, why: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.options.registry.aliasState(e.model, 'challenger');
      if (!current || current.removed || current.version !== e.challengerVersion) return;
      try {
        await this.options.registry.removeAlias(e.model, 'challenger', {
          expectedRevision: current.revision,
          actor,
          kind: 'ab-stop',
          reason: `experiment ${e.id} ${why}`,
        });
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
  }

  /** One experiment; UnknownResourceError (404) when it does not exist. */
  async get(id: string): Promise<Experiment> {
    const e = await this.options.store.get(id);
    if (!e) throw new UnknownResourceError(`no experiment ${id}`, { details: [{ field: 'id', message: 'unknown experiment' }] });
    return e;
  }

  /** Experiments, newest first, optionally of one model and/or in one state. */
  async list(filter: { model?: string; state?: Experiment['state'] } = {}): Promise<Experiment[]> {
    return (await this.options.store.list()).filter((e) => (!filter.model || e.model === filter.model) && (!filter.state || e.state === filter.state));
  }

  /** The model's running experiment (read through its pointer), if any. */
  async running(model: string): Promise<Experiment | undefined> {
    const id = await this.options.store.runningId(model);
    if (!id) return undefined;
    const e = await this.options.store.get(id);
    return e?.state === 'running' ? e : undefined;
  }

  /** Feedback of the experiment's arms (shadow labels copied onto the shadow predictions first). */
  async armRecords(e: Experiment): Promise<{ champion: FeedbackRecord[]; challenger: FeedbackRecord[] }> {
    let records = (await this.options.predictionLog.feedbackFor(e.model, e.createdAt)).filter((r) => r.experimentId === e.id);
    if (e.mode === 'shadow') records = records.concat(await this.mirrorShadowFeedback(records));
    const challengerArm = e.mode === 'shadow' ? SHADOW_CHALLENGER_ARM : 'challenger';
    return { champion: records.filter((r) => r.arm === 'champion'), challenger: records.filter((r) => r.arm === challengerArm) };
  }

  private async mirrorShadowFeedback(records: readonly FeedbackRecord[]): Promise<FeedbackRecord[]> {
    const have = new Set(records.filter((r) => r.arm === SHADOW_CHALLENGER_ARM).map((r) => r.predictionId));
    const missing = records
      .filter((r) => r.arm === 'champion')
      .map((r) => ({ predictionId: shadowPredictionId(r.predictionId), label: r.actual }))
      .filter((x) => !have.has(x.predictionId));
    const added: FeedbackRecord[] = [];
    for (let i = 0; i < missing.length; i += 1000) added.push(...(await this.options.predictionLog.feedback(missing.slice(i, i + 1000))).records);
    return added;
  }

  /**
   * Results of an experiment (see results.ts) with its results history. While it runs, each
   * computation is recorded as the point of its time bucket (see ExperimentStore.recordPoint).
   */
  async results(id: string): Promise<ExperimentResultsWithHistory> {
    const results = await this.resultsOf(await this.get(id));
    return { ...results, history: await this.options.store.history(id) };
  }

  private async resultsOf(e: Experiment, records?: { champion: FeedbackRecord[]; challenger: FeedbackRecord[] }): Promise<ExperimentResults> {
    const [arms, counts] = await Promise.all([records ?? this.armRecords(e), this.options.store.counts(e.id)]);
    const results = experimentResults({
      experiment: e,
      champion: armOutcome(arms.champion, isBenignLabel),
      challenger: armOutcome(arms.challenger, isBenignLabel),
      counts,
      now: this.clock(),
    });
    if (e.state === 'running') await this.options.store.recordPoint(e.id, resultsPoint(results), { ...EXPERIMENT_DEFAULTS.history, ...this.options.history });
    return results;
  }

  /**
   * Ends a running experiment. With `promote`, the challenger is deployed to production through the
   * gated deploy when the recommendation is promote_challenger, or anyway with `force` and a reason.
   * @throws ConflictError when it is not running, when promotion is not justified (and not forced),
   *   or when the promotion gate refuses (the experiment then keeps running)
   */
  async stop(id: string, options: StopExperimentOptions): Promise<StopExperimentResult> {
    const e = await this.get(id);
    if (e.state !== 'running') throw new ConflictError(`experiment ${id} is already ${e.state}`, { details: { id, state: e.state } });
    const reason = options.reason?.trim() || undefined;
    if (options.force && !reason) throw invalid('reason', 'a forced promotion needs a reason');
    const results = await this.resultsOf(e);
    let promotion: StopExperimentResult['promotion'] = null;
    if (options.promote) {
      const justified = results.recommendation === 'promote_challenger';
      if (!justified && !options.force) {
        throw new ConflictError(
          `promoting v${e.challengerVersion} is not justified: the recommendation is ${results.recommendation} (${results.reason}); pass force with a reason to promote anyway`,
          {
            details: { recommendation: results.recommendation, reason: results.reason },
          },
        );
      }
      const why = justified ? `experiment ${id}: ${results.reason}` : `experiment ${id} forced: ${reason}`;
      const deployed = await this.options.registry.deploy(e.model, e.challengerVersion, {
        actor: options.actor,
        reason: why,
        thresholds: this.options.thresholds,
      });
      promotion = { move: deployed.move, gate: deployed.gate, event: deployed.event };
    }
    const stopped = await this.options.store.update(e, {
      ...e,
      state: 'stopped',
      stoppedAt: this.clock().toISOString(),
      stoppedBy: options.actor,
      ...(reason ? { stopReason: reason } : {}),
      outcome: promotion ? 'promoted' : 'kept-champion',
    });
    await this.options.store.releaseRunning(e.model, e.id);
    await this.removeChallengerAlias(e, options.actor, promotion ? 'stopped: the challenger was promoted' : 'stopped');
    await this.options.audit.append({
      actor: options.actor,
      action: promotion ? 'experiment.stop.promoted' : 'experiment.stop',
      subject: `model/${e.model}/experiment/${e.id}`,
      reason,
      before: { state: 'running', production: e.championVersion },
      after: { state: 'stopped', outcome: stopped.outcome, production: promotion ? e.challengerVersion : e.championVersion },
      metrics: { samples_a: results.samples_a, samples_b: results.samples_b, metric_a: results.metric_a, metric_b: results.metric_b, p_value: results.p_value },
      parameters: { promote: !!options.promote, force: !!options.force, recommendation: results.recommendation, winner: results.winner },
    });
    return { experiment: stopped, results, promotion };
  }

  /**
   * The canary guard: once the challenger has `stepAfterSamples` labelled predictions, a breached
   * error rate or median latency rolls the canary back (split 0, state rolled-back, pointer released,
   * audited); otherwise each further `stepAfterSamples` labelled predictions raise the split one step.
   * Returns the experiment as it now stands. A concurrent change of the experiment is not an error.
   * Each run also records the results point of its history bucket.
   */
  async evaluateCanary(id: string): Promise<Experiment> {
    const e = await this.get(id);
    if (e.state !== 'running' || e.mode !== 'canary' || !e.canary) return e;
    const c = e.canary;
    const arms = await this.armRecords(e);
    // each guard run is also a results point, so a canary's history grows as it runs, looked at or not
    await this.resultsOf(e, arms);
    const { challenger } = arms;
    const n = challenger.length;
    if (n < c.stepAfterSamples) return e;
    const outcome = armOutcome(challenger, isBenignLabel);
    const errorRate = 1 - outcome.accuracy;
    const breaches: string[] = [];
    if (errorRate > c.maxErrorRate) breaches.push(`error rate ${(100 * errorRate).toFixed(1)}% > ${(100 * c.maxErrorRate).toFixed(1)}%`);
    if (outcome.medianLatencyMs !== null && outcome.medianLatencyMs > c.maxLatencyMs)
      breaches.push(`median latency ${outcome.medianLatencyMs.toFixed(1)} ms > ${c.maxLatencyMs} ms`);
    const now = this.clock().toISOString();
    try {
      if (breaches.length > 0) {
        const reason = `canary guard breached at ${(100 * e.trafficSplit).toFixed(0)}% traffic after ${n} labelled challenger predictions: ${breaches.join('; ')}`;
        const rolled = await this.options.store.update(e, {
          ...e,
          state: 'rolled-back',
          trafficSplit: 0,
          stoppedAt: now,
          stoppedBy: 'canary-guard',
          stopReason: reason,
          outcome: 'rolled-back',
          rollback: { at: now, reason, errorRate, medianLatencyMs: outcome.medianLatencyMs, samples: n },
        });
        await this.options.store.releaseRunning(e.model, e.id);
        await this.removeChallengerAlias(e, 'canary-guard', 'rolled back by the canary guard');
        await this.options.audit.append({
          actor: 'canary-guard',
          action: 'experiment.rolled-back',
          subject: `model/${e.model}/experiment/${e.id}`,
          reason,
          before: { state: 'running', trafficSplit: e.trafficSplit },
          after: { state: 'rolled-back', trafficSplit: 0 },
          metrics: { errorRate, medianLatencyMs: outcome.medianLatencyMs, samples: n },
          parameters: { maxErrorRate: c.maxErrorRate, maxLatencyMs: c.maxLatencyMs, challengerVersion: e.challengerVersion },
        });
        return rolled;
      }
      if (c.stepIndex < c.steps.length - 1 && n - c.stepStartedSamples >= c.stepAfterSamples) {
        const stepIndex = c.stepIndex + 1;
        const stepped = await this.options.store.update(e, { ...e, trafficSplit: c.steps[stepIndex], canary: { ...c, stepIndex, stepStartedSamples: n } });
        await this.options.audit.append({
          actor: 'canary-guard',
          action: 'experiment.canary-step',
          subject: `model/${e.model}/experiment/${e.id}`,
          reason: `${n} labelled challenger predictions within bounds (error rate ${(100 * errorRate).toFixed(1)}%)`,
          before: { trafficSplit: e.trafficSplit },
          after: { trafficSplit: stepped.trafficSplit },
          metrics: { errorRate, medianLatencyMs: outcome.medianLatencyMs, samples: n },
        });
        return stepped;
      }
    } catch (error) {
      if (error instanceof ExperimentConflictError) return this.get(id);
      throw error;
    }
    return e;
  }
}

/**
 * The original Mini-XDR `create_ab_test(new_model, current_model, traffic_split)`: starts an A/B
 * test of version `newVersion` against `currentVersion` (default production) of `model`.
 *
 * @example await create_ab_test(experiments, 'general', 4, 3, 0.5)
 */
export function create_ab_test(
  service: ExperimentService,
  model: string,
  newVersion: number,
  currentVersion?: number,
  trafficSplit = 0.5,
  actor = 'system',
): Promise<Experiment> {
  return service.create({ model, challengerVersion: newVersion, championVersion: currentVersion, trafficSplit, mode: 'ab', actor });
}
