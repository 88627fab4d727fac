import type { ImportedModel, ModelFile } from './model-file.js';

/**
 * One model format: how a path is recognised, how the CLI help names it, and how its file becomes an ONNX
 * model. Adding a format is one importer file plus its line in IMPORTERS; loading, the sidecar manifest's
 * name and the help follow from here (README.md's Models section describes each format at length).
 */
export interface ModelImporter {
  /** Endings of the file name (lower case, with the dot) that mark the format; the longest match wins. */
  extensions: readonly string[];
  /** A phrase naming a file of the format, as the CLI help and errors list it ('an .onnx file'). */
  description: string;
  /** Reads the file. The importer module is imported here, on demand: most runs never touch most formats. */
  read(file: ModelFile): Promise<ImportedModel>;
}

export const IMPORTERS: readonly ModelImporter[] = [
  { extensions: ['.onnx'], description: 'an .onnx file', read: async (f) => (await import('./onnx-file.js')).readOnnxFile(f) },
  { extensions: ['.json'], description: 'a TF.js model.json', read: async (f) => (await import('./tfjs-layers.js')).readTfjsLayers(f) },
  { extensions: ['.pb'], description: 'a frozen TensorFlow graph (.pb)', read: async (f) => (await import('./tf-graphdef/convert.js')).readTfGraphDef(f) },
  { extensions: ['.index'], description: 'a TensorFlow checkpoint index (.index) whose manifest names its architecture', read: async (f) => (await import('./slim-densenet.js')).readSlimDenseNet(f) },
  { extensions: ['.safetensors'], description: 'timm weights (.safetensors) whose manifest names their architecture', read: async (f) => (await import('./timm-nasnet.js')).readTimmNasnet(f) },
];

/** The importer of a model file and the ending that marked it, or undefined for a name no format claims. */
function match(path: string): { importer: ModelImporter; extension: string } | undefined {
  const name = path.toLowerCase();
  let best: { importer: ModelImporter; extension: string } | undefined;
  for (const importer of IMPORTERS) {
    for (const extension of importer.extensions) {
      if (name.endsWith(extension) && extension.length > (best?.extension.length ?? 0)) best = { importer, extension };
    }
  }
  return best;
}

export function importerFor(path: string): ModelImporter | undefined {
  return match(path)?.importer;
}

/** Every format, as the CLI help and errors list them: 'an .onnx file, a TF.js model.json, ...'. */
export function describeFormats(): string {
  return IMPORTERS.map((i) => i.description).join(', ');
}

/**
 * The manifest beside a model file: `<model>.manifest.json` with the format's ending replaced
 * (model.json → model.manifest.json, x.ckpt.index → x.ckpt.manifest.json).
 */
export function sidecarManifestPath(modelPath: string): string {
  const ending = match(modelPath)?.extension.length ?? 0;
  return `${modelPath.slice(0, modelPath.length - ending)}.manifest.json`;
}
