/**
 * What every function, log group and route of the packaged template gets, whoever added it:
 * KMS-encrypted logs, an error alarm and an audit-failure metric per function, the stage's
 * throttling, and the Control Tower design exceptions serverless.yml lists (each with its
 * reason, under Metadata.guard, the AWS Guard Rules Registry's convention).
 */

/** @typedef {{ Type: string, Properties?: Record<string, any>, Metadata?: Record<string, any>, Condition?: string, UpdatePolicy?: Record<string, any> }} Resource */
/** @typedef {{ Resources: Record<string, Resource>, Conditions?: Record<string, unknown>, Outputs?: Record<string, { Value?: any, Condition?: string }> }} Template */

/**
 * @param {Template} template
 * @param {string} type
 */
const resourcesOf = (template, type) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/**
 * @param {Template} template
 * @param {string} keyId logical id of the AWS::KMS::Key that encrypts logs
 */
export function encryptLogGroups(template, keyId) {
  for (const [, group] of resourcesOf(template, 'AWS::Logs::LogGroup')) {
    group.Properties ??= {};
    group.Properties.KmsKeyId ??= { 'Fn::GetAtt': [keyId, 'Arn'] };
  }
}

/**
 * @param {Template} template
 * @param {{ rate: number, burst: number }} throttle
 */
export function throttleRoutes(template, throttle) {
  for (const [, stage] of resourcesOf(template, 'AWS::ApiGatewayV2::Stage')) {
    stage.Properties ??= {};
    stage.Properties.DefaultRouteSettings = {
      ...stage.Properties.DefaultRouteSettings,
      ThrottlingRateLimit: throttle.rate,
      ThrottlingBurstLimit: throttle.burst,
    };
  }
}

/**
 * @typedef {{ rule: string, reason: string, type: string, ids?: string[], idPattern?: string, unlessProperty?: string }} Suppression
 * @param {Template} template
 * @param {Suppression[]} suppressions
 */
export function applySuppressions(template, suppressions) {
  for (const { rule, reason, type, ids, idPattern, unlessProperty } of suppressions) {
    const targets = resourcesOf(template, type).filter(
      ([id, resource]) =>
        (!ids || ids.includes(id)) &&
        (!idPattern || new RegExp(idPattern).test(id)) &&
        !(unlessProperty && resource.Properties?.[unlessProperty] !== undefined),
    );
    if (targets.length === 0) throw new Error(`suppression of ${rule} matches no ${type} resource`);
    for (const [, resource] of targets) {
      resource.Metadata ??= {};
      resource.Metadata.guard ??= { SuppressedRules: [], SuppressionReasons: {} };
      resource.Metadata.guard.SuppressedRules.push(rule);
      resource.Metadata.guard.SuppressionReasons[rule] = reason;
    }
  }
}

/**
 * One alarm per function on Lambda's own Errors metric (a crash, a timeout or an out-of-memory:
 * the apps turn every handled failure into a problem response), and one metric filter per
 * function log group for audit writes that failed, so a function added later is watched too.
 * @param {Template} template
 * @param {{ actions: unknown[], namespace: string }} alarms
 */
export function watchFunctions(template, { actions, namespace }) {
  // A conditional function (or log group) gets conditional watchers: they name it.
  for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    template.Resources[`${id}ErrorsAlarm`] = {
      ...sameCondition(fn),
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription: `credvend: ${id} failed outside its error handling. runbook (docs/operations/alarms-and-runbook.md): Lambda errors`,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: actions,
        OKActions: actions,
      },
    };
  }
  for (const [id, group] of resourcesOf(template, 'AWS::Logs::LogGroup')) {
    if (!String(group.Properties?.LogGroupName).startsWith('/aws/lambda/')) continue;
    template.Resources[`${id}AuditWriteFailures`] = countingFilter(
      [id, group],
      AUDIT_WRITE_FAILURE_PATTERN,
      namespace,
      'AuditWriteFailures',
    );
  }
}

/** A resource created under the same condition as `r` (a function's log group, its filters). */
const sameCondition = (/** @type {Resource} */ r) => (r.Condition ? { Condition: r.Condition } : {});

/**
 * A metric filter counting, as `metric` in `namespace`, each line of a log group that matches `pattern`.
 * @param {[string, Resource]} logGroup its logical id and resource
 * @param {string} pattern @param {string} namespace @param {string} metric
 * @returns {Resource}
 */
const countingFilter = ([id, group], pattern, namespace, metric) => ({
  ...sameCondition(group),
  Type: 'AWS::Logs::MetricFilter',
  Properties: {
    LogGroupName: { Ref: id },
    FilterPattern: pattern,
    MetricTransformations: [
      { MetricNamespace: namespace, MetricName: metric, MetricValue: '1', Unit: 'Count' },
    ],
  },
});

