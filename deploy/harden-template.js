/**
 * What every function, log group and route of the packaged template gets, whoever added it:
 * KMS-encrypted logs, an error alarm and an audit-failure metric per function, the stage's
 * throttling, and the Control Tower design exceptions serverless.yml lists (each with its
 * reason, under Metadata.guard, the AWS Guard Rules Registry's convention).
 */

/** @typedef {{ Type: string, Properties?: Record<string, any>, Metadata?: Record<string, any>, Condition?: string }} Resource */
/** @typedef {{ Resources: Record<string, Resource>, Conditions?: Record<string, unknown> }} Template */

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
  const sameCondition = (/** @type {Resource} */ r) => (r.Condition ? { Condition: r.Condition } : {});
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
    template.Resources[`${id}AuditWriteFailures`] = {
      ...sameCondition(group),
      Type: 'AWS::Logs::MetricFilter',
      Properties: {
        LogGroupName: { Ref: id },
        FilterPattern: AUDIT_WRITE_FAILURE_PATTERN,
        MetricTransformations: [
          { MetricNamespace: namespace, MetricName: 'AuditWriteFailures', MetricValue: '1', Unit: 'Count' },
        ],
      },
    };
  }
}

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
