import { decodeModel } from '../../onnx/codec.js';
import { readModelBytes, sha256, type ImportedModel, type ModelFile } from './model-file.js';

/** An .onnx file, self-contained (external tensor data is rejected); its sha256 is the file's. */
export async function readOnnxFile({ path }: ModelFile): Promise<ImportedModel> {
  const bytes = readModelBytes(path);
  return { model: decodeModel(bytes, path), sha256: sha256(bytes) };
}
