import { EXTERNAL_ID_CHARSET, STS_LIMITS, TAG_CHARSET } from './sts-limits.js';

/** An STS limit a value breaks: `limit` names the knob (the 400's `limit`), `message` says how. */
export interface StsRuleBreach {
  limit: string;
  message: string;
}

const TAG_CHARS = 'letters, digits, spaces and _.:/=+-@';

/**
 * The rules STS applies to one AssumeRole, in one place: entitlement validation reports every
 * breach with a field path when an admin stores an entitlement, and planning throws the first
 * one before any call, so the two can never disagree about what STS accepts.
 */
export const STS_RULES = {
  duration(seconds: number): StsRuleBreach | undefined {
    const { minDurationSeconds: min, maxDurationSeconds: max } = STS_LIMITS;
    if (Number.isInteger(seconds) && seconds >= min && seconds <= max) return undefined;
    return { limit: 'duration', message: `must be an integer from ${min} to ${max} seconds` };
  },
  policyArnCount(count: number): StsRuleBreach | undefined {
    if (count <= STS_LIMITS.maxPolicyArns) return undefined;
    return {
      limit: 'policy-arns',
      message: `at most ${STS_LIMITS.maxPolicyArns} managed policy ARNs per session; this has ${count}`,
    };
  },
  /** `chars`: the minified session policy and the policy ARNs together, which share one limit. */
  policySize(chars: number): StsRuleBreach | undefined {
    if (chars <= STS_LIMITS.sessionPolicyMaxChars) return undefined;
    return {
      limit: 'session-policy-size',
      message: `session policy and managed policy ARNs are ${chars} characters; STS allows ${STS_LIMITS.sessionPolicyMaxChars}`,
    };
  },
  tagKey(key: string): StsRuleBreach | undefined {
    if (key.length < 1 || key.length > STS_LIMITS.tagKeyMaxLength || !TAG_CHARSET.test(key)) {
      return {
        limit: 'tag-key',
        message: `session tag key "${key.slice(0, 40)}" must be 1-${STS_LIMITS.tagKeyMaxLength} characters of ${TAG_CHARS}`,
      };
    }
    if (key.toLowerCase().startsWith('aws:')) {
      return { limit: 'tag-key', message: `session tag key "${key}" uses the reserved aws: prefix` };
    }
    // STS takes it, but a JavaScript object (zod's record among them) treats it as the
    // prototype: the tag would vanish from the audit record. Refused before anything is issued.
    if (key === '__proto__') {
      return { limit: 'tag-key', message: 'session tag key "__proto__" cannot be recorded in the audit' };
    }
    return undefined;
  },
  tagValue(key: string, value: string): StsRuleBreach | undefined {
    if (value.length <= STS_LIMITS.tagValueMaxLength && TAG_CHARSET.test(value)) return undefined;
    return {
      limit: 'tag-value',
      message: `value of session tag "${key}" must be at most ${STS_LIMITS.tagValueMaxLength} characters of ${TAG_CHARS}`,
    };
  },
  /** Keys already seen, lower-cased: STS compares tag keys ignoring case. */
  tagKeyRepeat(key: string, seen: Set<string>): StsRuleBreach | undefined {
    const folded = key.toLowerCase();
    if (!seen.has(folded)) {
      seen.add(folded);
      return undefined;
    }
    return { limit: 'tag-key', message: `session tag keys must be unique ignoring case: "${key}" repeats` };
  },
  externalId(value: string): StsRuleBreach | undefined {
    const { externalIdMinLength: min, externalIdMaxLength: max } = STS_LIMITS;
    if (value.length >= min && value.length <= max && EXTERNAL_ID_CHARSET.test(value)) return undefined;
    return { limit: 'external-id', message: `ExternalId must be ${min}-${max} characters of [\\w+=,.@:/-]` };
  },
} as const;
