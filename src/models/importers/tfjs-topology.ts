/**
 * Parses the Keras 2 topology of a TF.js layers model.json into a flat list of layers, each with the calls
 * (inbound nodes) that feed it. Sequential models are rewritten as the equivalent functional graph so that
 * the converter has one code path.
 */

export type Config = Record<string, unknown>;

/** A reference to an output of a layer call: [layer name, call index, output index]. */
export type Ref = [layer: string, node: number, tensor: number];

export interface Layer {
  name: string;
  className: string;
  config: Config;
  /** One entry per call of the layer: the outputs it reads. */
  inbound: Ref[][];
}

export interface Topology {
  name: string;
  layers: Layer[];
  inputs: Ref[];
  outputs: Ref[];
}

export type Fail = (message: string) => never;

export const isObject = (v: unknown): v is Config => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Both the converter's `modelTopology.model_config` and tfjs's own `modelTopology.{class_name, config}`. */
export function parseTopology(root: Config, fail: Fail): Topology {
  if (root.format === 'graph-model') fail('is a TF.js graph model; only layers models can be imported');
  const topology = root.modelTopology;
  if (!isObject(topology)) fail('has no modelTopology object; is it a TF.js layers model.json?');
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  const className = model.class_name;
  if (className === 'Sequential') return sequential(model.config, fail);
  if (className === 'Model' || className === 'Functional') return functional(model.config, fail);
  return fail(`model class '${String(className)}' is not supported (expected Sequential, Model or Functional)`);
}

function sequential(config: unknown, fail: Fail): Topology {
  // Keras before 2.2 stored a Sequential config as the bare list of layers.
  const list = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(list) || list.length === 0) fail('the Sequential model has no layers');
  const layers = (list as unknown[]).map((raw) => parseLayer(raw, fail));
  const first = layers[0]!;
  if (first.className !== 'InputLayer') {
    // The input shape of a Sequential model without an InputLayer sits on its first layer.
    layers.unshift({ name: `${first.name}_input`, className: 'InputLayer', config: first.config, inbound: [] });
  }
  layers.forEach((l, i) => { l.inbound = i === 0 ? [] : [[[layers[i - 1]!.name, 0, 0]]]; });
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'sequential';
  return { name, layers, inputs: [[layers[0]!.name, 0, 0]], outputs: [[layers[layers.length - 1]!.name, 0, 0]] };
}

function functional(config: unknown, fail: Fail): Topology {
  if (!isObject(config) || !Array.isArray(config.layers)) fail('the functional model config has no layers list');
  const c = config as Config;
  return {
    name: typeof c.name === 'string' ? c.name : 'model',
    layers: (c.layers as unknown[]).map((raw) => parseLayer(raw, fail)),
    inputs: parseRefs(c.input_layers, 'input_layers', fail),
    outputs: parseRefs(c.output_layers, 'output_layers', fail),
  };
}

function parseLayer(raw: unknown, fail: Fail): Layer {
  if (!isObject(raw) || typeof raw.class_name !== 'string') fail('a layer entry has no class_name');
  const r = raw as Config;
  const config = isObject(r.config) ? r.config : {};
  const name = typeof r.name === 'string' ? r.name : typeof config.name === 'string' ? config.name : '';
  if (!name) fail(`a ${String(r.class_name)} layer has no name`);
  const nodes = r.inbound_nodes ?? [];
  if (!Array.isArray(nodes)) fail(`layer '${name}': inbound_nodes is not a list`);
  const inbound = (nodes as unknown[]).map((node) => {
    // Keras 3 writes each call as {args, kwargs}; Keras 2 as a list of [layer, node, tensor, kwargs].
    if (!Array.isArray(node)) fail(`layer '${name}': inbound_nodes are not in the Keras 2 format`);
    return (node as unknown[]).map((ref) => parseRef(ref, `layer '${name}' inbound_nodes`, fail));
  });
  return { name, className: r.class_name as string, config, inbound };
}

function parseRefs(v: unknown, field: string, fail: Fail): Ref[] {
  if (!Array.isArray(v)) return fail(`the model config has no ${field}`);
  // A model with one input or output may store the bare reference instead of a list of one.
  const list = typeof v[0] === 'string' ? [v] : v;
  return list.map((ref) => parseRef(ref, field, fail));
}

function parseRef(v: unknown, where: string, fail: Fail): Ref {
  if (!Array.isArray(v) || typeof v[0] !== 'string' || !Number.isInteger(v[1]) || !Number.isInteger(v[2])) {
    fail(`${where}: expected [layer name, node index, tensor index], got ${JSON.stringify(v)}`);
  }
  return [v[0] as string, v[1] as number, v[2] as number];
}
