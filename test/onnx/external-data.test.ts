import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { ModelProto } from '../../src/onnx/schema.js';
import { loadModel } from '../../src/models/load-model.js';
import { UserError } from '../../src/core/errors.js';
import { tempDir } from '../study/helpers.js';

/**
 * A classifier whose bias comes from a Constant node with a `sparse_value` whose values live in an
 * external file ('secret.bin'): ONNX Runtime would read that file relative to the working directory.
 */
function sparseExternalModel(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['N', 3, 2, 2]);
  const flat = g.op('Flatten', [x], { axis: 1 });
  const w = g.constFloat('W', [12, 2], Array.from({ length: 24 }, (_, i) => i / 24));
  const y = g.op('MatMul', [flat, w]);
  g.node('Constant', [], {}, { outputs: ['bias'] });
  g.node('Add', [y, 'bias'], {}, { outputs: ['logits'] });
  g.output('logits', ['N', 2]);
  const raw = ModelProto.toObject(ModelProto.decode(encodeModel(modelOf(g.graph)))) as { graph: { node: { op_type: string; attribute?: unknown[] }[] } };
  const constant = raw.graph.node.find((n) => n.op_type === 'Constant')!;
  constant.attribute = [{
    name: 'sparse_value', type: 11,
    sparse_tensor: {
      dims: [2],
      values: { name: 'hidden', data_type: 1, dims: [1], data_location: 1, external_data: [{ key: 'location', value: 'secret.bin' }, { key: 'length', value: '4' }] },
      indices: { name: 'hidden_idx', data_type: 7, dims: [1], int64_data: [0] },
    },
  }];
  return ModelProto.encode(ModelProto.fromObject(raw)).finish();
}

test("external data hidden in a Constant's sparse_value is refused like any other external tensor", async () => {
  const dir = tempDir('rs-external-');
  const path = join(dir, 'sparse.onnx');
  writeFileSync(path, sparseExternalModel());
  await assert.rejects(loadModel(path), (e: unknown) => e instanceof UserError && e.message.startsWith(`${path}: tensor 'hidden' stores its data in an external file`));
});
