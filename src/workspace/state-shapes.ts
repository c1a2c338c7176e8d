import type { Marker } from './workspace-schema.js';
import type { ChallengeProgress, LastVerify, Progress } from './progress-schema.js';

/**
 * The workspace marker and the progress file, recognised without zod when they are exactly as
 * Shipshape writes them (every field present, no other key): a verify reads both before its first
 * static verdict. Anything else answers undefined and goes to the zod schemas (workspace-schema.ts,
 * progress-schema.ts), which accept or refuse it with their own message. So these accept only what the
 * schemas accept, and give the same value (test/workspace/state-shapes.test.ts holds them to it).
 */
type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype && !Object.hasOwn(value, '__proto__');

/** Exactly these keys (the optional ones may be absent), none other. */
function hasKeys(value: Json, required: readonly string[], optional: readonly string[] = []): boolean {
  const keys = Object.keys(value);
  return required.every((key) => Object.hasOwn(value, key)) && keys.every((key) => required.includes(key) || optional.includes(key));
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const inRange = (value: unknown, min: number, max = Infinity) => isNumber(value) && value >= min && value <= max;
const isCount = (value: unknown, min: number) => Number.isSafeInteger(value) && (value as number) >= min;
const stringOrNull = (value: unknown) => value === null || isString(value);
const recordOf = (value: unknown, each: (item: unknown) => boolean) => isRecord(value) && Object.values(value).every(each);

export function markerIfWellFormed(data: unknown): Marker | undefined {
  if (!isRecord(data) || !hasKeys(data, ['schemaVersion', 'challenge', 'startedAt', 'files'], ['course'])) return undefined;
  const wellFormed =
    data.schemaVersion === 1 &&
    isString(data.challenge) &&
    isString(data.startedAt) &&
    recordOf(data.files, isString) &&
    (!Object.hasOwn(data, 'course') || isString(data.course));
  return wellFormed ? (data as Marker) : undefined;
}

const LAST_VERIFY_KEYS = ['at', 'passed', 'percent', 'points', 'maxPoints', 'failing', 'hints'] as const;
const CHALLENGE_KEYS = ['startedAt', 'workspace', 'attempts', 'bestPercent', 'passedAt', 'hintsSeen', 'solutionViewedAt', 'lastVerify'] as const;

function isLastVerify(value: unknown): value is LastVerify {
  return (
    isRecord(value) &&
    hasKeys(value, LAST_VERIFY_KEYS) &&
    isString(value.at) &&
    typeof value.passed === 'boolean' &&
    inRange(value.percent, 0, 100) &&
    inRange(value.points, 0) &&
    inRange(value.maxPoints, 0) &&
    Array.isArray(value.failing) &&
    value.failing.every(isString) &&
    recordOf(value.hints, isString)
  );
}

function isChallengeProgress(value: unknown): value is ChallengeProgress {
  return (
    isRecord(value) &&
    hasKeys(value, CHALLENGE_KEYS) &&
    stringOrNull(value.startedAt) &&
    stringOrNull(value.workspace) &&
    isCount(value.attempts, 0) &&
    (value.bestPercent === null || inRange(value.bestPercent, 0, 100)) &&
    stringOrNull(value.passedAt) &&
    Array.isArray(value.hintsSeen) &&
    value.hintsSeen.every((level) => isCount(level, 1)) &&
    stringOrNull(value.solutionViewedAt) &&
    (value.lastVerify === null || isLastVerify(value.lastVerify))
  );
}

export function progressIfWellFormed(data: unknown): Progress | undefined {
  if (!isRecord(data) || !hasKeys(data, ['schemaVersion', 'challenges'])) return undefined;
  return data.schemaVersion === 1 && recordOf(data.challenges, isChallengeProgress) ? (data as Progress) : undefined;
}
