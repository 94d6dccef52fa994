/**
 * Policy conditions: the small condition language `vouch verify-blob-attestation --policy`,
 * `vouch verify-attestation --policy` and the admission webhook share (docs/policy.md).
 *
 *   - path: predicate.buildDefinition.buildType      # dotted path, `[*]` any element, `[N]`, `["odd.key"]`
 *     equals: https://slsa.dev/build-type/v1         # or: in, matches, exists, lessThan, greaterThan
 *
 * A condition holds when ANY value the path selects satisfies its operator (`exists: false`:
 * when the path selects nothing). `matches` is a regular expression matched against the WHOLE
 * string. Every input is bounded: count of conditions, path length and depth, regex length,
 * values visited.
 */
import { parse as parseYaml } from 'yaml';
import { VouchError } from '../core/index.ts';

export type Operator = 'equals' | 'in' | 'matches' | 'exists' | 'lessThan' | 'greaterThan';
export const OPERATORS: readonly Operator[] = ['equals', 'in', 'matches', 'exists', 'lessThan', 'greaterThan'];

export interface Condition {
  readonly path: string;
  readonly equals?: unknown;
  readonly in?: readonly unknown[];
  readonly matches?: string;
  readonly exists?: boolean;
  readonly lessThan?: number | string;
  readonly greaterThan?: number | string;
  /** Shown in the failure instead of the generated text. */
  readonly message?: string;
}

export interface ConditionFailure {
  readonly index: number;
  readonly path: string;
  readonly message: string;
}

export interface EvaluationResult {
  readonly ok: boolean;
  readonly failures: readonly ConditionFailure[];
}

export const POLICY_LIMITS = Object.freeze({
  maxConditions: 256,
  maxPathChars: 512,
  maxSegments: 32,
  maxRegexChars: 1024,
  maxInValues: 1024,
  maxVisited: 100_000,
  maxPolicyBytes: 1024 * 1024,
});

type Segment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'any' };

function invalid(msg: string): VouchError {
  return new VouchError('POLICY_INVALID', `policy: ${msg}`);
}

/** `a.b[*].c["x.y"][0]` → segments. */
export function parsePath(path: string): Segment[] {
  if (typeof path !== 'string' || path.length === 0) throw invalid('a condition needs a non-empty "path"');
  if (path.length > POLICY_LIMITS.maxPathChars) throw invalid(`path over ${POLICY_LIMITS.maxPathChars} characters`);
  const out: Segment[] = [];
  let i = 0;
  const n = path.length;
  while (i < n) {
    const ch = path[i];
    if (ch === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw invalid(`path "${path}": unclosed "["`);
      const inner = path.slice(i + 1, close);
      if (inner === '*') out.push({ kind: 'any' });
      else if (/^\d{1,9}$/.test(inner)) out.push({ kind: 'index', index: Number(inner) });
      else if (/^"[^"]*"$/.test(inner)) out.push({ kind: 'key', key: inner.slice(1, -1) });
      else throw invalid(`path "${path}": "[${inner}]" must be [*], [N] or ["key"]`);
      i = close + 1;
      if (path[i] === '.') {
        i++;
        if (i === n) throw invalid(`path "${path}" ends with "."`);
      }
    } else {
      let j = i;
      while (j < n && path[j] !== '.' && path[j] !== '[') j++;
      const key = path.slice(i, j);
      if (key === '') throw invalid(`path "${path}": empty segment`);
      out.push({ kind: 'key', key });
      i = j;
      if (path[i] === '.') {
        i++;
        if (i === n) throw invalid(`path "${path}" ends with "."`);
      }
    }
    if (out.length > POLICY_LIMITS.maxSegments) throw invalid(`path "${path}" has over ${POLICY_LIMITS.maxSegments} segments`);
  }
  return out;
}

/** Every value the path selects (bounded). */
export function select(doc: unknown, segments: readonly Segment[]): unknown[] {
  let current: unknown[] = [doc];
  let visited = 0;
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const v of current) {
      if (++visited > POLICY_LIMITS.maxVisited) throw invalid(`the path visits over ${POLICY_LIMITS.maxVisited} values`);
      if (seg.kind === 'any') {
        if (Array.isArray(v)) next.push(...(v as unknown[]));
        else if (typeof v === 'object' && v !== null) next.push(...Object.values(v as Record<string, unknown>));
      } else if (seg.kind === 'index') {
        if (Array.isArray(v) && seg.index < v.length) next.push(v[seg.index]);
      } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, seg.key)) {
        next.push((v as Record<string, unknown>)[seg.key]);
      }
    }
    current = next;
  }
  return current;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Numbers compare as numbers; two RFC 3339 timestamps compare as times. */
