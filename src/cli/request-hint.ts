import type { RequestableWire } from '../wire/access-requests.js';
import { type ApiTarget, callApi, parseBody } from './api-client.js';
import { CliError } from './errors.js';
import { requestableListWire } from './wire.js';

const NOT_ENTITLED = 'urn:credvend:problem:not-entitled';

type Covering = Pick<RequestableWire, 'id' | 'accountId' | 'roleArn'>;

/** Whether requestable access gives the role a target names: `<account>/<role>`, or the requestable's own id. */
export function covers(requestable: Covering, target: string): boolean {
  if (requestable.id === target) return true;
  const byRole = /^(\d{12})\/(.+)$/.exec(target);
  const roleName = requestable.roleArn.slice(requestable.roleArn.lastIndexOf('/') + 1);
  return byRole?.[1] === requestable.accountId && byRole?.[2] === roleName;
}

/** The one line after a refusal: the request that would give the target, else where to look. */
export function requestHintLine(requestables: readonly Covering[], target: string): string {
  const covering = requestables.find((r) => covers(r, target));
  if (covering) return `you may request it: credvend request ${covering.id} --duration 1h --reason '<why>'`;
  return 'what you may use: `credvend roles`; what you may ask for: `credvend requestables`';
}

/** Asks the API what this caller may request; a failed lookup still leaves the general line. */
async function requestHint(api: ApiTarget, target: string): Promise<string> {
  try {
    const response = await callApi(api, 'GET', '/v1/requestables');
    return requestHintLine(parseBody(requestableListWire, response).requestables, target);
  } catch {
    return requestHintLine([], target);
  }
}

/**
 * Runs a credential request; a "not entitled" refusal gains what to do next (shown to a
 * person only, see CliError.next), the refusal itself unchanged.
 */
export async function withRequestHint<T>(api: ApiTarget, target: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CliError && error.problem?.type === NOT_ENTITLED && !error.next)
      throw new CliError(error.message, error.exitCode, error.problem, () => requestHint(api, target));
    throw error;
  }
}
