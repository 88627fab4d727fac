import { z } from 'zod';
import { UserError } from '../core/errors.js';
import type { ParamValues } from './types.js';

/**
 * Field builders for attack parameter schemas. Values arrive from the CLI as strings (`--set eps=0.1`) or
 * from code as numbers and booleans, so numbers and booleans also accept their string spellings.
 */
const numeric = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
const boolean = (v: unknown): unknown => (v === 'true' ? true : v === 'false' ? false : v);

export function num(schema: z.ZodNumber, fallback: number, description: string) {
  return z.preprocess(numeric, schema).default(fallback).describe(description);
}

export function flag(fallback: boolean, description: string) {
  return z.preprocess(boolean, z.boolean()).default(fallback).describe(description);
}

export function choice<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number], description: string) {
  return z.enum(values).default(fallback).describe(description);
}

/** Validates parameters of `attack`, filling defaults; errors name the key and say what it expects. */
export function parseParams<S extends z.ZodObject>(attack: string, schema: S, values: ParamValues): z.output<S> {
  const result = schema.strict().safeParse(values);
  if (result.success) return result.data as z.output<S>;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new UserError(`${attack}: unknown parameter '${issue.keys.join("', '")}'; the parameters are ${Object.keys(schema.shape).join(', ')}`);
  }
  const key = String(issue.path[0]);
  throw new UserError(`${attack}: parameter '${key}' got ${JSON.stringify(values[key])}: ${issue.message}`);
}

export interface ParamDoc {
  key: string;
  default: unknown;
  description: string;
}

/** The documented keys of a schema, for `--help`-style listings. */
export function paramDocs(schema: z.ZodObject): ParamDoc[] {
  const defaults = schema.parse({}) as Record<string, unknown>;
  return Object.entries(schema.shape).map(([key, field]) => ({ key, default: defaults[key], description: (field as z.ZodType).description ?? '' }));
}
