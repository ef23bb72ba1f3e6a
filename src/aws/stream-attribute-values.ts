import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeValue as StreamAttributeValue } from 'aws-lambda';
import { MalformedItemError } from './attribute-values.js';

/**
 * Lambda delivers stream images as JSON (binary as base64); the SDK's item type wants
 * bytes. Audit items hold strings, numbers, string maps and one binary (the packed fields);
 * anything else is refused.
 */
export function streamImageToItem(
  image: Record<string, StreamAttributeValue>,
): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, fromStream(value, name)]));
}

function fromStream(value: StreamAttributeValue, name: string): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B, 'base64') };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.M !== undefined) return { M: streamImageToItem(value.M) };
  if (value.L !== undefined) return { L: value.L.map((v) => fromStream(v, name)) };
  throw new MalformedItemError(`attribute ${name} has a type audit records do not use`);
}

/** The reverse, for the local stream poller, which reads the stream with the SDK. */
export function itemToStreamImage(
  item: Record<string, AttributeValue>,
): Record<string, StreamAttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toStream(value, name)]));
}

function toStream(value: AttributeValue, name: string): StreamAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.M !== undefined) return { M: itemToStreamImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map((v) => toStream(v, name)) };
  throw new MalformedItemError(`attribute ${name} has a type audit records do not use`);
}
