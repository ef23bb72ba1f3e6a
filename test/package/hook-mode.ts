import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A template as AWS Control Tower's proactive controls see it: they run as CloudFormation
 * hooks, one resource at a time, on the properties CloudFormation has resolved (parameters,
 * conditions, Ref, GetAtt, Sub, Join, If). A hook never reads Metadata, so no
 * `Metadata.guard` suppression reaches it. This module turns a template into those
 * per-resource documents for cfn-guard.
 */

interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}
export interface HookTemplate {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const NO_VALUE = Symbol('AWS::NoValue');

interface Context {
  template: HookTemplate;
  parameters: Record<string, unknown>;
  conditions: Map<string, boolean>;
  /** Guards against a resource whose name refers to itself (never valid CloudFormation). */
  resolving: Set<string>;
}

/** Resolves every intrinsic function under `node`; `AWS::NoValue` removes the property. */
function resolve(node: unknown, ctx: Context): unknown {
  if (Array.isArray(node)) return node.map((item) => resolve(item, ctx)).filter((v) => v !== NO_VALUE);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node);
  if (entries.length === 1) {
    const [key, arg] = entries[0] as [string, unknown];
    const intrinsic = INTRINSICS[key];
    if (intrinsic) return intrinsic(arg, ctx);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const resolved = resolve(value, ctx);
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
    const local = resolve(vars, ctx) as Record<string, unknown>;
    return String(body).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in local) return text(local[name]);
      const dot = name.indexOf('.');
      return text(dot < 0 ? ref(name, ctx) : getAtt(name.slice(0, dot), name.slice(dot + 1), ctx));
    });
  },
  'Fn::Join': (arg, ctx) => {
    const [separator, list] = resolve(arg, ctx) as [string, unknown[]];
    return list.map(text).join(separator);
  },
  'Fn::If': (arg, ctx) => {
    const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
    return resolve(condition(name, ctx) ? whenTrue : whenFalse, ctx);
  },
  'Fn::Select': (arg, ctx) => {
    const [index, list] = resolve(arg, ctx) as [number, unknown[]];
    return list[Number(index)];
  },
  'Fn::Split': (arg, ctx) => {
    const [separator, value] = resolve(arg, ctx) as [string, string];
    return value.split(separator);
  },
  'Fn::Equals': (arg, ctx) => {
    const [a, b] = resolve(arg, ctx) as [unknown, unknown];
    return text(a) === text(b);
  },
  'Fn::Not': (arg, ctx) => !(resolve(arg, ctx) as unknown[])[0],
  'Fn::And': (arg, ctx) => (resolve(arg, ctx) as unknown[]).every(Boolean),
  'Fn::Or': (arg, ctx) => (resolve(arg, ctx) as unknown[]).some(Boolean),
  Condition: (name, ctx) => condition(String(name), ctx),
};

function condition(name: string, ctx: Context): boolean {
  const known = ctx.conditions.get(name);
  if (known !== undefined) return known;
  const definition = ctx.template.Conditions?.[name];
  if (definition === undefined) throw new Error(`unknown condition ${name}`);
  const value = Boolean(resolve(definition, ctx));
  ctx.conditions.set(name, value);
  return value;
}

const PSEUDO: Record<string, unknown> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'credvend-test',
  'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/credvend-test/0`,
  'AWS::NoValue': NO_VALUE,
};

function ref(name: string, ctx: Context): unknown {
  if (name in PSEUDO) return PSEUDO[name];
  const parameter = ctx.template.Parameters?.[name];
  if (parameter) {
    const value = name in ctx.parameters ? ctx.parameters[name] : (parameter.Default ?? '');
    const isList = parameter.Type === 'CommaDelimitedList' || parameter.Type?.startsWith('List<');
    return isList && typeof value === 'string' ? value.split(',') : value;
  }
  const resource = ctx.template.Resources[name];
  if (!resource) throw new Error(`Ref to unknown ${name}`);
  const own = (property: string) => nameOf(name, property, ctx);
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return own('BucketName').toLowerCase();
    case 'AWS::IAM::Role':
      return own('RoleName');
    case 'AWS::IAM::User':
      return own('UserName');
    case 'AWS::Lambda::Function':
      return own('FunctionName');
    case 'AWS::Logs::LogGroup':
      return own('LogGroupName');
    case 'AWS::DynamoDB::Table':
      return own('TableName');
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${REGION}:${ACCOUNT}:${own('TopicName')}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${own('Name')}-AbCdEf`;
    case 'AWS::KMS::Key':
      return '0a1b2c3d-0000-4000-8000-00000000000a';
    default:
      return `${name}-physical-id`;
  }
}

/** The resource's own name property, resolved, or a name CloudFormation would generate. */
function nameOf(id: string, property: string, ctx: Context): string {
  const value = ctx.template.Resources[id]?.Properties?.[property];
  if (value === undefined || ctx.resolving.has(id)) return `credvend-test-${id}`;
  ctx.resolving.add(id);
  try {
    return text(resolve(value, ctx));
  } finally {
    ctx.resolving.delete(id);
  }
}

function getAtt(id: string, attribute: string, ctx: Context): unknown {
  const resource = ctx.template.Resources[id];
  if (!resource) throw new Error(`GetAtt of unknown ${id}`);
  const physical = text(ref(id, ctx));
  const arns: Record<string, string> = {
    'AWS::S3::Bucket': `arn:aws:s3:::${physical}`,
    'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${physical}`,
    'AWS::IAM::User': `arn:aws:iam::${ACCOUNT}:user/${physical}`,
    'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}`,
    'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${physical}:*`,
    'AWS::DynamoDB::Table': `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${physical}`,
    'AWS::KMS::Key': `arn:aws:kms:${REGION}:${ACCOUNT}:key/${physical}`,
  };
  if (attribute === 'Arn')
    return arns[resource.Type] ?? `arn:aws:${resource.Type}:${REGION}:${ACCOUNT}:${id}`;
  if (attribute === 'StreamArn') return `${arns[resource.Type]}/stream/2026-01-01T00:00:00.000`;
  if (attribute === 'KeyId') return physical;
  return `${id}.${attribute}`;
}

/** What a Control Tower hook hands the guard rules: the resource type and its resolved properties. */
export type HookInput = Record<string, { resourceProperties: unknown }>;

/**
 * One document per resource the stack would create with `parameters`, properties resolved
 * and Metadata dropped, as the hooks receive them.
 */
export function hookDocuments(
  template: HookTemplate,
  parameters: Record<string, unknown> = {},
): Map<string, HookInput> {
  const ctx: Context = { template, parameters, conditions: new Map(), resolving: new Set() };
  const documents = new Map<string, HookInput>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Condition && !condition(resource.Condition, ctx)) continue;
    const properties = resolve(resource.Properties ?? {}, ctx);
    documents.set(id, { [resource.Type]: { resourceProperties: properties } });
  }
  return documents;
}

/** Writes the documents, one JSON file per resource, into `dir` (for `cfn-guard --data dir`). */
export async function writeHookDocuments(dir: string, documents: Map<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(
    [...documents].map(([id, document]) => writeFile(join(dir, `${id}.json`), JSON.stringify(document))),
  );
}
