import type { Hono } from 'hono';
import type { AccessRequestConfig } from '../access-request-config.js';
import { DynamoDbAccessRequestStore } from '../aws/dynamodb-access-request-store.js';
import { DynamoDbRequestableStore } from '../aws/dynamodb-requestable-store.js';
import { RequestableAdmin } from '../domain/access-requests/requestable-admin.js';
import { AccessRequestService } from '../domain/access-requests/service.js';
import { adminScopeOf } from '../domain/identity/roles.js';
import { type Clock, systemClock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import { createAccessRequestsApp } from '../http/access-requests-app.js';
import type { AppEnv } from '../http/app-env.js';
import { NotificationDispatcher } from '../notify/dispatcher.js';
import { onCallDirectory } from '../oncall/directory.js';
import {
  auditLogOf,
  auditTableOf,
  authMethodsOf,
  type Composition,
  dynamodbOf,
  logAuditFailure,
  privilegedAccessOf,
} from './composition.js';
import { recordDeliveryFailure, sinksOf } from './notices.js';
import { revocationApplierOf } from './revocations.js';
import { secretValueOf } from './secrets.js';

/** The paging services configured for on-call approval; each key is read when a lookup needs it. */
function onCallOf(root: Composition, settings: AccessRequestConfig) {
  const { pagerDuty, opsgenie, timeoutMs } = settings.onCall;
  if (!pagerDuty && !opsgenie) return undefined;
  return onCallDirectory({
    ...(pagerDuty
      ? {
          pagerDuty: {
            apiUrl: pagerDuty.apiUrl,
            token: secretValueOf(root, 'pagerDutyToken', pagerDuty.tokenSecretId),
            timeoutMs,
          },
        }
      : {}),
    ...(opsgenie
      ? {
          opsgenie: {
            apiUrl: opsgenie.apiUrl,
            key: secretValueOf(root, 'opsgenieKey', opsgenie.keySecretId),
            timeoutMs,
          },
        }
      : {}),
  });
}

function serviceOf(root: Composition, clock: Clock): AccessRequestService {
  const { config } = root;
  const settings = config.accessRequests;
  const dynamodb = dynamodbOf(root);
  const audit = auditLogOf(root);
  const sinks = sinksOf(root, settings);
  const revocations = revocationApplierOf(root);
  const onCall = onCallOf(root, settings);
  return new AccessRequestService({
    requests: new DynamoDbAccessRequestStore(dynamodb, {
      requests: settings.tables.requests,
      entitlements: config.tables.entitlements,
      audit: auditTableOf(root),
    }),
    requestables: new DynamoDbRequestableStore(dynamodb, settings.tables.requestables, auditTableOf(root)),
    audit,
    clock,
    newEventId,
    newRequestId: newEventId,
    assignments: config.roles,
    identityRules: config.identity,
    notifier: new NotificationDispatcher(sinks, {
      ...settings.delivery,
      onFailure: recordDeliveryFailure(audit, root.logger, clock),
    }),
    ...(revocations ? { revocations } : {}),
    ...(onCall ? { onCall } : {}),
    onAuditFailure: logAuditFailure(root.logger),
  });
}

/**
 * The requests function: just-in-time access requests, decisions, grants, requestable
 * access and Slack's interactive payloads. `clock` is for tests that let a grant expire.
 */
export function createRequestsFunction(root: Composition, clock: Clock = systemClock): Hono<AppEnv> {
  const { config } = root;
  const settings = config.accessRequests;
  const audit = auditLogOf(root);
  return createAccessRequestsApp({
    requests: serviceOf(root, clock),
    requestables: new RequestableAdmin({
      store: new DynamoDbRequestableStore(dynamodbOf(root), settings.tables.requestables, auditTableOf(root)),
      audit,
      access: privilegedAccessOf(root),
      clock,
      newEventId,
      rules: {
        identity: config.identity,
        ...(config.roles.groupIssuer ? { groupIssuer: config.roles.groupIssuer } : {}),
      },
    }),
    authMethods: authMethodsOf(root),
    clock,
    logger: root.logger,
    sourceIp: root.runtime.sourceIp,
    adminScope: (caller) => adminScopeOf(caller, config.roles, 'read'),
    ...(settings.slackInteractions
      ? {
          slack: {
            signingSecret: secretValueOf(root, 'slackSigning', settings.slackInteractions.signingSecretId),
            teamId: settings.slackInteractions.teamId,
            appId: settings.slackInteractions.appId,
            users: settings.slackInteractions.users,
          },
        }
      : {}),
  });
}
