import type { Authorisation, OperationScope } from './authorisation.js';
import { jsonAuthorisations } from './operations-json.js';
import { queryAuthorisations } from './operations-query.js';
import { s3Authorisations } from './operations-s3.js';
import type { WireRequest } from './wire.js';

export { type Authorisation, type Lookups, type OperationScope, UnmappedOperation } from './authorisation.js';

/** The IAM decisions `wire` needs, every one of which must allow; an empty list needs none (sts:GetCallerIdentity). */
export async function authorisationsFor(wire: WireRequest, scope: OperationScope): Promise<Authorisation[]> {
  switch (wire.protocol) {
    case 's3':
      return s3Authorisations(wire, scope);
    case 'json':
      return jsonAuthorisations(wire, scope);
    case 'query':
      return queryAuthorisations(wire, scope);
  }
}