/** @param {string} description @param {unknown[]} actions the alarm properties every alarm shares */
const alarmed = (description, actions) => ({
  AlarmDescription: description,
  TreatMissingData: 'notBreaching',
  AlarmActions: actions,
  OKActions: actions,
});

/**
 * One alarm per table on DynamoDB's read and write throttle events (on-demand tables throttle
 * too: a partition's own ceiling, a sudden doubling of traffic, an index that cannot keep up),
 * so a table added later is watched too. Throttled writes to the audit table refuse issuances.
 * @param {Template} template
 * @param {{ actions: unknown[] }} alarms
 */
export function watchTables(template, { actions }) {
  for (const [id, table] of resourcesOf(template, 'AWS::DynamoDB::Table')) {
    const metric = (/** @type {string} */ name) => ({
      Id: name === 'ReadThrottleEvents' ? 'reads' : 'writes',
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/DynamoDB',
          MetricName: name,
          Dimensions: [{ Name: 'TableName', Value: { Ref: id } }],
        },
        Period: 300,
        Stat: 'Sum',
      },
    });
    template.Resources[`${id}ThrottlingAlarm`] = {
      ...(table.Condition ? { Condition: table.Condition } : {}),
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        ...alarmed(
          `credvend: DynamoDB throttled requests to ${id}. runbook (docs/operations/alarms-and-runbook.md): DynamoDB throttling`,
          actions,
        ),
        Metrics: [
          metric('ReadThrottleEvents'),
          metric('WriteThrottleEvents'),
          { Id: 'throttled', Expression: 'reads + writes', Label: `${id} throttle events`, ReturnData: true },
        ],
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
    };
  }
}

/** Seconds between two runs of an EventBridge schedule; a cron expression counts as a day. */
export function scheduleSeconds(/** @type {string} */ expression) {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!rate) {
    if (/^cron\(.+\)$/.test(expression.trim())) return 86_400;
    throw new Error(`digestSchedule: "${expression}" is not a rate(...) or cron(...) expression`);
  }
  const unit = { minute: 60, hour: 3600, day: 86_400 }[rate[2]?.replace(/s$/, '') ?? ''] ?? 0;
  return Number(rate[1]) * unit;
}

/**
 * Digest overdue: no digest written within three schedule intervals, at least 15 minutes, at
 * most CloudWatch's one-day alarm window. Counted from the digest function's own line that a
 * digest was written (a metric filter), not from runs without errors: a run that writes nothing
 * (a latest digest dated in the future, planted in the bucket or left by a clock far ahead,
 * makes every later run skip) would otherwise look healthy. No datapoint at all (the schedule
 * disabled, the function deleted) is overdue too.
 * @param {Template} template
 * @param {{ actions: unknown[], namespace: string, digestSchedule: string }} alarms
 */
export function watchDigests(template, { actions, namespace, digestSchedule }) {
  const fn = 'DigestLambdaFunction';
  const logGroup = 'DigestLogGroup';
  if (!template.Resources[fn] || !template.Resources[logGroup]) return;
  const window = Math.min(86_400, Math.max(900, Math.ceil((3 * scheduleSeconds(digestSchedule)) / 60) * 60));
  template.Resources.DigestWrittenMetricFilter = countingFilter(
    [logGroup, template.Resources[logGroup]],
    DIGEST_WRITTEN_PATTERN,
    namespace,
    'DigestsWritten',
  );
  template.Resources.DigestOverdueAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...alarmed(
        `credvend: no audit digest written for ${window / 60} minutes. runbook (docs/operations/alarms-and-runbook.md): digest overdue`,
        actions,
      ),
      TreatMissingData: 'breaching',
      Namespace: namespace,
      MetricName: 'DigestsWritten',
      Statistic: 'Sum',
      Period: window,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    },
  };
}

/** The digest function's line for each digest it wrote (src/compose/digest.ts). */
export const DIGEST_WRITTEN_PATTERN = '{ $.message = "audit digest written" }';

/**
 * An issuance refused because its audit record could not be written (503), or a denial whose
 * audit record was lost (logged by the function, the denial still stands).
 */
export const AUDIT_WRITE_FAILURE_PATTERN =
  '{ ($.type = "urn:credvend:problem:audit-unavailable") || ($.message = "audit write failed for a denial") }';

