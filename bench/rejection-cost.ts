import { createVendFunction } from '../src/compose/vend.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import { benchComposition } from './composition.js';
import { ms, summarize } from './stats.js';

/**
 * List prices (us-east-1, USD) the cost model uses; change them here for another region.
 * API Gateway bills neither a request it throttles nor one its authorizer refuses (AWS's
 * answer on re:Post; the pricing page no longer says either way), so a rejection at the
 * edge is taken to cost nothing.
 */
const PRICE = {
  httpApiPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
};
/** The vend function's memorySize in serverless.yml. */
const VEND_MEMORY_GB = 512 / 1024;

/**
 * What a million rejected requests cost when the function rejects them (a missing or forged
 * bearer token: API Gateway request, Lambda request, Lambda duration measured here in-process
 * on the real vend app, billed per started millisecond) against an edge rejection (throttled,
 * or refused by an API Gateway authorizer). Log ingestion of the 401 line is left out.
 */
export async function benchRejectionCost(environment: LocalEnvironment, requests: number): Promise<void> {
  const app = createVendFunction(benchComposition(environment));
  const cases = {
    'no Authorization header': {},
    'forged bearer token': { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' },
  };
  console.log('\nrejection cost (per million rejected requests; in the function vs at the edge)');
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
    const duration = (billedMs / 1000) * VEND_MEMORY_GB * PRICE.lambdaArmPerGbSecond * 1e6;
    const inFunction = PRICE.httpApiPerMillion + PRICE.lambdaRequestsPerMillion + duration;
    console.log(
      `  ${name}: rejected in ${ms(p50)} p50 / ${ms(p99)} p99; in the function $${inFunction.toFixed(2)}` +
        ` (API $${PRICE.httpApiPerMillion.toFixed(2)} + Lambda requests $${PRICE.lambdaRequestsPerMillion.toFixed(2)}` +
        ` + ${billedMs} ms at 512 MB $${duration.toFixed(2)}), at the edge $0.00: cost saved per million rejected requests $${inFunction.toFixed(2)}`,
    );
  }
}
