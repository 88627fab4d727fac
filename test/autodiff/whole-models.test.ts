import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradientSession } from '../../src/runtime/gradient-session.js';
import { normals, rng } from './fd-check.js';
import { LIGHT_MODELS, LightForward, randomizedLightModel } from './light-models.js';

/**
 * Whole-model checks on the nine onnx-light-models (opset 9, lifted to 17 by the compiler) with seeded random
 * weights: the input gradient of a weighted sum of the output probabilities must match central differences
 * of the forward model along 3 random directions within 2%.
 *
 * The directions are random normal magnitudes with the signs of the computed gradient (zero-gradient pixels
 * keep a random sign). An unsigned normal direction in 150,528 pixels is nearly orthogonal to the gradient
 * (cosine ~1e-3), so its directional derivative is a cancellation far smaller than the slope changes of the
 * ReLU and MaxPool kinks that any step float32 can resolve crosses; with signed directions the derivative is
 * large while every pixel's gradient still enters with its own random weight, so a wrong magnitude or sign
 * anywhere shows up to first order.
 */

const STEP = 3e-5;

for (const name of LIGHT_MODELS) {
  test(`whole model ${name}: input gradient matches finite differences`, async (t) => {
    const rand = rng(11);
    const x = Float32Array.from({ length: 3 * 224 * 224 }, () => rand());
    const forward = await LightForward.create(randomizedLightModel(name, 7), x);
    const cotangent = normals(rand, 1000);
    const loss = async (at: Float32Array) => (await forward.run(at)).output.reduce((s, p, i) => s + p * cotangent[i]!, 0);
    const session = await GradientSession.create(forward.model, { kind: 'weighted-logits' });
    const result = await session.run(x, 1, { cotangent });
    await session.dispose();
    const reference = await loss(x);
    assert.ok(Math.abs(result.loss[0]! - reference) <= 1e-5 * (1 + Math.abs(reference)), `loss ${result.loss[0]} vs forward ${reference}`);
    const g = result.grad;
    for (let d = 0; d < 3; d++) {
      const v = normals(rand, g.length).map((n, i) => (g[i] === 0 ? n : Math.sign(g[i]!) * Math.abs(n)));
      const analytic = g.reduce((s, gi, i) => s + gi * v[i]!, 0);
      const numeric = ((await loss(x.map((xi, i) => xi + STEP * v[i]!))) - (await loss(x.map((xi, i) => xi - STEP * v[i]!)))) / (2 * STEP);
      const rel = Math.abs(analytic - numeric) / Math.abs(numeric);
      t.diagnostic(`direction ${d}: analytic ${analytic.toPrecision(6)} numeric ${numeric.toPrecision(6)} rel ${rel.toExponential(1)}`);
      assert.ok(rel < 0.02, `${name}: analytic ${analytic} vs numeric ${numeric}`);
    }
    await forward.release();
  });
}
