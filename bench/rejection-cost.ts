import { createVendFunction } from '../src/compose/vend.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import { benchComposition } from './composition.js';
import { PRICES } from './prices.js';
import { ms, summarize } from './stats.js';

/**
 * What a million rejected requests cost when the function rejects them (a missing or forged
 * bearer token: API Gateway request, Lambda request, Lambda duration measured here in-process
 * on the real vend app, billed per started millisecond) against an edge rejection (throttled,
 * or refused by an API Gateway authorizer). Log ingestion of the 401 line is left out.
 */
export async function benchRejectionCost(
  environment: LocalEnvironment,
  requests: number,
  memoryMb: number,
): Promise<void> {
  const app = createVendFunction(benchComposition(environment));
  const cases = {
    'no Authorization header': {},
    'forged bearer token': { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' },
  };
  console.log('  rejections (per million rejected requests; in the function vs at the edge)');
  for (const [name, headers] of Object.entries(cases)) {
    const samples: number[] = [];
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      const response = await app.request('/v1/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ entitlement: 'demo-readonly' }),
      });
      await response.arrayBuffer();
      samples.push(performance.now() - started);
      if (response.status !== 401) throw new Error(`${name}: expected 401, got ${response.status}`);
    }
    const { p50, p99, mean } = summarize(samples);
    const billedMs = Math.max(1, Math.ceil(mean));
    const duration = (billedMs / 1000) * (memoryMb / 1024) * PRICES.lambdaArmPerGbSecond * 1e6;
    const inFunction = PRICES.httpApiPerMillion + PRICES.lambdaRequestsPerMillion + duration;
    console.log(
      `    ${name}: rejected in ${ms(p50)} p50 / ${ms(p99)} p99; in the function $${inFunction.toFixed(2)}` +
        ` (API $${PRICES.httpApiPerMillion.toFixed(2)} + Lambda requests $${PRICES.lambdaRequestsPerMillion.toFixed(2)}` +
        ` + ${billedMs} ms at ${memoryMb} MB $${duration.toFixed(2)}), at the edge $0.00: cost saved per million rejected requests $${inFunction.toFixed(2)}`,
    );
  }
}
