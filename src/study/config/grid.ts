import type { ParamValue, ParamValues } from '../../attacks/types.js';

/** Attack parameters as a config writes them: a value, or a list of values to try each of. */
export type ParamGrid = Readonly<Record<string, ParamValue | readonly ParamValue[]>>;

/**
 * Every combination of a grid's values (the cartesian product), keys taken in sorted order so that the
 * points come out in the same order whatever order the config wrote them in.
 */
export function expandGrid(grid: ParamGrid): ParamValues[] {
  return Object.keys(grid)
    .sort()
    .reduce<ParamValues[]>((points, key) => {
      const value = grid[key]!;
      const values: readonly ParamValue[] = Array.isArray(value) ? value : [value as ParamValue];
      return points.flatMap((point) => values.map((v) => ({ ...point, [key]: v })));
    }, [{}]);
}
