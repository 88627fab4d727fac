import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradientSession } from '../../src/runtime/gradient-session.js';
import { normals, relativeError, rng } from './fd-check.js';
import { Float64Forward } from './float64-reference.js';
import { LIGHT_MODELS, LightForward, randomizedLightModel } from './light-models.js';

/**
 * Whole-model checks on the nine onnx-light-models (opset 9, lifted to 17 by the compiler) with seeded random
 * weights: the input gradient of a weighted sum of the output probabilities, computed by the float32 gradient
 * graph, must match central differences along 3 random normal directions within 2%, measured as the per-rule
 * checks measure it (relativeError): relative to the numeric value, or to a tenth of ‖g‖ (the typical size
 * of g·v) when the direction happens to be nearly orthogonal to the gradient.
 *
 * The differences are taken on a float64 copy of each model (float64-reference.ts), first checked to compute
 * the same outputs as the float32 model. A random direction in 150,528 pixels is nearly orthogonal to the
 * gradient, so its directional derivative is a small sum of cancelling terms; float32 cannot resolve it with
 * any step (measured errors 1e-3 to 1e1), float64 can with a step far smaller than float32 allows.
 *
 * Why the ‖g‖ floor: a few units per model sit within float32 rounding of a kink (a ReLU input ~1e-7 from 0,
 * two MaxPool inputs 2e-7 apart), where float32 and float64 take different branches. That moves g by ~1e-3‖g‖,
 * which is 9% of vgg19's second direction (cosine 0.013 with g) but 1% of the floor. Forcing the float64
 * copy onto float32's branches (a probe) brought every error below 6e-4, so nothing else is off.
 */

/**
 * Steps of 1e-4..1e-6 per pixel cross ReLU and MaxPool kinks of these nets of 10^6..10^7 units (measured
 * errors up to 26% at 1e-5 and 4% at 1e-6). From 1e-7 down to 1e-9 the quotients agree to 2-3 digits: no kink
 * is crossed, and float64 rounding of the loss difference stays far below 1e-4 relative. 1e-8 is in between.
 */
const STEP = 1e-8;

for (const name of LIGHT_MODELS) {
  test(`whole model ${name}: input gradient matches finite differences`, async (t) => {
    const rand = rng(11);
    const x = Float32Array.from({ length: 3 * 224 * 224 }, () => rand());
    // create() may rescale the last linear layer in place, so the float64 copy is made from forward.model after it.
    const forward = await LightForward.create(randomizedLightModel(name, 7), x);
    const reference = await Float64Forward.create(forward.model);
    const cotangent = normals(rand, 1000);
    const weighted = (y: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * cotangent[i]!;
      return s;
    };

    const x64 = Float64Array.from(x);
    const y32 = (await forward.run(x)).output;
    const y64 = await reference.run(x64);
    const largest = y32.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const deviation = y32.reduce((m, v, i) => Math.max(m, Math.abs(v - y64[i]!)), 0);
    t.diagnostic(`float64 vs float32 forward: max deviation ${(deviation / largest).toExponential(1)} of the largest output`);
    assert.ok(deviation <= 1e-4 * largest, `${name}: float64 reference deviates by ${deviation} (largest output ${largest})`);

    const session = await GradientSession.create(forward.model, { kind: 'weighted-logits' });
    const result = await session.run(x, 1, { cotangent });
    await session.dispose();
    const loss32 = weighted(y32);
    assert.ok(Math.abs(result.loss[0]! - loss32) <= 1e-5 * (1 + Math.abs(loss32)), `loss ${result.loss[0]} vs forward ${loss32}`);

    const loss = async (at: Float64Array) => weighted(await reference.run(at));
    const g = result.grad;
    for (let d = 0; d < 3; d++) {
      const v = normals(rand, g.length);
      const analytic = g.reduce((s, gi, i) => s + gi * v[i]!, 0);
      const numeric = ((await loss(x64.map((xi, i) => xi + STEP * v[i]!))) - (await loss(x64.map((xi, i) => xi - STEP * v[i]!)))) / (2 * STEP);
      const rel = relativeError(analytic, numeric, g);
      t.diagnostic(`direction ${d}: analytic ${analytic.toPrecision(6)} numeric ${numeric.toPrecision(6)} rel ${rel.toExponential(1)}`);
      assert.ok(rel < 0.02, `${name} direction ${d}: analytic ${analytic} vs numeric ${numeric}`);
    }
    await reference.release();
    await forward.release();
  });
}
