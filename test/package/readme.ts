/** The README's `## Deploy` section, up to the next second-level heading. */
export function deploySection(readme: string): string {
  const start = readme.indexOf('\n## Deploy');
  if (start < 0) throw new Error('README has no "## Deploy" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}
