// Ensemble chaining by lineage policy (issue 21): when a retrain's or an adaptation's candidate is
// registered and the lineage's spec asks for it (`chainEnsemble.after`), the completion handler
// raises one EnsembleRequested over the production version — its registered members when production
// is itself an ensemble — and the candidate. The ensemble job then runs like any other: launcher,
// backend, completion, gate, policy, audit. An ensemble's own candidate never chains, so a chain is
// one step long and cannot loop.
import type { EnsembleChainSettings, EnsembleChainSource } from '../registry/lineage-spec';
import type { ModelVersion } from '../registry/model-registry';
import type { EnsembleRequestedEvent } from './events';
import type { TrainingJobRecord } from './job-records';

/** The actor of chained ensemble requests (the audit log and the launcher's request list show it). */
export const ENSEMBLE_CHAIN_ACTOR = 'lineage-policy';

/** What kind of candidate a finished job produced, for chaining: undefined for an ensemble (which never chains). */
export function chainSource(job: TrainingJobRecord): EnsembleChainSource | undefined {
  if (job.trigger === 'EnsembleRequested' || job.training?.ensemble) return undefined;
  return job.training?.adaptation ? 'adaptation' : 'retrain';
}

/** The registered members of an ensemble version (its `hyperparameters.members`, `model@version:weight,…`; extra members, version 0, are not registered). */
export function registeredMembers(version: ModelVersion): { model: string; version: number }[] {
  const list = version.hyperparameters.members;
  if (typeof list !== 'string') return [];
  return list.split(',').flatMap((entry) => {
    const match = /^(.+)@(\d+)(?::[\d.eE+-]+)?$/.exec(entry.trim());
    const v = match ? Number(match[2]) : 0;
    return match && v >= 1 ? [{ model: match[1], version: v }] : [];
  });
}

/** A chained request, or why none is raised. */
export type ChainDecision =
  { readonly chained: true; readonly request: Omit<EnsembleRequestedEvent, 'type'> } | { readonly chained: false; readonly reason: string };

/**
 * Decides whether a registered candidate starts an ensemble optimisation by its lineage's policy.
 * @param production the version production served when the candidate was registered (before any promotion of it)
 * @example
 * const d = chainDecision({ job, candidate: v5, production: v4, settings: spec.chainEnsemble });
 * if (d.chained) await events.publish('EnsembleRequested', d.request);
 */
export function chainDecision(input: {
  readonly job: TrainingJobRecord;
  readonly candidate: ModelVersion;
  readonly production?: ModelVersion;
  readonly settings?: EnsembleChainSettings;
}): ChainDecision | undefined {
  const { job, candidate, production, settings } = input;
  const source = chainSource(job);
  if (!settings || !source || !settings.after.includes(source)) return undefined; // the policy does not ask: nothing to say
  if (!production) return { chained: false, reason: `no production version to combine ${candidate.model}@${candidate.version} with` };
  const anchors = production.algorithm === 'ensemble' ? registeredMembers(production) : [{ model: production.model, version: production.version }];
  const members = [
    ...anchors.filter((m) => !(m.model === candidate.model && m.version === candidate.version)),
    { model: candidate.model, version: candidate.version },
  ];
  if (members.length < 2 && settings.extraMembers === undefined)
    return { chained: false, reason: `production ${production.model}@${production.version} has no registered member to combine the candidate with` };
  return {
    chained: true,
    request: {
      model: job.model,
      // one request per job: a redelivered completion or a replayed event starts one ensemble job
      requestId: `chain-${job.jobId}`.slice(0, 128),
      actor: ENSEMBLE_CHAIN_ACTOR,
      reason: `lineage policy chainEnsemble after ${source}: ${source} candidate v${candidate.version} with production v${production.version}${production.algorithm === 'ensemble' ? ` (an ensemble of ${anchors.map((m) => `${m.model}@${m.version}`).join(', ')})` : ''}`,
      members,
      method: settings.method ?? 'auto',
      ...(settings.extraMembers !== undefined ? { extraMembers: settings.extraMembers } : {}),
    },
  };
}
