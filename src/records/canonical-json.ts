/**
 * JSON with object keys sorted at every depth: equal for equal values whatever their key order. The store
 * keys settings and configs by it and the report groups by it, so it must never change for a stored value.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

/** Keys sorted at every depth. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
