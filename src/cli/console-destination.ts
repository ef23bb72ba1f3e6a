/**
 * Where the console opens after sign-in: `console --service`, `--region` and `--destination`
 * become the federation URL's `Destination`, which only ever names the AWS console.
 */
import { CliError } from './errors.js';
import { isRegion } from './region.js';

const CONSOLE_HOST = 'console.aws.amazon.com';

/** Console paths that are not `/<service>/home` (the console's own names for them). */
const SERVICE_PATHS: Readonly<Record<string, string>> = {
  ec2: 'ec2/home',
  iam: 'iam/home',
  s3: 's3/home',
  lambda: 'lambda/home',
  dynamodb: 'dynamodbv2/home',
  ddb: 'dynamodbv2/home',
  cloudformation: 'cloudformation/home',
  cfn: 'cloudformation/home',
  cloudwatch: 'cloudwatch/home',
  logs: 'cloudwatch/home#logsV2:',
  ecs: 'ecs/v2/home',
  eks: 'eks/home',
  rds: 'rds/home',
  sqs: 'sqs/v3/home',
  sns: 'sns/v3/home',
  kms: 'kms/home',
  secretsmanager: 'secretsmanager/home',
  ssm: 'systems-manager/home',
  vpc: 'vpc/home',
  route53: 'route53/v2/home',
  cloudtrail: 'cloudtrail/home',
  billing: 'billing/home',
};

const SERVICE = /^[a-z0-9-]{2,40}$/;

export interface ConsoleWhere {
  service?: string;
  region?: string;
  destination?: string;
}

/** A console host: the global one or a region's (`eu-west-1.console.aws.amazon.com`). */
const isConsoleHost = (host: string) =>
  host === CONSOLE_HOST ||
  (host.endsWith(`.${CONSOLE_HOST}`) && isRegion(host.slice(0, -CONSOLE_HOST.length - 1)));

/**
 * The Destination for the options given, or undefined to keep the service's configured one.
 * A destination is a path on the console or a console URL; anything else is refused
 * with the rule, before anything is vended.
 */
export function consoleDestination(where: ConsoleWhere): string | undefined {
  const { service, region, destination } = where;
  if (region !== undefined && !isRegion(region))
    throw new CliError(`--region must be a region name such as eu-west-1, not ${region}`);
  if (destination !== undefined) {
    if (service !== undefined) throw new CliError('give --service or --destination, not both');
    const base = region ? `https://${region}.${CONSOLE_HOST}` : `https://${CONSOLE_HOST}`;
    let url: URL;
    try {
      url = new URL(destination, base);
    } catch {
      throw new CliError(`--destination ${destination} is not a URL path`);
    }
    if (url.protocol !== 'https:' || !isConsoleHost(url.hostname) || url.port !== '' || url.username !== '')
      throw new CliError(
        `--destination must be a path on the AWS console or an https://${CONSOLE_HOST} URL, not ${destination}`,
      );
    return url.toString();
  }
  if (service === undefined && region === undefined) return undefined;
  if (service !== undefined && !SERVICE.test(service))
    throw new CliError(`--service is a console service such as s3, ec2 or lambda, not ${service}`);
  const path = service === undefined ? 'console/home' : (SERVICE_PATHS[service] ?? `${service}/home`);
  const host = region ? `${region}.${CONSOLE_HOST}` : CONSOLE_HOST;
  const [page, fragment] = path.split('#');
  const query = region ? `?region=${region}` : '';
  return `https://${host}/${page}${query}${fragment !== undefined ? `#${fragment}` : ''}`;
}

/** The sign-in URL with its Destination replaced (the sign-in token does not depend on it). */
export function withDestination(signInUrl: string, destination: string | undefined): string {
  if (destination === undefined) return signInUrl;
  const url = new URL(signInUrl);
  url.searchParams.set('Destination', destination);
  return url.toString();
}
