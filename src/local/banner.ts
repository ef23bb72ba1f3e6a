import { DEMO_REQUESTABLE_ID, demoRequestableLine } from './demo-requestable.js';
import type { LocalEnvironment } from './environment.js';
import { AUTOMATION_CLIENT_ID, AUTOMATION_CLIENT_SECRET } from './idp/clients.js';
import { DEMO_USERS } from './idp/demo-users.js';

/** What `npm start` prints once the stack is up; the README's walkthrough quotes it verbatim. */
export function startupBanner(environment: LocalEnvironment): string {
  const { apiUrl, stack, issuer } = environment;
  const sts = stack.stsEndpoint;
  const local = environment.localIdentityProvider;
  const width = Math.max(...DEMO_USERS.map((u) => u.sub.length));
  return [
    '',
    'credvend local stack is up',
    `  API             ${apiUrl}`,
    `  OIDC issuer     ${issuer}${local ? '  (oidc-provider, the demo users below)' : ''}`,
    `  AWS endpoint    ${sts}  (IAM gate: every call judged; moto, DynamoDB Local behind it)`,
    `  target account  ${stack.seed.targetAccountId}: roles credvend-readonly, credvend-deploy`,
    ...(local
      ? [
          '',
          'demo users (the sign-in page lists them; no passwords):',
          ...DEMO_USERS.map((u) => `  ${u.sub.padEnd(width)}  ${u.role}`),
          `  client credentials: ${AUTOMATION_CLIENT_ID} / ${AUTOMATION_CLIENT_SECRET}`,
          '',
          'requestable access (credvend requestables):',
          `  ${demoRequestableLine()}`,
          '',
          'try:',
          `  npx credvend login --issuer ${issuer}      # a browser sign-in; --device without one`,
          '  npx credvend roles',
          '  npx credvend aws-config --write',
          `  aws sts get-caller-identity --profile credvend-demo-readonly --endpoint-url ${sts}`,
          '  TOKEN=$(npx credvend dev-token --sub alice@example.com)   # a token for scripts',
          `  npx credvend --profile bob login --issuer ${issuer}   # sign in as Bob`,
          `  npx credvend --profile bob request ${DEMO_REQUESTABLE_ID} --duration 1h --reason "read the logs"`,
        ]
      : []),
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
