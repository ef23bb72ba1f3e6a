import type { Command } from 'commander';

/** `credvend access plan|apply <dir>`: access as code (admin role). Loaded on use, so other commands start light. */
export function registerAccessCommands(program: Command): void {
  const access = program
    .command('access')
    .description(
      'access as code: entitlements, subjects and requestable access from a directory of files (admin role)',
    );

  access
    .command('plan')
    .description(
      'what applying <dir> would change, as who gains or loses which role; exit 2 when something would',
    )
    .argument('<dir>', 'directory of access files (.yaml, .yml, .json)')
    .option('--out <file>', 'also save the plan as JSON, for apply --plan')
    .action(async (dir: string, options: { out?: string }) => {
      const { runAccessPlan } = await import('../access/run.js');
      await runAccessPlan(program, dir, options);
    });

  access
    .command('apply')
    .description(
      'plan <dir>, print the plan, and apply exactly it, each step conditional on the version it read',
    )
    .argument('<dir>', 'directory of access files (.yaml, .yml, .json)')
    .option('--plan <file>', 'refuse unless the plan is still this one, saved by plan --out')
    .action(async (dir: string, options: { plan?: string }) => {
      const { runAccessApply } = await import('../access/run.js');
      await runAccessApply(program, dir, options);
    });
}
