import { parsePolicyDocument } from '../domain/policy/policy.js';
import type { Entitlement } from '../domain/shared/types.js';
import {
  type Item,
  MalformedItemError,
  num,
  putIfDefined,
  readBoolean,
  readNumber,
  readOptionalNumber,
  readOptionalString,
  readString,
  readStringList,
  readStringMap,
  str,
  strList,
  strMap,
} from './attribute-values.js';

function readEffect(item: Item): 'allow' | 'deny' {
  const effect = readOptionalString(item, 'effect') ?? 'allow';
  if (effect !== 'allow' && effect !== 'deny') throw new MalformedItemError(`attribute effect is ${effect}`);
  return effect;
}

function readDate(item: Item, name: string): Date | undefined {
  const raw = readOptionalString(item, name);
  if (raw === undefined) return undefined;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new MalformedItemError(`attribute ${name} is not an ISO-8601 time`);
  return date;
}

/** The entitlement row as stored: the session policy is JSON text so its size is what STS sees. */
export function entitlementToItem(entitlement: Entitlement): Item {
  const item: Item = {
    subject: str(entitlement.subject),
    entitlementId: str(entitlement.id),
    accountId: str(entitlement.accountId),
    roleArn: str(entitlement.roleArn),
    maxDurationSeconds: num(entitlement.maxDurationSeconds),
    managedPolicyArns: strList(entitlement.managedPolicyArns),
    tags: strMap(entitlement.tags),
    claimTags: strMap(entitlement.claimTags),
    transitiveTagKeys: strList(entitlement.transitiveTagKeys),
    reasonRequired: { BOOL: entitlement.reasonRequired },
    ...(entitlement.endWithToken ? { endWithToken: { BOOL: true } } : {}),
    effect: str(entitlement.effect),
    version: num(entitlement.version),
  };
  putIfDefined(item, 'defaultDurationSeconds', entitlement.defaultDurationSeconds, num);
  putIfDefined(item, 'sessionPolicy', entitlement.sessionPolicy, (p) => str(JSON.stringify(p)));
  putIfDefined(item, 'externalId', entitlement.externalId, str);
  putIfDefined(item, 'notBefore', entitlement.notBefore, (d) => str(d.toISOString()));
  putIfDefined(item, 'notAfter', entitlement.notAfter, (d) => str(d.toISOString()));
  putIfDefined(item, 'description', entitlement.description, str);
  putIfDefined(item, 'claimConditions', entitlement.claimConditions, strMap);
  putIfDefined(item, 'accessRequestId', entitlement.accessRequestId, str);
  return item;
}

export function itemToEntitlement(item: Item): Entitlement {
  const entitlement: Entitlement = {
    id: readString(item, 'entitlementId'),
    subject: readString(item, 'subject'),
    accountId: readString(item, 'accountId'),
    roleArn: readString(item, 'roleArn'),
    maxDurationSeconds: readNumber(item, 'maxDurationSeconds'),
    managedPolicyArns: readStringList(item, 'managedPolicyArns'),
    tags: readStringMap(item, 'tags'),
    claimTags: readStringMap(item, 'claimTags'),
    transitiveTagKeys: readStringList(item, 'transitiveTagKeys'),
    reasonRequired: readBoolean(item, 'reasonRequired', false),
    ...(readBoolean(item, 'endWithToken', false) ? { endWithToken: true } : {}),
    effect: readEffect(item),
    version: readOptionalNumber(item, 'version') ?? 1,
  };
  const defaultDuration = readOptionalNumber(item, 'defaultDurationSeconds');
  if (defaultDuration !== undefined) entitlement.defaultDurationSeconds = defaultDuration;
  const policyText = readOptionalString(item, 'sessionPolicy');
  if (policyText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(policyText);
    } catch {
      throw new MalformedItemError('attribute sessionPolicy is not JSON');
    }
    entitlement.sessionPolicy = parsePolicyDocument(parsed, 'sessionPolicy');
  }
  const externalId = readOptionalString(item, 'externalId');
  if (externalId !== undefined) entitlement.externalId = externalId;
  const notBefore = readDate(item, 'notBefore');
  if (notBefore) entitlement.notBefore = notBefore;
  const notAfter = readDate(item, 'notAfter');
  if (notAfter) entitlement.notAfter = notAfter;
  const description = readOptionalString(item, 'description');
  if (description !== undefined) entitlement.description = description;
  if (item.claimConditions !== undefined)
    entitlement.claimConditions = readStringMap(item, 'claimConditions');
  const accessRequestId = readOptionalString(item, 'accessRequestId');
  if (accessRequestId !== undefined) entitlement.accessRequestId = accessRequestId;
  return entitlement;
}