function comparable(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

const regexCache = new Map<string, RegExp>();
function compileRegex(re: string): RegExp {
  let r = regexCache.get(re);
  if (!r) {
    if (re.length > POLICY_LIMITS.maxRegexChars) throw invalid(`regex over ${POLICY_LIMITS.maxRegexChars} characters`);
    try {
      r = new RegExp(`^(?:${re})$`, 'u');
    } catch (err) {
      throw invalid(`bad regex /${re}/: ${(err as Error).message}`);
    }
    if (regexCache.size > 256) regexCache.clear();
    regexCache.set(re, r);
  }
  return r;
}

/** Check one condition's shape; returns its operator. */
export function validateCondition(c: unknown, index: number): Operator {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw invalid(`condition ${index + 1} is not an object`);
  const obj = c as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (k !== 'path' && k !== 'message' && !(OPERATORS as readonly string[]).includes(k)) throw invalid(`condition ${index + 1}: unknown key "${k}" (operators: ${OPERATORS.join(', ')})`);
  }
  parsePath(obj.path as string);
  const ops = OPERATORS.filter((o) => Object.hasOwn(obj, o));
  if (ops.length !== 1) throw invalid(`condition ${index + 1} (${String(obj.path)}) needs exactly one operator of ${OPERATORS.join(', ')}`);
  const op = ops[0] as Operator;
  const arg = obj[op];
  if (op === 'in' && (!Array.isArray(arg) || arg.length > POLICY_LIMITS.maxInValues)) throw invalid(`condition ${index + 1}: "in" needs a list (at most ${POLICY_LIMITS.maxInValues} values)`);
  if (op === 'matches') {
    if (typeof arg !== 'string') throw invalid(`condition ${index + 1}: "matches" needs a string`);
    compileRegex(arg);
  }
  if (op === 'exists' && typeof arg !== 'boolean') throw invalid(`condition ${index + 1}: "exists" needs true or false`);
  if ((op === 'lessThan' || op === 'greaterThan') && comparable(arg) === undefined) throw invalid(`condition ${index + 1}: "${op}" needs a number or an RFC 3339 time`);
  if (obj.message !== undefined && typeof obj.message !== 'string') throw invalid(`condition ${index + 1}: "message" must be a string`);
  return op;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Evaluate conditions against a document (an in-toto statement, usually). Throws POLICY_INVALID on a bad policy. */
export function evaluateConditions(doc: unknown, conditions: readonly Condition[]): EvaluationResult {
  const list: unknown = conditions;
  if (!Array.isArray(list)) throw invalid('the policy must be a list of conditions');
  if (conditions.length > POLICY_LIMITS.maxConditions) throw invalid(`over ${POLICY_LIMITS.maxConditions} conditions`);
  const failures: ConditionFailure[] = [];
  conditions.forEach((c, index) => {
    const op = validateCondition(c, index);
    const values = select(doc, parsePath(c.path));
    let ok: boolean;
    let why: string;
    switch (op) {
      case 'exists':
        ok = c.exists === true ? values.length > 0 : values.length === 0;
        why = c.exists === true ? 'is missing' : `is present (${show(values[0])})`;
        break;
      case 'equals':
        ok = values.some((v) => deepEqual(v, c.equals));
        why = `is ${values.length === 0 ? 'missing' : show(values.length === 1 ? values[0] : values)}, expected ${show(c.equals)}`;
        break;
      case 'in':
        ok = values.some((v) => (c.in ?? []).some((w: unknown) => deepEqual(v, w)));
        why = `is ${values.length === 0 ? 'missing' : show(values.length === 1 ? values[0] : values)}, expected one of ${show(c.in)}`;
        break;
      case 'matches': {
        const re = compileRegex(c.matches ?? '');
        ok = values.some((v) => typeof v === 'string' && re.test(v));
        why = `is ${values.length === 0 ? 'missing' : show(values.length === 1 ? values[0] : values)}, expected to match /${c.matches}/`;
        break;
      }
      case 'lessThan':
      case 'greaterThan': {
        const limit = comparable(op === 'lessThan' ? c.lessThan : c.greaterThan) ?? 0;
        ok = values.some((v) => {
          const n = comparable(v);
          return n !== undefined && (op === 'lessThan' ? n < limit : n > limit);
        });
        why = `is ${values.length === 0 ? 'missing' : show(values.length === 1 ? values[0] : values)}, expected ${op === 'lessThan' ? '<' : '>'} ${show(op === 'lessThan' ? c.lessThan : c.greaterThan)}`;
        break;
      }
    }
    if (!ok) failures.push({ index, path: c.path, message: c.message ?? `${c.path} ${why}` });
  });
  return { ok: failures.length === 0, failures };
}

/** A policy file (YAML or JSON): a list of conditions, or `{conditions: [...]}`. Throws POLICY_INVALID. */
export function parsePolicy(text: string | Uint8Array): Condition[] {
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (size > POLICY_LIMITS.maxPolicyBytes) throw invalid(`over ${POLICY_LIMITS.maxPolicyBytes} bytes`);
  let v: unknown;
  try {
    v = parseYaml(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'), { maxAliasCount: 100 });
  } catch (err) {
    throw invalid(`not YAML or JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(v) ? v : (v as { conditions?: unknown } | null)?.conditions;
  if (!Array.isArray(list)) throw invalid('expected a list of conditions (or {conditions: [...]})');
  if (list.length > POLICY_LIMITS.maxConditions) throw invalid(`over ${POLICY_LIMITS.maxConditions} conditions`);
  list.forEach((c, i) => validateCondition(c, i));
  return list as Condition[];
}
