import type { EffectChange } from '../../domain/access-code/types.js';
import type { EffectWithCallers, PlanDocument } from './plan-document.js';

const MARK: Record<EffectChange, string> = {
  gains: '+',
  'no-longer-denied': '+',
  'may-request': '+',
  loses: '-',
  'may-no-longer-request': '-',
  denied: '!',
  changes: '~',
};

const VERB: Record<EffectChange, string> = {
  gains: 'gains',
  loses: 'loses',
  changes: 'keeps, on new terms,',
  denied: 'is denied',
  'no-longer-denied': 'is no longer denied',
  'may-request': 'may request',
  'may-no-longer-request': 'may no longer request',
};

function effectLines(e: EffectWithCallers): string[] {
  const lines = [
    `${MARK[e.change]} ${e.who} ${VERB[e.change]} ${e.roleName} in ${e.accountId} (${e.kind} ${e.id})`,
  ];
  if (e.change !== 'denied' && e.change !== 'no-longer-denied') {
    lines.push(`    ceiling: ${e.ceiling}`, `    ${e.duration}`);
  }
  for (const difference of e.differences) lines.push(`    ${difference}`);
  if (e.callers && e.callers.length > 0) {
    lines.push('    callers in the last 90 days:');
    for (const c of e.callers) {
      const name = c.name && c.name !== c.principal ? `${c.name} ` : '';
      lines.push(`      ${name}(${c.principal}): ${c.issuances} issuance(s), last ${c.last}`);
    }
  } else if (e.callers) {
    lines.push('    callers in the last 90 days: none');
  }
  return lines;
}

/** The plan as a reviewer reads it: the effect of each change, then what is left alone. */
export function renderPlan(doc: PlanDocument): string {
  const left = `${doc.leftAlone.entitlements} entitlement(s) and ${doc.leftAlone.requestables} requestable(s) not in this directory are left alone`;
  if (doc.changes === 0) return `No changes. ${left}.\n`;
  const lines = [`${doc.changes} change(s):`, ''];
  for (const effect of doc.effects) lines.push(...effectLines(effect), '');
  if (doc.callersNote) lines.push(`(${doc.callersNote})`);
  lines.push(`${left}.`);
  return `${lines.join('\n')}\n`;
}
