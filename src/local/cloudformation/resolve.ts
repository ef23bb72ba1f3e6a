/**
 * CloudFormation's intrinsic functions, resolved as CloudFormation resolves them when it
 * deploys a template into one account and region: parameters (and their defaults),
 * conditions, Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, Fn::Select, Fn::Split and the
 * condition functions; `AWS::NoValue` removes the property. The one resolver behind the
 * package tests (the IAM simulator, Control Tower's hooks) and the local stack, which
 * creates its IAM from the packaged template and the target-account templates.
 */

export interface CloudFormationResource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}

export interface CloudFormationTemplate {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CloudFormationResource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

/** Where and how the template is deployed. */
export interface Deployment {
  accountId: string;
  region: string;
  /** Names resources without a name property `<stackName>-<logical id>`, as CloudFormation prefixes them. */
  stackName: string;
  /** Parameter values; an absent one takes its Default. */
  parameters?: Record<string, unknown>;
  /** Conditions decided by the caller instead of by their definitions. */
  conditions?: Record<string, boolean>;
  /** What `Ref` gives for a resource (a table's or role's name, a key's id, a secret's ARN), by logical id. */
  physicalIds?: Record<string, string>;
  /** What `Fn::GetAtt` gives, as `LogicalId.Attribute` (a table's stream ARN). */
  attributes?: Record<string, string>;
}

const NO_VALUE = Symbol('AWS::NoValue');

interface Context {
  template: CloudFormationTemplate;
  deployment: Deployment;
  conditions: Map<string, boolean>;
  /** Guards against a resource whose name refers to itself (never valid CloudFormation). */
  resolving: Set<string>;
}

function resolveIn(node: unknown, ctx: Context): unknown {
  if (Array.isArray(node)) return node.map((item) => resolveIn(item, ctx)).filter((v) => v !== NO_VALUE);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node);
  if (entries.length === 1) {
    const [key, arg] = entries[0] as [string, unknown];
    const intrinsic = INTRINSICS[key];
    if (intrinsic) return intrinsic(arg, ctx);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const resolved = resolveIn(value, ctx);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

const INTRINSICS: Record<string, (arg: unknown, ctx: Context) => unknown> = {
  Ref: (name, ctx) => ref(String(name), ctx),
  'Fn::GetAtt': (arg, ctx) => {
    const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/);
    return getAtt(id ?? '', attribute ?? '', ctx);
  },
  'Fn::Sub': (arg, ctx) => {
    const [body, vars] = Array.isArray(arg) ? arg : [arg, {}];
    const local = resolveIn(vars, ctx);
    const bound = local && typeof local === 'object' ? new Map(Object.entries(local)) : new Map();
    return String(body)
      .replace(/\$\{(?!!)([^}]+)\}/g, (_, name: string) => {
        if (bound.has(name)) return text(bound.get(name));
        const dot = name.indexOf('.');
        return text(dot < 0 ? ref(name, ctx) : getAtt(name.slice(0, dot), name.slice(dot + 1), ctx));
      })
      .replace(/\$\{!/g, '${');
  },
  'Fn::Join': (arg, ctx) => {
    const [separator, list] = resolveIn(arg, ctx) as [string, unknown[]];
    return list.map(text).join(separator);
  },
  'Fn::If': (arg, ctx) => {
    const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
    return resolveIn(condition(name, ctx) ? whenTrue : whenFalse, ctx);
  },
  'Fn::Select': (arg, ctx) => {
    const [index, list] = resolveIn(arg, ctx) as [number, unknown[]];
    return list[Number(index)];
  },
  'Fn::Split': (arg, ctx) => {
    const [separator, value] = resolveIn(arg, ctx) as [string, string];
    return value.split(separator);
  },
  'Fn::Equals': (arg, ctx) => {
    const [a, b] = resolveIn(arg, ctx) as [unknown, unknown];
    return text(a) === text(b);
  },
  'Fn::Not': (arg, ctx) => !(resolveIn(arg, ctx) as unknown[])[0],
  'Fn::And': (arg, ctx) => (resolveIn(arg, ctx) as unknown[]).every(Boolean),
  'Fn::Or': (arg, ctx) => (resolveIn(arg, ctx) as unknown[]).some(Boolean),
  Condition: (name, ctx) => condition(String(name), ctx),
};

function condition(name: string, ctx: Context): boolean {
  const known = ctx.conditions.get(name);
  if (known !== undefined) return known;
  const definition = ctx.template.Conditions?.[name];
  if (definition === undefined) throw new Error(`unknown condition ${name}`);
  const value = Boolean(resolveIn(definition, ctx));
  ctx.conditions.set(name, value);
  return value;
}

function pseudo(name: string, { deployment: d }: Context): unknown {
  const stackId = `arn:aws:cloudformation:${d.region}:${d.accountId}:stack/${d.stackName}/0`;
  return {
    'AWS::AccountId': d.accountId,
    'AWS::Region': d.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': d.stackName,
    'AWS::StackId': stackId,
    'AWS::NoValue': NO_VALUE,
  }[name];
}

function ref(name: string, ctx: Context): unknown {
  const builtIn = pseudo(name, ctx);
  if (builtIn !== undefined) return builtIn;
  const parameter = ctx.template.Parameters?.[name];
  const given = ctx.deployment.parameters ?? {};
  if (parameter) {
    const value = name in given ? given[name] : (parameter.Default ?? '');
    const isList = parameter.Type === 'CommaDelimitedList' || parameter.Type?.startsWith('List<');
    return isList && typeof value === 'string' ? value.split(',') : value;
  }
  const resource = ctx.template.Resources[name];
  if (!resource) throw new Error(`Ref to unknown ${name}`);
  const physical = ctx.deployment.physicalIds?.[name];
  if (physical !== undefined) return physical;
  const { accountId, region } = ctx.deployment;
  const own = (property: string) => nameOf(name, property, ctx);
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return own('BucketName').toLowerCase();
    case 'AWS::IAM::Role':
      return own('RoleName');
    case 'AWS::IAM::User':
      return own('UserName');
    case 'AWS::IAM::Group':
      return own('GroupName');
    case 'AWS::Lambda::Function':
      return own('FunctionName');
    case 'AWS::Logs::LogGroup':
      return own('LogGroupName');
    case 'AWS::DynamoDB::Table':
      return own('TableName');
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${region}:${accountId}:${own('TopicName')}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${region}:${accountId}:secret:${own('Name')}-AbCdEf`;
    case 'AWS::KMS::Key':
      return '0a1b2c3d-0000-4000-8000-00000000000a';
    default:
      return `${name}-physical-id`;
  }
}

/** The resource's own name property, resolved, or the name CloudFormation would generate. */
function nameOf(id: string, property: string, ctx: Context): string {
  const given = ctx.deployment.physicalIds?.[id];
  if (given !== undefined) return given;
  const value = ctx.template.Resources[id]?.Properties?.[property];
  if (value === undefined || ctx.resolving.has(id)) return `${ctx.deployment.stackName}-${id}`;
  ctx.resolving.add(id);
  try {
    return text(resolveIn(value, ctx));
  } finally {
    ctx.resolving.delete(id);
  }
}

function getAtt(id: string, attribute: string, ctx: Context): unknown {
  const resource = ctx.template.Resources[id];
  if (!resource) throw new Error(`GetAtt of unknown ${id}`);
  const given = ctx.deployment.attributes?.[`${id}.${attribute}`];
  if (given !== undefined) return given;
  const { accountId: account, region } = ctx.deployment;
  const physical = text(ref(id, ctx));
  const arns: Record<string, string> = {
    'AWS::S3::Bucket': `arn:aws:s3:::${physical}`,
    'AWS::IAM::Role': `arn:aws:iam::${account}:role/${physical}`,
    'AWS::IAM::User': `arn:aws:iam::${account}:user/${physical}`,
    'AWS::IAM::Group': `arn:aws:iam::${account}:group/${physical}`,
    'AWS::Lambda::Function': `arn:aws:lambda:${region}:${account}:function:${physical}`,
    'AWS::Logs::LogGroup': `arn:aws:logs:${region}:${account}:log-group:${physical}:*`,
    'AWS::DynamoDB::Table': `arn:aws:dynamodb:${region}:${account}:table/${physical}`,
    'AWS::KMS::Key': `arn:aws:kms:${region}:${account}:key/${physical}`,
  };
  if (attribute === 'Arn')
    return arns[resource.Type] ?? `arn:aws:${resource.Type}:${region}:${account}:${id}`;
  if (attribute === 'StreamArn') return `${arns[resource.Type]}/stream/2026-01-01T00:00:00.000`;
  if (attribute === 'KeyId') return physical;
  return `${id}.${attribute}`;
}

/** A resolver for one deployment of one template; conditions are decided once and kept. */
export function deploy(template: CloudFormationTemplate, deployment: Deployment) {
  const ctx: Context = {
    template,
    deployment,
    conditions: new Map(Object.entries(deployment.conditions ?? {})),
    resolving: new Set(),
  };
  return {
    /** `node` with every intrinsic resolved; undefined where it is `AWS::NoValue`. */
    resolve: (node: unknown): unknown => {
      const value = resolveIn(node, ctx);
      return value === NO_VALUE ? undefined : value;
    },
    condition: (name: string): boolean => condition(name, ctx),
    /** Whether the stack creates the resource (its Condition holds, or it has none). */
    creates: (id: string): boolean => {
      const resource = template.Resources[id];
      return resource !== undefined && (!resource.Condition || condition(resource.Condition, ctx));
    },
    /** What `Ref` to a resource or parameter gives. */
    ref: (name: string): unknown => ref(name, ctx),
  };
}

export type DeployedTemplate = ReturnType<typeof deploy>;
