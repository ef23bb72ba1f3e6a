import { CredvendError } from '../shared/errors.js';

/** The request is not in a state that allows this step (already decided, expired, ended). */
export class IllegalTransitionError extends CredvendError {
  readonly code = 'illegal-transition';
  constructor(
    readonly from: string,
    readonly step: string,
  ) {
    super(`a request that is ${from} cannot be ${step}`);
  }
}

/** The caller may not decide this request: the requester, or someone who is not an approver. */
export class NotApproverError extends CredvendError {
  readonly code = 'not-approver';
}

/** The caller may not request this access (or it does not exist: the answer is the same). */
export class NotRequestableError extends CredvendError {
  readonly code = 'not-requestable';
}

/** The stored request changed between read and write; the caller retries from a fresh read. */
export class StaleRequestError extends Error {
  override readonly name = 'StaleRequestError';
}
