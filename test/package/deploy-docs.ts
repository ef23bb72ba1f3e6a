import { readFile } from 'node:fs/promises';

/**
 * The deploy docs: the walkthrough (docs/operations/deploy.md) followed by the parameter
 * table (docs/operations/parameters.md), the text the README's `## Deploy` section held.
 */
export async function deployDocs(): Promise<string> {
  const [deploy, parameters] = await Promise.all([
    readFile('docs/operations/deploy.md', 'utf8'),
    readFile('docs/operations/parameters.md', 'utf8'),
  ]);
  return `${deploy}\n${parameters}\n`;
}
