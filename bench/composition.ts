import { type Composition, compose } from '../src/compose/composition.js';
import { loadConfig } from '../src/config.js';
import type { LocalEnvironment } from '../src/local/environment.js';

/** The composition root as the local server builds it, for the stack the bench started, with `settings` over its environment. */
export function benchComposition(
  environment: LocalEnvironment,
  settings: Record<string, string> = {},
): Composition {
  return compose(loadConfig({ ...environment.credvendEnv, ...settings }), {
    kind: 'node',
    sourceIp: () => '127.0.0.1',
    credentials: {
      accessKeyId: environment.stack.seed.vendingAccessKeyId,
      secretAccessKey: environment.stack.seed.vendingSecretAccessKey,
    },
  });
}
