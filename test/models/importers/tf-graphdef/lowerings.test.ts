import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../../../src/core/errors.js';
import { convertTfGraphDef } from '../../../../src/models/importers/tf-graphdef/convert.js';
import { LOWERINGS } from '../../../../src/models/importers/tf-graphdef/lowerings/index.js';
import { activationLowerings } from '../../../../src/models/importers/tf-graphdef/lowerings/activations.js';
import { arithmeticLowerings } from '../../../../src/models/importers/tf-graphdef/lowerings/arithmetic.js';
import { convLowerings } from '../../../../src/models/importers/tf-graphdef/lowerings/conv.js';
import { layoutLowerings } from '../../../../src/models/importers/tf-graphdef/lowerings/layout.js';
import { normalizationLowerings } from '../../../../src/models/importers/tf-graphdef/lowerings/normalization.js';
import { poolingLowerings } from '../../../../src/models/importers/tf-graphdef/lowerings/pooling.js';
import { shapeLowerings } from '../../../../src/models/importers/tf-graphdef/lowerings/shape.js';
import { sourceLowerings } from '../../../../src/models/importers/tf-graphdef/lowerings/sources.js';
import { TfGraph } from '../../../helpers/tf-graph.js';

const FAMILIES = {
  sourceLowerings, arithmeticLowerings, activationLowerings, convLowerings, poolingLowerings,
  normalizationLowerings, layoutLowerings, shapeLowerings,
};

test('every op has one lowering, in one family, and the table holds them all', () => {
  const seen = new Map<string, string>();
  for (const [family, table] of Object.entries(FAMILIES)) {
    for (const op of Object.keys(table)) {
      assert.equal(seen.get(op), undefined, `${op} is in ${seen.get(op)} and ${family}`);
      seen.set(op, family);
    }
  }
  assert.deepEqual(Object.keys(LOWERINGS).sort(), [...seen.keys()].sort());
});

test('the ops README.md lists for frozen graphs all have a lowering', () => {
  const listed = [
    'Conv2D', 'DepthwiseConv2dNative', 'BiasAdd', 'FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3', 'Relu', 'Relu6',
    'LeakyRelu', 'Elu', 'Sigmoid', 'Tanh', 'MaxPool', 'AvgPool', 'LRN', 'ConcatV2', 'Mean', 'Squeeze', 'Reshape', 'MatMul',
    'Pad', 'MirrorPad', 'StridedSlice', 'Softmax', 'Shape', 'Pack', 'Prod', 'Add', 'Sub', 'Mul', 'RealDiv', 'Rsqrt',
  ];
  assert.deepEqual(listed.filter((op) => !Object.hasOwn(LOWERINGS, op)), []);
});

test("an op named like a property of every JavaScript object is unsupported, not looked up on the table's prototype", () => {
  for (const op of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    const g = new TfGraph();
    const x = g.placeholder('x', [-1, 2, 2, 3]);
    g.op(op, 'weird', [x]);
    assert.throws(() => convertTfGraphDef(g.graphDef(), 'm.pb'), (e: unknown) => e instanceof UserError && e.message === `m.pb: node 'weird' (${op}): this TensorFlow op is not supported`);
  }
});
