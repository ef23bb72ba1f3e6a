/**
 * The issue-25 targets side by side, from the figures this run measured: one table at the
 * end of `npm run bench`, each row met or missed. A case that was skipped shows as such.
 */
import type { ColdStartFigures } from './cold-start.js';
import type { CostFigures } from './cost-model.js';
import type { OwnCpuFigures } from './own-cpu.js';

interface Figures {
  coldStart: ColdStartFigures | undefined;
  ownCpu: OwnCpuFigures | undefined;
  cost: CostFigures | undefined;
}

type Row = [what: string, figure: string, target: string, met: boolean | undefined];

const x = (ratio: number) => `${ratio.toFixed(2)}x`;
const usd = (value: number) => `$${value.toFixed(2)}`;

function rows({ coldStart, ownCpu, cost }: Figures): Row[] {
  const skipped = (what: string, target: string): Row => [what, 'skipped', target, undefined];
  return [
    coldStart
      ? ['vend bytes / reference', x(coldStart.vendBytesRatio), '<= 1.1x', coldStart.vendBytesRatio <= 1.1]
      : skipped('vend bytes / reference', '<= 1.1x'),
    coldStart
      ? ['vend import / reference', x(coldStart.vendImportRatio), '<= 1.1x', coldStart.vendImportRatio <= 1.1]
      : skipped('vend import / reference', '<= 1.1x'),
    coldStart
      ? [
          'vend import CPU / reference',
          x(coldStart.vendImportCpuRatio),
          '<= 1.1x',
          coldStart.vendImportCpuRatio <= 1.1,
        ]
      : skipped('vend import CPU / reference', '<= 1.1x'),
    coldStart
      ? [
          'import + first issuance / reference',
          `${x(coldStart.vendFirstIssuanceRatio)} (${coldStart.vendFirstIssuanceMs.toFixed(0)} vs ${coldStart.referenceFirstIssuanceMs.toFixed(0)} ms)`,
          '(shown)',
          undefined,
        ]
      : skipped('import + first issuance / reference', '(shown)'),
    ownCpu
      ? [
          `own CPU / bare SDK calls${ownCpu.freshToken ? ', fresh token' : ', reused token'}`,
          x(ownCpu.app.cpuMicrosPerOp / ownCpu.bare.cpuMicrosPerOp),
          '<= 1.1x',
          ownCpu.app.cpuMicrosPerOp / ownCpu.bare.cpuMicrosPerOp <= 1.1,
        ]
      : skipped('own CPU / bare SDK calls', '<= 1.1x'),
    ownCpu
      ? ['issuances/s per core', (1e6 / ownCpu.app.cpuMicrosPerOp).toFixed(0), '(shown)', undefined]
      : skipped('issuances/s per core', '(shown)'),
    ...(['oidc', 'aws'] as const).flatMap((kind): Row[] =>
      cost
        ? [
            [`cost per million, ${kind}, stream off`, usd(cost[kind]), '<= $3.00', cost[kind] <= 3],
            [`cost per million, ${kind}, stream on`, usd(cost[kind] + cost.stream), '(shown)', undefined],
            [
              `write units per issuance, ${kind}`,
              cost.writeUnits[kind].toFixed(2),
              '<= 3',
              cost.writeUnits[kind] <= 3,
            ],
          ]
        : [skipped(`cost and write units, ${kind}`, '<= $3.00, <= 3')],
    ),
  ];
}

export function printTargets(figures: Figures): void {
  console.log('\ntargets (issue 25), this run');
  for (const [what, figure, target, met] of rows(figures)) {
    const verdict = met === undefined ? '' : met ? 'met' : 'MISSED';
    console.log(`  ${what.padEnd(44)} ${figure.padEnd(26)} ${target.padEnd(16)} ${verdict}`);
  }
}