/**
 * With `organizationId` set, every statement that lets one of the stack's identities assume a
 * role (the vend role's target roles, the vending user's group, the revoker path of admin and
 * requests) holds only for roles in accounts of that organization, and, with OU paths, only
 * under those paths. Written as literal values so the packaged template reads as deployed.
 * @param {Template} template
 * @param {{ id: string, paths: string[] } | undefined} organization
 */
export function confineToOrganization(template, organization) {
  if (!organization) return;
  const condition = {
    StringEquals: { 'aws:ResourceOrgID': organization.id },
    ...(organization.paths.length > 0
      ? {
          // An OU path means the OU and everything under it.
          'ForAnyValue:StringLike': {
            'aws:ResourceOrgPaths': organization.paths.map((p) => (p.endsWith('*') ? p : `${p}*`)),
          },
        }
      : {}),
  };
  /** @param {any} node a statement, a list of them, or an Fn::If choosing between them */
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node['Fn::If'])) return node['Fn::If'].slice(1).forEach(visit);
    const actions = [node.Action ?? []].flat();
    if (node.Effect !== 'Allow' || !actions.includes('sts:AssumeRole')) return;
    node.Condition = { ...node.Condition, ...condition };
  };
  const identities = ['AWS::IAM::Role', 'AWS::IAM::Group', 'AWS::IAM::User'];
  for (const [, resource] of Object.entries(template.Resources)) {
    if (!identities.includes(resource.Type)) continue;
    for (const policy of resource.Properties?.Policies ?? []) visit(policy.PolicyDocument?.Statement);
  }
}

/**
 * A secret named by name (a *SecretId parameter without `arn:`) is granted as the ARN pattern
 * IAM needs for it: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-??????`
 * (Secrets Manager appends six random characters to every secret's ARN). Only that secret
 * matches: `?` is one character, and a name cannot hold the `-` plus six that another
 * secret's name would need to match without also being that name.
 * @param {Template} template
 */
export function secretNamesToArns(template) {
  /** @param {any} node a statement, a list of them, or an Fn::If choosing between them */
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node['Fn::If'])) return node['Fn::If'].slice(1).forEach(visit);
    const actions = [node.Action ?? []].flat();
    if (node.Effect !== 'Allow' || !actions.includes('secretsmanager:GetSecretValue')) return;
    if (typeof node.Resource !== 'string' || node.Resource.startsWith('arn:')) return;
    node.Resource = {
      'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${node.Resource}-??????`,
    };
  };
  for (const [, resource] of resourcesOf(template, 'AWS::IAM::Role')) {
    for (const policy of resource.Properties?.Policies ?? []) visit(policy.PolicyDocument?.Statement);
  }
}

/** What outlives the stack: logs are evidence, and a key deleted with the stack makes what it encrypted unreadable. */
const RETAINED_TYPES = ['AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::Backup::BackupVault'];

/**
 * Every log group, KMS key and backup vault, whoever declared it (serverless creates the
 * functions' log groups), is kept when the stack is deleted or the resource replaced.
 * @param {Template} template
 */
export function retainEvidence(template) {
  for (const [, resource] of Object.entries(template.Resources)) {
    if (!RETAINED_TYPES.includes(resource.Type)) continue;
    const r = /** @type {Resource & { DeletionPolicy?: string, UpdateReplacePolicy?: string }} */ (resource);
    r.DeletionPolicy = 'Retain';
    r.UpdateReplacePolicy = 'Retain';
  }
}

/** IAM's limit on a role name, and its characters. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * credvend's own roles have stable names (`credvend-<stage>-<region>-<function>`): their ARNs
 * follow from the stage and region, for target accounts, SCPs and the log-archive template. A
 * long stage makes a name IAM refuses: say so at package time, not halfway through a deploy.
 * @param {Template} template
 * @param {string} region the region the stack is packaged for
 * @returns {string[]}
 */
export function roleNameProblems(template, region) {
  const problems = [];
  for (const [id, role] of resourcesOf(template, 'AWS::IAM::Role')) {
    const name = role.Properties?.RoleName;
    const body = typeof name === 'string' ? name : name?.['Fn::Sub'];
    if (typeof body !== 'string') {
      problems.push(`${id}: RoleName is not a stable name (credvend-<stage>-<region>-<function>)`);
      continue;
    }
    const resolved = body.replaceAll(`\${AWS::Region}`, region);
    if (!ROLE_NAME.test(resolved))
      problems.push(
        `${id}: role name "${resolved}" is longer than 64 characters or not an IAM name; use a shorter stage`,
      );
  }
  return problems;
}

