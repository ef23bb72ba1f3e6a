import type { RequestableInput } from '../access-requests/requestable-admin.js';
import type { Requestable } from '../access-requests/types.js';
import type { EntitlementInput } from '../admin/entitlement-admin.js';
import type { Entitlement } from '../shared/types.js';

/**
 * Requestable access as an admin reads it back: the ExternalId is never sent back, only
 * whether one is set, so that is all a plan can compare.
 */
export type RequestableSeen = Omit<Requestable, 'externalId'> & { externalIdSet: boolean };

/** What a directory of access files describes, every file merged. */
export interface DesiredAccess {
  entitlements: readonly EntitlementInput[];
  requestables: readonly RequestableInput[];
  /**
   * Ids (exact, or a prefix ending in `*`) this directory owns: a row matching one that the
   * directory does not describe is deleted. Rows matching none are left alone.
   */
  owns: readonly string[];
}

/** What the service holds now, with the versions read. */
export interface CurrentAccess {
  entitlements: readonly Entitlement[];
  requestables: readonly RequestableSeen[];
}

export type RowKind = 'entitlement' | 'requestable';
export type StepOp = 'create' | 'update' | 'delete';

/** One write of a plan; `expectedVersion` is the version read, sent as If-Match. */
export interface PlanStep {
  kind: RowKind;
  op: StepOp;
  id: string;
  expectedVersion?: number;
}

/** How a subject's access changes: what a reviewer of the plan needs to judge it. */
export type EffectChange =
  | 'gains'
  | 'loses'
  | 'changes'
  | 'denied'
  | 'no-longer-denied'
  | 'may-request'
  | 'may-no-longer-request';

/** One line of a plan's effect: who, which role in which account, on what terms. */
export interface AccessEffect {
  change: EffectChange;
  /** The row the effect comes from. */
  kind: RowKind;
  id: string;
  /** Who: a subject in words (`group platform at https://idp…`), or a requestable's requesters. */
  who: string;
  accountId: string;
  roleName: string;
  /** The permission ceiling in words: session policy, managed policies, or the whole role. */
  ceiling: string;
  /** Session (and, for requestable access, grant) lengths in words. */
  duration: string;
  /** For `changes`: each difference, `field: before → after`. */
  differences: readonly string[];
}

export interface AccessPlan {
  steps: readonly PlanStep[];
  effects: readonly AccessEffect[];
  /** Rows in the service this directory neither describes nor owns: left alone. */
  leftAlone: { entitlements: number; requestables: number };
}
