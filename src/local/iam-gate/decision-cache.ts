import type { Verdict } from './judge.js';
import type { Principal } from './principals.js';

/** Per principal, at most this many remembered decisions; past it that principal starts afresh. */
const PER_PRINCIPAL = 2000;

/** A policy's text, lower-cased (condition keys are case-insensitive), kept per document object. */
const texts = new WeakMap<object, string>();
function textOf(policy: object): string {
  let text = texts.get(policy);
  if (text === undefined) {
    text = JSON.stringify(policy).toLowerCase();
    texts.set(policy, text);
  }
  return text;
}

/** What one judgement read, apart from the principal (the cache's first key). */
export interface DecisionInputs {
  action: string;
  resource: string;
  resourceAccount: string;
  context: Record<string, string | string[]>;
  /** Every policy document the judgement read: identity, boundary, session, resource. */
  policies: readonly object[];
}

/**
 * The cache key of a judgement: everything it depends on besides the principal and the policy
 * documents. A context key's value counts only if some policy names the key (as a condition
 * key or a `${…}` variable): the simulator cannot read a key no policy names. So a PutItem's
 * leading key or aws:CurrentTime does not split the cache unless a policy tests it, and when
 * one does, each value is judged afresh. The names of all keys count, whatever their values.
 */
export function decisionKey(inputs: DecisionInputs): string {
  const named = inputs.policies.map(textOf);
  const context = Object.keys(inputs.context)
    .sort()
    .map((key) => {
      const lower = key.toLowerCase();
      return named.some((text) => text.includes(lower)) ? [key, inputs.context[key]] : [key];
    });
  return JSON.stringify([inputs.action, inputs.resource, inputs.resourceAccount, context]);
}

/**
 * Decisions the gate already made, by principal (each session's tags, SourceIdentity, session
 * policies and issue time are fixed by its AssumeRole) and decisionKey. Any change that passes
 * the gate and may touch a policy starts a new generation: nothing decided before it is used
 * again, and a decision that was being made across the change is not kept.
 */
export class DecisionCache {
  private decisions = new WeakMap<Principal, Map<string, Verdict>>();
  private generation = 0;
  hits = 0;
  misses = 0;

  /** The generation a decision starts in; pass it back to `remember`. */
  current(): number {
    return this.generation;
  }

  invalidate(): void {
    this.generation++;
    this.decisions = new WeakMap();
  }

  recall(principal: Principal, key: string): Verdict | undefined {
    const verdict = this.decisions.get(principal)?.get(key);
    if (verdict) this.hits++;
    else this.misses++;
    return verdict;
  }

  remember(principal: Principal, key: string, verdict: Verdict, generation: number): void {
    if (generation !== this.generation) return;
    let mine = this.decisions.get(principal);
    if (!mine || mine.size >= PER_PRINCIPAL) {
      mine = new Map();
      this.decisions.set(principal, mine);
    }
    mine.set(key, verdict);
  }
}