/** X-Ray's two write actions: X-Ray has no resource types, so IAM takes them only on `*`. */
export const TRACING_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/**
 * Active X-Ray tracing on every function: Lambda records each invocation's segments (init,
 * invocation, overhead) with the request's trace id, sent with the function's own role, which
 * therefore gets the two X-Ray write actions and nothing else of X-Ray. (HTTP APIs have no
 * X-Ray tracing; their access log and request id cover the edge.)
 * @param {Template} template
 */
export function traceFunctions(template) {
  for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    fn.Properties ??= {};
    fn.Properties.TracingConfig = { Mode: 'Active' };
    const roleId = fn.Properties.Role?.['Fn::GetAtt']?.[0];
    const role = template.Resources[roleId];
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${id}: its role is not a role of this template`);
    role.Properties ??= {};
    role.Properties.Policies = [
      ...(role.Properties.Policies ?? []),
      {
        PolicyName: 'tracing',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: TRACING_ACTIONS, Resource: '*' }],
        },
      },
    ];
  }
}

/** Resources that invoke a function: each should call its alias, never the function's $LATEST. */
export const INVOKER_TYPES = [
  'AWS::ApiGatewayV2::Integration',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Events::Rule',
  'AWS::SecretsManager::RotationSchedule',
];

/** The alias every invoker calls and CodeDeploy moves. */
export const LIVE_ALIAS = 'live';

/**
 * Every function runs the version serverless published for this deploy behind its `live` alias;
 * CodeDeploy moves the alias from the previous version by `config` (canary or linear) and moves
 * it back by itself when the function's error alarm or one of `rollbackAlarms` goes off during
 * the shift. Every invoker is pointed at the alias, so traffic shifts for all of them.
 * @param {Template} template
 * @param {{ application: string, serviceRole: string, config: string, rollbackAlarms: string[] }} deployment
 */
export function deployGradually(template, { application, serviceRole, config, rollbackAlarms }) {
  const versions = resourcesOf(template, 'AWS::Lambda::Version');
  /** @type {Map<string, string>} function id -> alias id */
  const aliases = new Map();
  for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    const version = versions.find(([, v]) => v.Properties?.FunctionName?.Ref === id)?.[0];
    if (!version) throw new Error(`${id} has no published version (provider.versionFunctions)`);
    const condition = fn.Condition ? { Condition: fn.Condition } : {};
    // serverless publishes a version (and outputs its ARN) of a conditional function
    // unconditionally: without the function's condition it would name a function not created.
    const published = template.Resources[version];
    if (fn.Condition && published) published.Condition = fn.Condition;
    for (const output of Object.values(template.Outputs ?? {}))
      if (fn.Condition && output.Value?.Ref === version) output.Condition = fn.Condition;
    const base = id.replace(/LambdaFunction$/, '');
    const group = `${base}DeploymentGroup`;
    const alias = `${base}LiveAlias`;
    template.Resources[group] = {
      ...condition,
      Type: 'AWS::CodeDeploy::DeploymentGroup',
      Properties: {
        ApplicationName: { Ref: application },
        ServiceRoleArn: { 'Fn::GetAtt': [serviceRole, 'Arn'] },
        DeploymentConfigName: config,
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
        AutoRollbackConfiguration: {
          Enabled: true,
          Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
        },
        AlarmConfiguration: {
          Enabled: true,
          Alarms: [`${id}ErrorsAlarm`, ...rollbackAlarms].map((alarm) => {
            if (!template.Resources[alarm]) throw new Error(`rollback alarm ${alarm} is not in the template`);
            return { Name: { Ref: alarm } };
          }),
        },
      },
    };
    template.Resources[alias] = {
      ...condition,
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: id },
        FunctionVersion: { 'Fn::GetAtt': [version, 'Version'] },
        Name: LIVE_ALIAS,
      },
      UpdatePolicy: {
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: { Ref: application },
          DeploymentGroupName: { Ref: group },
        },
      },
    };
    aliases.set(id, alias);
  }
  /** @param {any} node @returns {any} */
  const toAlias = (node) => {
    if (Array.isArray(node)) return node.map(toAlias);
    if (!node || typeof node !== 'object') return node;
    const getAtt = node['Fn::GetAtt'];
    const [target, attribute] = Array.isArray(getAtt) ? getAtt : String(getAtt ?? '').split('.');
    if (getAtt && attribute === 'Arn' && aliases.has(target)) return { Ref: aliases.get(target) };
    if (typeof node.Ref === 'string' && aliases.has(node.Ref)) return { Ref: aliases.get(node.Ref) };
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, toAlias(value)]));
  };
  for (const [, resource] of Object.entries(template.Resources)) {
    if (INVOKER_TYPES.includes(resource.Type)) resource.Properties = toAlias(resource.Properties);
  }
}
