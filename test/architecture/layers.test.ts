import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The layering of docs/architecture.md, read from the sources' import lines: a folder of src/ may import
 * its own tier and the tiers below it, never one above; src/index.ts (the package root) may import all.
 * Within a tier, imports may cross folders but no file may reach itself again (no cycles, type-only
 * imports included, since they couple the files just the same for a reader).
 */
const TIERS: readonly (readonly string[])[] = [
  ['cli'],
  ['study'],
  ['attacks', 'metrics', 'analysis', 'report'],
  ['records'],
  ['runtime', 'models', 'data'],
  ['autodiff'],
  ['onnx'],
  ['core'],
];

const SRC = resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a file, resolved to the .ts files they name. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

const folderOf = (file: string): string => relative(SRC, file).split('/')[0]!;
const tierOf = (folder: string): number => TIERS.findIndex((t) => t.includes(folder));

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('architecture: layers that only point down', () => {
  it('every folder of src/ has a tier', () => {
    const folders = new Set(files.filter((f) => f !== join(SRC, 'index.ts')).map(folderOf));
    assert.deepEqual([...folders].filter((f) => tierOf(f) < 0), []);
  });

  it('no import runs upward', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      if (file === join(SRC, 'index.ts')) continue;
      for (const t of targets) {
        if (tierOf(folderOf(t)) < tierOf(folderOf(file))) upward.push(`${relative(SRC, file)} -> ${relative(SRC, t)}`);
      }
    }
    assert.deepEqual(upward, []);
  });

  it('no import cycle between files or between folders', () => {
    const cycles: string[] = [];
    const findCycles = (nodes: Map<string, Set<string>>, name: (n: string) => string): void => {
      const state = new Map<string, 'open' | 'done'>();
      const stack: string[] = [];
      const visit = (n: string): void => {
        state.set(n, 'open');
        stack.push(n);
        for (const m of nodes.get(n) ?? []) {
          if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m].map(name).join(' -> '));
          else if (!state.has(m)) visit(m);
        }
        stack.pop();
        state.set(n, 'done');
      };
      for (const n of nodes.keys()) if (!state.has(n)) visit(n);
    };
    findCycles(new Map([...graph].map(([f, ts]) => [f, new Set(ts)])), (f) => relative(SRC, f));
    const folders = new Map<string, Set<string>>();
    for (const [f, ts] of graph) {
      if (f === join(SRC, 'index.ts')) continue;
      const set = folders.get(folderOf(f)) ?? new Set<string>();
      for (const t of ts) if (folderOf(t) !== folderOf(f)) set.add(folderOf(t));
      folders.set(folderOf(f), set);
    }
    findCycles(folders, (f) => f);
    assert.deepEqual(cycles, []);
  });

  it('the check sees an upward import when there is one', () => {
    // The test's own reading of import lines, on a line of the shape the sources use.
    const specs = [..."import { x } from '../../cli/main.js';".matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)];
    assert.equal(specs[0]?.[1], '../../cli/main.js');
    assert.ok(tierOf('cli') < tierOf('study') && tierOf('onnx') > tierOf('autodiff'));
  });
});
