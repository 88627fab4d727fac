import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { gradientGraph } from '../../src/autodiff/gradient-graph.js';
import { probeShapes } from '../../src/runtime/ort-shape-probe.js';
import { runtimeInputs } from '../../src/onnx/ir.js';
import { GradientSession } from '../../src/runtime/gradient-session.js';
import { normals, rng } from './fd-check.js';
import { adoptFloat32Branches, Float64Forward, kinkTensors, tensorValues } from './float64-reference.js';
import { LIGHT_MODELS, LightForward, randomizedLightModel } from './light-models.js';
import { centralDifference } from '../helpers/central-difference.js';

/**
 * Whole-model checks on the nine onnx-light-models (opset 9, lifted to 17 by the compiler) with seeded random
 * weights: the input gradient of a weighted sum of the output probabilities, computed by the float32 gradient
 * graph, must match central differences along 3 random normal directions within 2% of the numeric value.
 *
 * The differences are taken on a float64 copy of each model (float64-reference.ts), first checked to compute
 * the same outputs as the float32 model. A random direction in 150,528 pixels is nearly orthogonal to the
 * gradient, so its directional derivative is a small sum of cancelling terms; float32 cannot resolve it with
 * any step (measured errors 1e-3 to 1e1), float64 can with a step far smaller than float32 allows.
 *
 * The copy takes float32's branches at x (adoptFloat32Branches): the 1-2 units per model that sit within
 * float32 rounding of a ReLU or MaxPool kink branch differently in float64, and on a direction nearly
 * orthogonal to the gradient that alone moved the comparison by 9% (vgg19), while the float32 gradient is
 * exactly the derivative of the function on float32's branches.
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
    const cotangent = normals(rand, 1000);
    const x64 = Float64Array.from(x);
    const compiled = await gradientGraph(forward.model, { probe: probeShapes, lossHead: { kind: 'weighted-logits' } });
    const reference = await Float64Forward.create(forward.model, async (m64) => {
      const names = kinkTensors(m64);
      const input = runtimeInputs(m64.graph)[0]!;
      const at32 = await tensorValues(compiled.model, {
        [compiled.input]: new ort.Tensor('float32', x, input.shape as number[]),
        [compiled.lossInputs.cotangent!]: new ort.Tensor('float32', cotangent, [1, 1000]),
      }, names);
      const at64 = await tensorValues(m64, { [input.name]: new ort.Tensor('float64', x64, input.shape as number[]) }, names);
      const pinned = adoptFloat32Branches(m64, at32, at64);
      t.diagnostic(`float32 branches adopted: ${pinned.relu} ReLU units, ${pinned.maxPool} MaxPool windows`);
    });
    const weighted = (y: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * cotangent[i]!;
      return s;
    };

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
      const numeric = await centralDifference((t) => loss(x64.map((xi, i) => xi + t * v[i]!)), STEP);
      const rel = Math.abs(analytic - numeric) / Math.abs(numeric);
      t.diagnostic(`direction ${d}: analytic ${analytic.toPrecision(6)} numeric ${numeric.toPrecision(6)} rel ${rel.toExponential(1)}`);
      assert.ok(rel < 0.02, `${name} direction ${d}: analytic ${analytic} vs numeric ${numeric}`);
    }
    await reference.release();
    await forward.release();
  });
}
