/** The library API of robustscope. */
export { loadModel, readModelSource, type LoadModelOptions, type ModelSource } from './models/load-model.js';
export { parseManifest, ManifestSchema, type Manifest, type ManifestInput } from './models/manifest.js';
export { summarize, type ModelSummary } from './models/summary.js';
export type { Classifier, ClassifierInfo } from './runtime/classifier-types.js';
export { OnnxClassifier, type ClassifierOptions } from './runtime/onnx-classifier.js';
export { argmax, topK, softmaxRow } from './runtime/logits.js';
export { loadDataset, type LoadDatasetOptions } from './data/load-dataset.js';
export { loadExamples, type Dataset } from './data/dataset.js';
export { loadImage, saveImagePng, type ResizeMode } from './data/image.js';
export { readLabelList, alignLabels, type LabelList } from './data/labels.js';
export { decodeModel, encodeModel, readModelFile, decodeTensorProto } from './onnx/codec.js';
export { GraphBuilder, modelOf, float, floats } from './onnx/builder.js';
export { inferShapes } from './onnx/shape-inference.js';
export * from './onnx/ir.js';
export { UserError } from './errors.js';
