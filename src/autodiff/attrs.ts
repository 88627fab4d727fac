import type { Node } from '../onnx/ir.js';
import { UserError } from '../core/errors.js';

/** Readers for node attributes with ONNX defaults; a wrongly typed attribute is a model error. */

function wrongType(node: Node, key: string, want: string): never {
  throw new UserError(`node '${node.name}' (${node.opType}): attribute '${key}' is not ${want}`);
}

export function intAttr(node: Node, key: string, fallback: number): number {
  const a = node.attrs[key];
  if (!a) return fallback;
  if (a.type !== 'int') wrongType(node, key, 'an int');
  return a.value;
}

export function floatAttr(node: Node, key: string, fallback: number): number {
  const a = node.attrs[key];
  if (!a) return fallback;
  if (a.type !== 'float') wrongType(node, key, 'a float');
  return a.value;
}

export function intsAttr(node: Node, key: string): number[] | undefined {
  const a = node.attrs[key];
  if (!a) return undefined;
  if (a.type !== 'ints') wrongType(node, key, 'a list of ints');
  return a.value;
}

export function stringAttr(node: Node, key: string, fallback: string): string {
  const a = node.attrs[key];
  if (!a) return fallback;
  if (a.type !== 'string') wrongType(node, key, 'a string');
  return a.value;
}

/** Normalises a possibly negative axis against a rank. */
export function axisOf(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
