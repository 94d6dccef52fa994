/**
 * Policy: the condition language verified attestations are checked against (docs/policy.md).
 * Other areas import only this file.
 */
export { evaluateConditions, OPERATORS, parsePath, parsePolicy, POLICY_LIMITS, select, validateCondition } from './conditions.ts';
export type { Condition, ConditionFailure, EvaluationResult, Operator } from './conditions.ts';
