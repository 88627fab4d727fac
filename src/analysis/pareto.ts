import { UserError } from '../core/errors.js';

/** A model's place in the accuracy-robustness plane: higher is better on both axes. */
export interface ParetoPoint {
  model: string;
  accuracy: number;
  /** Mean distortion an attack needed: larger means more robust. */
  distortion: number;
}

export interface ParetoMembership extends ParetoPoint {
  onFrontier: boolean;
  /** Models at least as accurate and as robust, and strictly better on one axis. */
  dominatedBy: string[];
}

/**
 * The accuracy-robustness Pareto frontier: the models no other model dominates. Models with identical
 * points do not dominate each other, so ties share the frontier. Results keep the input order.
 */
export function paretoFrontier(points: readonly ParetoPoint[]): ParetoMembership[] {
  for (const p of points) {
    if (!Number.isFinite(p.accuracy) || !Number.isFinite(p.distortion)) {
      throw new UserError(`model ${p.model}: accuracy ${p.accuracy} and distortion ${p.distortion} must be finite`);
    }
  }
  return points.map((p) => {
    const dominatedBy = points
      .filter((q) => q.accuracy >= p.accuracy && q.distortion >= p.distortion && (q.accuracy > p.accuracy || q.distortion > p.distortion))
      .map((q) => q.model);
    return { ...p, onFrontier: dominatedBy.length === 0, dominatedBy };
  });
}
