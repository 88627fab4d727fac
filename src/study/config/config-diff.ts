import { fieldName } from './config-schema.js';

/**
 * Where two configs differ, as `field: old -> new` lines: what a resumed run reports when the folder
 * holds a study of another config. Arrays are compared element by element, objects key by key.
 */
export function configDiff(before: unknown, after: unknown, path: (string | number)[] = []): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => configDiff(before[k], after[k], [...path, k]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => configDiff(before[i], after[i], [...path, i])).flat();
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [`${fieldName(path)}: ${show(before)} -> ${show(after)}`];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? '(not set)' : JSON.stringify(v));
