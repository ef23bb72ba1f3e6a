import { createHash } from 'node:crypto';
import { planAccess } from '../../domain/access-code/plan.js';
import type { AccessEffect, AccessPlan, CurrentAccess, PlanStep } from '../../domain/access-code/types.js';
import { canonicalJson } from '../../domain/audit/chain.js';
import type { LoadedAccess } from './load.js';
import type { CallerSeen } from './service.js';

/** A step as printed and saved: the version it read and a digest of what it writes (never the body, which may hold an ExternalId). */
export interface DocumentStep extends PlanStep {
  contentSha256?: string;
}

export interface EffectWithCallers extends AccessEffect {
  /** Callers that got credentials under this row in the last 90 days (when the audit was readable). */
  callers?: CallerSeen[];
}

/** What `credvend access plan` prints (`--json`) and saves (`--out`), and what `apply` checks. */
export interface PlanDocument {
  changes: number;
  steps: DocumentStep[];
  effects: EffectWithCallers[];
  leftAlone: AccessPlan['leftAlone'];
  /** Why callers are not named, when they are not. */
  callersNote?: string;
}

export function bodyOf(loaded: LoadedAccess, step: PlanStep): unknown {
  const bodies = step.kind === 'entitlement' ? loaded.entitlementBodies : loaded.requestableBodies;
  return bodies.get(step.id);
}

const digest = (body: unknown) => createHash('sha256').update(canonicalJson(body)).digest('hex');

export function planDocument(
  loaded: LoadedAccess,
  current: CurrentAccess,
  callers: ReadonlyMap<string, CallerSeen[]> | undefined,
): PlanDocument {
  const plan = planAccess(loaded.desired, current);
  const steps = plan.steps.map((step) =>
    step.op === 'delete' ? step : { ...step, contentSha256: digest(bodyOf(loaded, step)) },
  );
  const existing = new Set(current.entitlements.map((e) => e.id));
  const effects = plan.effects.map((effect) => {
    const seen =
      effect.kind === 'entitlement' && existing.has(effect.id) ? callers?.get(effect.id) : undefined;
    return seen ? { ...effect, callers: seen } : effect;
  });
  return {
    changes: steps.length,
    steps,
    effects,
    leftAlone: plan.leftAlone,
    ...(callers
      ? {}
      : {
          callersNote:
            'callers not named: this identity may not read the evidence (GET /v1/reviews/evidence)',
        }),
  };
}

/** The rows whose recent callers a plan names: those it changes or removes. */
export function rowsToName(
  current: CurrentAccess,
  plan: AccessPlan,
): Array<{ id: string; accountId: string }> {
  const touched = new Set(
    plan.steps.filter((s) => s.kind === 'entitlement' && s.op !== 'create').map((s) => s.id),
  );
  return current.entitlements
    .filter((e) => touched.has(e.id))
    .map((e) => ({ id: e.id, accountId: e.accountId }));
}

/** Whether two plans would make the same writes from the same versions read. */
export function sameSteps(a: readonly DocumentStep[], b: readonly DocumentStep[]): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
