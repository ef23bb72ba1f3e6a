import { asStored } from '../admin/entitlement-admin.js';
import { sameContent } from '../shared/same-content.js';
import { entitlementEffects, requestableEffects, seenRequestable } from './effects.js';
import { isGrantRow, owned } from './ownership.js';
import type { AccessEffect, AccessPlan, CurrentAccess, DesiredAccess, PlanStep, RowKind } from './types.js';

interface Diff<Desired, Current> {
  kind: RowKind;
  desired: readonly Desired[];
  current: readonly Current[];
  same: (current: Current, desired: Desired) => boolean;
  effects: (before: Current | undefined, after: Desired | undefined) => AccessEffect[];
}

function diffRows<D extends { id: string }, C extends { id: string; version: number }>(
  diff: Diff<D, C>,
  owns: readonly string[],
): { steps: PlanStep[]; effects: AccessEffect[]; leftAlone: number } {
  const steps: PlanStep[] = [];
  const effects: AccessEffect[] = [];
  const byId = new Map(diff.current.map((row) => [row.id, row]));
  const described = new Set(diff.desired.map((row) => row.id));
  for (const want of [...diff.desired].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const have = byId.get(want.id);
    if (have && diff.same(have, want)) continue;
    steps.push(
      have
        ? { kind: diff.kind, op: 'update', id: want.id, expectedVersion: have.version }
        : { kind: diff.kind, op: 'create', id: want.id },
    );
    effects.push(...diff.effects(have, want));
  }
  let leftAlone = 0;
  for (const have of [...diff.current].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (described.has(have.id) || isGrantRow(have.id)) continue;
    if (!owned(have.id, owns)) {
      leftAlone += 1;
      continue;
    }
    steps.push({ kind: diff.kind, op: 'delete', id: have.id, expectedVersion: have.version });
    effects.push(...diff.effects(have, undefined));
  }
  return { steps, effects, leftAlone };
}

/**
 * The writes that make the service hold what a directory describes, each with the version
 * it read, and their effect on who may assume what. Rows the directory does not describe
 * are deleted only where it owns them; rows of just-in-time grants are never touched.
 * Content already stored is no step, so planning what was just applied gives no steps.
 */
export function planAccess(desired: DesiredAccess, current: CurrentAccess): AccessPlan {
  const entitlements = diffRows(
    {
      kind: 'entitlement',
      desired: desired.entitlements,
      current: current.entitlements,
      same: (have, want) => sameContent(asStored(have), asStored(want)),
      effects: (before, after) => entitlementEffects(before, after && asStored(after)),
    },
    desired.owns,
  );
  const requestables = diffRows(
    {
      kind: 'requestable',
      desired: desired.requestables,
      current: current.requestables,
      same: (have, want) => sameContent(have, seenRequestable(want)),
      effects: (before, after) => requestableEffects(before, after && seenRequestable(after)),
    },
    desired.owns,
  );
  return {
    steps: [...entitlements.steps, ...requestables.steps],
    effects: [...entitlements.effects, ...requestables.effects],
    leftAlone: { entitlements: entitlements.leftAlone, requestables: requestables.leftAlone },
  };
}
