import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { decodeModel, decodeTensorProto, encodeModel } from '../../src/onnx/codec.js';
import { createSession, runSession, toOrtTensor } from '../../src/runtime/ort.js';
import { fixture } from '../helpers/fixtures.js';

/** Worst violation of |a - e| <= atol + rtol * |e| over all elements (<= 0 means within tolerance). */
function worstExcess(actual: ArrayLike<number | bigint | boolean>, expected: ArrayLike<number | bigint | boolean>, rtol: number, atol: number): number {
  let worst = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) { worst = Math.max(worst, -atol); continue; }
    worst = Math.max(worst, Math.abs(a - e) - (atol + rtol * Math.abs(e)));
  }
  return worst;
}

function testDirs(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => (existsSync(join(root, d.name, 'model.onnx')) ? [join(root, d.name)] : testDirs(join(root, d.name))));
}

/** Round-trips model.onnx through our decoder, IR and encoder, runs it in ORT and compares every data set. */
async function runConformance(dir: string): Promise<void> {
  const model = decodeModel(readFileSync(join(dir, 'model.onnx')), dir);
  const roundTrip = decodeModel(encodeModel(model), dir);
  assert.deepEqual(roundTrip.graph.nodes.map((n) => n.opType), model.graph.nodes.map((n) => n.opType));
  const session = await createSession(roundTrip, dir);
  try {
    const sets = readdirSync(dir).filter((f) => f.startsWith('test_data_set_')).sort();
    assert.ok(sets.length > 0, `${dir} has no data sets`);
    for (const set of sets) {
      const files = readdirSync(join(dir, set));
      const read = (prefix: string) => files.filter((f) => f.startsWith(prefix)).sort((a, b) => parseInt(a.slice(prefix.length)) - parseInt(b.slice(prefix.length)))
        .map((f) => decodeTensorProto(readFileSync(join(dir, set, f)), f));
      const inputs = read('input_');
      const outputs = read('output_');
      // Every runtime input is fed and every output compared: a misread data set cannot pass by comparing nothing.
      assert.equal(inputs.length, session.inputNames.length, `${set} inputs`);
      assert.equal(outputs.length, session.outputNames.length, `${set} outputs`);
      // Inputs bind by position to the graph's runtime inputs (optional inputs may be omitted by name '').
      const feeds: Record<string, ort.Tensor> = {};
      inputs.forEach((t, i) => { feeds[session.inputNames[i]!] = toOrtTensor(t); });
      const result = await runSession(session, feeds, dir);
      outputs.forEach((expected, i) => {
        const actual = result[session.outputNames[i]!]!;
        assert.deepEqual([...actual.dims], expected.dims, `${set} output ${i} shape`);
        const excess = worstExcess(actual.data as ArrayLike<number>, expected.data as ArrayLike<number>, 1e-3, 1e-5);
        assert.ok(excess <= 0, `${set} output ${i} exceeds rtol 1e-3/atol 1e-5 by ${excess}`);
      });
    }
  } finally {
    await session.release();
  }
}

for (const suite of ['onnx-node-tests', 'onnx-pytorch-tests']) {
  const dirs = testDirs(fixture(suite));
  // A failing subtest fails its parent, so the parent's pass means all of them passed.
  test(`${suite}: ${dirs.length} conformance tests through decode -> IR -> encode -> ORT`, async (t) => {
    assert.ok(dirs.length > 0, `no tests found under ${fixture(suite)}`);
    for (const dir of dirs) await t.test(dir.slice(fixture(suite).length + 1), () => runConformance(dir));
  });
}
