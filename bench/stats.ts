/** Percentile by nearest rank over a copy of the samples (milliseconds). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarize(samples: readonly number[]): { p50: number; p99: number; mean: number; n: number } {
  const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), mean, n: samples.length };
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}
