import { UserError } from '../../core/errors.js';
import type { ManifestInput } from '../manifest.js';
import { dirname, join } from 'node:path';
import { pullFile, pullModel, sourceUrl, type ModelPullOptions, type ModelPullResult, type PullResult } from '../pull.js';
import type { SlimArchitecture } from '../importers/slim-densenet.js';
import type { TimmArchitecture } from '../importers/timm-nasnet.js';

type Preprocess = NonNullable<ManifestInput['preprocess']>;

/** What STUDY.md's model table says the study ran: the facts a reproduction is measured against. */
export interface StudyFacts {
  inputSize: number;
  /** 1001: TF-slim's leading background class. */
  classes: 1000 | 1001;
  preprocess: Preprocess;
}

/**
 * The study's 18 ImageNet models (STUDY.md) as public files in the model cache, with the manifests that
 * make them see canonical input as their publishers fed them.
 *
 * Where the study's own TF-slim network is published with a recorded sha256, as a frozen graph (.pb) or a
 * checkpoint, the entry points to it and its facts are the study's. Otherwise, where a public ONNX release
 * of the architecture exists, the entry points to it and `inputSize`, `classes`, `preprocess` and `outputs`
 * describe THAT file (they are what the manifest says); `study` keeps what the study ran and `note` says
 * how the file differs.
 *
 * Every sha256 and size was read from a record pinned in `source` (`owner/repo@commit:path`): the Git LFS
 * pointer of an ONNX Model Zoo file (its `oid sha256:` is the sha256 of the file GitHub serves for it; the
 * url is pinned to that commit), the build recipe or model list that downloads a TensorFlow release, or the
 * Git LFS oid the Hugging Face Hub shows for a file of a pinned commit.
 */
export interface PaperModel {
  name: string;
  family: string;
  /** File name in the model cache (`robustscope models pull <name>` saves there). */
  file: string;
  /** Input height = width of the file (the manifest's inputSize). */
  inputSize: number;
  /** Outputs of the file; 1001 has a leading background class, sliced off in the graph (labelOffset 1). */
  classes: 1000 | 1001;
  /** Canonical RGB [0,1] to what the file expects. */
  preprocess: Preprocess;
  /** 'softmax': the graph ends in a Softmax, which the manifest's outputs 'auto' removes to expose logits. */
  outputs: 'logits' | 'softmax';
  url: string;
  sha256: string;
  /** Size in bytes of the file at `url`, where the record gives it. */
  bytes: number | undefined;
  /**
   * Where sha256 and size were read, as `owner/repo@commit:path`: the stored Git LFS pointer of an ONNX
   * Model Zoo file, the build recipe / model list that pins a TensorFlow release, or a Hugging Face Hub
   * file (`huggingface.co/owner/repo@commit:path`).
   */
  source: string;
  /** What `file` is: an ONNX model, a frozen TensorFlow graph, a TensorFlow checkpoint's index, or timm's safetensors weights. */
  format: 'onnx' | 'pb' | 'ckpt' | 'safetensors';
  /** For a TensorFlow release archive: the frozen graph's or checkpoint index's path inside the .tgz at `url`. */
  member: string | undefined;
  /** The archive's file name where `url` does not end in it (a Google Drive link). */
  archive: string | undefined;
  /** For weights without a graph (checkpoint, safetensors): the network they belong to (the manifest's `architecture`). */
  architecture: SlimArchitecture | TimmArchitecture | undefined;
  /** For a TensorFlow graph: its output node, where the record names it (not auxiliary heads). */
  tfOutput: string | undefined;
  /** What the study ran (STUDY.md). */
  study: StudyFacts;
  /** How the public file differs from the study's network. */
  note: string;
}

/** 2x - 1: the TF-slim Inception preprocessing. */
const INCEPTION: Preprocess = { scale: 2, mean: [1], std: [1] };
const VGG_MEAN = [123.68, 116.78, 103.94];
const VGG: Preprocess = { scale: 255, mean: VGG_MEAN, std: [1] };
/** Caffe AlexNet: BGR, x*255 minus the BGR mean. */
const ALEXNET: Preprocess = { scale: 255, mean: [104, 117, 124], std: [1], channelOrder: 'BGR' };
/** DenseNet (Caffe ports): (x*255 - VGG mean) * 0.017. */
const DENSENET: Preprocess = { scale: 255, mean: VGG_MEAN, std: [1 / 0.017] };

/** Caffe/Caffe2 ImageNet models: BGR, x*255 minus the BGR mean (Caffe's [103.939, 116.779, 123.68]). */
const CAFFE_BGR: Preprocess = { scale: 255, mean: [103.939, 116.779, 123.68], std: [1], channelOrder: 'BGR' };
/** MXNet Gluon (and torchvision) models: RGB, (x - ImageNet mean) / ImageNet std. */
const IMAGENET_MEAN_STD: Preprocess = { scale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** A public ONNX file in the ONNX Model Zoo, pinned to the commit its Git LFS pointer was read at. */
interface Release {
  commit: string;
  path: string;
  sha256: string;
  bytes: number;
  inputSize: number;
  classes: 1000 | 1001;
  preprocess: Preprocess;
  outputs: PaperModel['outputs'];
}

const onnxZoo = (r: Release) => ({
  url: `https://github.com/onnx/models/raw/${r.commit}/${r.path}`,
  sha256: r.sha256,
  bytes: r.bytes,
  source: `onnx/models@${r.commit}:${r.path}`,
  inputSize: r.inputSize,
  classes: r.classes,
  preprocess: r.preprocess,
  outputs: r.outputs,
});

/**
 * A frozen TF-slim graph, a plain .pb or inside a TensorFlow release archive (`member`), whose sha256 a
 * public build recipe or model list records (`record`, `owner/repo@commit:path`). It is the study's own
 * network with the study's input size, classes and preprocessing. `output` names the output node where the
 * record does (else the graph's only unread node is taken); `outputs` says whether it ends in a Softmax.
 */
interface TfRelease {
  url: string; sha256: string; bytes?: number; record: string; member?: string; output?: string; outputs?: PaperModel['outputs'];
}

const tfRelease = (r: TfRelease) => ({
  url: r.url, sha256: r.sha256, bytes: r.bytes, source: r.record, member: r.member, tfOutput: r.output, outputs: r.outputs ?? 'softmax',
  format: 'pb' as const,
});

/**
 * A TF-slim checkpoint in a release archive whose sha256 a public model list records: `member` is its
 * index (the data shards beside it come along), `architecture` the network built around it. Its graph ends
 * in the logits.
 */
interface CheckpointRelease { url: string; archive?: string; sha256: string; bytes: number; record: string; member: string; architecture: SlimArchitecture }

const checkpointRelease = (r: CheckpointRelease) => ({
  url: r.url, archive: r.archive, sha256: r.sha256, bytes: r.bytes, source: r.record, member: r.member, architecture: r.architecture,
  outputs: 'logits' as const, format: 'ckpt' as const,
});

/**
 * timm's weights of a network on the Hugging Face Hub (`repo` at `commit`), a safetensors file whose sha256 is
 * the Git LFS oid the Hub shows for it; `architecture` is the network built around them and `preprocess` the
 * mean and std of the weights' timm config. Its graph ends in the logits of 1000 classes.
 */
interface TimmRelease { repo: string; commit: string; sha256: string; architecture: TimmArchitecture; preprocess: Preprocess; inputSize: number }

const timmRelease = (r: TimmRelease) => ({
  url: `https://huggingface.co/${r.repo}/resolve/${r.commit}/model.safetensors`, sha256: r.sha256,
  source: `huggingface.co/${r.repo}@${r.commit}:model.safetensors`, architecture: r.architecture,
  inputSize: r.inputSize, classes: 1000 as const, preprocess: r.preprocess, outputs: 'logits' as const, format: 'safetensors' as const,
});

/** The cache file name of each format (a checkpoint is named by its index). */
const EXTENSION = { onnx: 'onnx', pb: 'pb', ckpt: 'ckpt.index', safetensors: 'safetensors' } as const;

const model = (
  name: string, family: string, inputSize: number, classes: 1000 | 1001, preprocess: Preprocess,
  release: ReturnType<typeof onnxZoo> | ReturnType<typeof tfRelease> | ReturnType<typeof checkpointRelease> | ReturnType<typeof timmRelease>, note: string,
): PaperModel => ({
  name, family, inputSize, classes, preprocess,
  bytes: undefined, member: undefined, archive: undefined, architecture: undefined,
  tfOutput: undefined, format: 'onnx',
  ...release,
  file: `${name}.${EXTENSION['format' in release ? release.format : 'onnx']}`,
  study: { inputSize, classes, preprocess },
  note,
});

const OMZ = 'openvinotoolkit/open_model_zoo';
/** A public Google Drive file's direct download (confirm=t skips the page Drive shows before large files). */
const googleDrive = (id: string) => `https://drive.usercontent.google.com/download?id=${id}&export=download&confirm=t`;
/** Xiaomi's MACE model zoo: frozen TF-slim graphs it benchmarks, with their sha256 in each model's yml. */
const MACE = 'XiaoMi/mace-models@001432b2695bdadc2c462c9f731c0ce4729e99c3';
/** Frozen graphs OpenVINO made from TF-slim checkpoints (its 2019-2020 model lists record their sha256). */
const OPENCV_MODELS = 'https://download.01.org/opencv/public_models';
const RENESAS = 'renesas-rz/meta-renesas-ai@b381d2a5c9a1832790060ac6736e0aa3993b9010:meta-benchmark/recipes-benchmark/benchmark/benchmark.bb';
/** TensorFlow's download bucket (download.tensorflow.org is the same bucket over http). */
const TF_MODELS = 'https://storage.googleapis.com/download.tensorflow.org/models';
const TFLITE_ZOO = `${TF_MODELS}/tflite/model_zoo/upload_20180427`;
/** The TF-slim graphs the TFLite model zoo converted, published beside the .tflite files. */
const TFLITE_ZOO_NOTE = (net: string, top1: string) =>
  `The study's network: TF-slim ${net} frozen into the TFLite model zoo's archive (its float .pb beside the .tflite; ` +
  `the zoo lists ${top1}% top-1), with the study's 299x299 input, 1001 classes and 2x-1 preprocessing. The graph ` +
  'takes a batch of 1; the importer generalises its batch-1 reshapes so it runs on any batch.';

export const PAPER_MODELS: readonly PaperModel[] = [
  // onnx/models@6ab957a2fe61f34a76c670946f7cbd806d2cacca:vision/classification/alexnet/model/bvlcalexnet-12.onnx
  // (Git LFS pointer: oid sha256:6b0da951…, size 243863787)
  model('alexnet', 'alexnet', 227, 1000, ALEXNET, onnxZoo({
    commit: '6ab957a2fe61f34a76c670946f7cbd806d2cacca',
    path: 'vision/classification/alexnet/model/bvlcalexnet-12.onnx',
    sha256: '6b0da9510f27f234ee96a85dc3809dd210150fdefad87f6850f9788513216945',
    bytes: 243863787,
    inputSize: 224, classes: 1000, preprocess: ALEXNET, outputs: 'softmax',
  }), 'ONNX Model Zoo BVLC AlexNet (Caffe BVLC AlexNet -> Caffe2 -> ONNX, opset 12): the Caffe BVLC network, ' +
    'whose conventions (227 crops, BGR, Caffe mean) the study\'s AlexNet follows. Differences: the graph declares a 224x224 input where the study fed 227x227 ' +
    '(the network was trained on 227 crops; with Caffe\'s ceil-mode pooling both give the 6x6 pool5 map, so ' +
    'inputSize [227, 227] may be set in the manifest once checked against the graph); it ends in a Softmax ' +
    '(removed by outputs "auto"). Preprocessing is the study\'s; the zoo\'s reference evaluation (intel/neural-' +
    'compressor onnx_model_zoo/alexnet) uses BGR minus [103.939, 116.779, 123.68], within 0.4/255 of it.'),

  model('vgg_16', 'vgg', 224, 1000, VGG, tfRelease({
    url: 'https://cnbj1.fds.api.xiaomi.com/mace/miai-models/vgg16/vgg16.pb',
    sha256: '1716fd6ced984efa9bd1b8a70fc4f543e2d0ab07e990d85a55142a58ccccd1bc',
    record: `${MACE}:vgg16/vgg16-tensorflow-cpu.yml`,
    output: 'vgg_16/fc8/BiasAdd',
    outputs: 'logits',
  }), 'The study\'s network: TF-slim vgg_16 as a frozen graph in Xiaomi\'s MACE model zoo (its README says the model ' +
    'comes from the TF-slim pretrained models; which checkpoint file was frozen is not stated), with the study\'s ' +
    '224x224 input, 1000 classes and mean subtraction. Its output is fc8\'s logits as a [1, 1, 1, 1000] map, ' +
    'flattened at import. Replaces the ONNX Model Zoo\'s MXNet Gluon VGG-16 that stood in for it.'),

  // onnx/models@b9a54e89508f101a1611cd64f4ef56b9cb62c7cf:vision/classification/vgg/model/vgg19-caffe2-9.onnx
  // (Git LFS pointer: oid sha256:cfb97260…, size 574674712)
  model('vgg_19', 'vgg', 224, 1000, VGG, onnxZoo({
    commit: 'b9a54e89508f101a1611cd64f4ef56b9cb62c7cf',
    path: 'vision/classification/vgg/model/vgg19-caffe2-9.onnx',
    sha256: 'cfb97260b303ad3963999662456571b89c5f73dbdd2fd9dffd19fed7a90f766b',
    bytes: 574674712,
    inputSize: 224, classes: 1000, preprocess: CAFFE_BGR, outputs: 'softmax',
  }), 'ONNX Model Zoo VGG-19-caffe2 (Caffe2 model-zoo vgg19 -> ONNX, opset 9): a translation of the Caffe VGG-19 ' +
    '(Caffe layer names conv1_1..fc8/prob, facebookarchive/models vgg19/predict_net.pbtxt), the release TF-slim ' +
    'vgg_19 was converted from. The zoo README gives no preprocessing; Caffe\'s (BGR minus [103.939, 116.779, ' +
    '123.68], as OpenVINO documents for the Caffe vgg19) is used, the study\'s mean subtraction in BGR order. ' +
    'Ends in a Softmax (removed by outputs "auto").'),

  model('inception_v1', 'inception', 224, 1001, INCEPTION, tfRelease({
    url: `${OPENCV_MODELS}/012020/googlenet-v1-tf/inception_v1.frozen.pb`,
    sha256: '5098978b1c82717bb4d1702b200d715f6e1e37121fdf51795ff5d8a228a26485',
    bytes: 26735789,
    record: `${OMZ}@1b2a21035a0d241df81048642faf8aa475e39f65:models/public/googlenet-v1-tf/model.yml`,
    output: 'InceptionV1/Logits/Predictions/Softmax',
  }), 'The study\'s network: TF-slim inception_v1 frozen by OpenVINO (googlenet-v1-tf, converted with mean 127.5 and ' +
    'scale 127.5, i.e. 2x-1), with the study\'s 224x224 input and 1001 classes. Later Open Model Zoo versions ' +
    'freeze the checkpoint inception_v1_2016_08_28.tar.gz themselves. Replaces the ONNX Model Zoo\'s Caffe2 ' +
    'GoogLeNet reproduction that stood in for it.'),
  model('inception_v2', 'inception', 224, 1001, INCEPTION, tfRelease({
    url: `${OPENCV_MODELS}/042020/googlenet-v2-tf/inception_v2.frozen.pb`,
    sha256: 'a2a044405ffd222150818e9dfd495dfcaf169bddca84c919aa825696e71b37a0',
    bytes: 45039908,
    record: `${OMZ}@e8e16a923d4d182c965481c70718175e5252d1bf:models/public/googlenet-v2-tf/model.yml`,
    output: 'InceptionV2/Predictions/Softmax',
  }), 'The study\'s network: TF-slim inception_v2 frozen by OpenVINO (googlenet-v2-tf, converted with mean 127.5 and ' +
    'scale 127.5, i.e. 2x-1), with the study\'s 224x224 input and 1001 classes. (The ONNX Model Zoo\'s ' +
    'inception-v2 is a Caffe2 BN-Inception with no working preprocessing: onnx/models issues #86, #210, #622.)'),
  model('inception_v3', 'inception', 299, 1001, INCEPTION, tfRelease({
    url: `${TF_MODELS}/inception_v3_2016_08_28_frozen.pb.tar.gz`,
    sha256: '7045b72a954af4dce36346f478610acdccbf149168fa25c78e54e32f0c723d6d',
    bytes: 88668554,
    record: `${OMZ}@00a4830eb152f9791749f282e7b076040e962ab0:models/public/googlenet-v3/model.yml`,
    member: 'inception_v3_2016_08_28_frozen.pb',
    output: 'InceptionV3/Predictions/Reshape_1',
  }), 'The study\'s network: the TF-slim inception_v3_2016_08_28 checkpoint frozen by TensorFlow (the label_image ' +
    'example\'s graph; sha256 also in ' + RENESAS + '), with the study\'s 299x299 input, 1001 classes and 2x-1 ' +
    'preprocessing. Its batch norms are unfused (Rsqrt/Mul/Sub on constants), folded at import; it takes a ' +
    'batch of 1, generalised at import.'),
  model('inception_v4', 'inception', 299, 1001, INCEPTION, tfRelease({
    url: `${TFLITE_ZOO}/inception_v4_2018_04_27.tgz`,
    sha256: '305e45035c690f7a064b5babe27ea68a4e6da5819147c7c94319963c6f256467',
    record: RENESAS,
    member: 'inception_v4.pb',
    output: 'InceptionV4/Logits/Predictions',
  }), TFLITE_ZOO_NOTE('inception_v4', '80.1')),
  model('inception_resnet_v2', 'inception', 299, 1001, INCEPTION, tfRelease({
    url: `${TFLITE_ZOO}/inception_resnet_v2_2018_04_27.tgz`,
    sha256: 'fb16b93ff2b2bcda0da5cdfd25a8d5b8b74438943dae738db659bad0d3d48ff1',
    bytes: 225882079,
    record: `${OMZ}@e1b66ed187939b1df8f6359d7cac3e0f6ef856b4:models/public/inception-resnet-v2-tf/model.yml`,
    member: 'inception_resnet_v2.pb',
    output: 'InceptionResnetV2/Logits/Predictions',
  }), TFLITE_ZOO_NOTE('inception_resnet_v2', '77.5') + ' The graph also computes the auxiliary logits ' +
    '(InceptionResnetV2/AuxLogits), which is why the output node is named. sha256 also in ' + RENESAS + '.'),

  model('resnet_v2_50', 'resnet', 299, 1001, INCEPTION, tfRelease({
    url: 'https://cnbj1.fds.api.xiaomi.com/mace/miai-models/resnet-v2-50/resnet-v2-50.pb',
    sha256: '713c1a5cbe23d8113f4c013107c8296210b24720b365799023e033c1aa4f9360',
    record: `${MACE}:resnet-v2-50/resnet-v2-50.yml`,
    output: 'resnet_v2_50/predictions/Reshape_1',
  }), 'The study\'s network: TF-slim resnet_v2_50 (its node names; input [1, 299, 299, 3], output [1, 1001]) as a frozen ' +
    'graph in Xiaomi\'s MACE model zoo, which does not state the checkpoint file it froze. Replaces the ONNX Model ' +
    'Zoo\'s MXNet Gluon ResNet-50 v2 that stood in for it.'),
  model('resnet_v2_101', 'resnet', 299, 1001, INCEPTION, tfRelease({
    url: `${TF_MODELS}/tflite_11_05_08/resnet_v2_101.tgz`,
    sha256: 'c624931eed69e4a6c5d7b67e76d0303f6d868cefc4c9f5108619c1fc1ce2eb89',
    record: RENESAS,
    member: 'resnet_v2_101_299_frozen.pb',
  }), 'The study\'s network: TF-slim resnet_v2_101 at 299 as converted for TFLite\'s hosted models (the archive holds ' +
    'resnet_v2_101_299.tflite, which the recipe installs, beside the frozen graph). The frozen graph\'s file name ' +
    'follows TensorFlow\'s <name>_frozen.pb convention and its output node is not recorded, so the graph\'s only ' +
    'unread node is taken; a pull that finds another name lists the archive\'s files.'),
  // onnx/models@652f4e4af7975c8e7a505c4b6e0f8ac72d8260ea:vision/classification/resnet/model/resnet152-v2-7.onnx
  // (Git LFS pointer: oid sha256:40fb3f6d…, size 241503848)
  model('resnet_v2_152', 'resnet', 299, 1001, INCEPTION, onnxZoo({
    commit: '652f4e4af7975c8e7a505c4b6e0f8ac72d8260ea',
    path: 'vision/classification/resnet/model/resnet152-v2-7.onnx',
    sha256: '40fb3f6dd313ba786a2c8077a0ef7d7b4afeda5d037365400d3a7fbc2b1bee64',
    bytes: 241503848,
    inputSize: 224, classes: 1000, preprocess: IMAGENET_MEAN_STD, outputs: 'logits',
  }), resnetNote(152, '78.20')),

  model('mobilenet_v1_0.25', 'mobilenet', 224, 1001, INCEPTION,
    mobilenetRelease('0.25', 'eee166d4d1de004e2ee5de19a4f5045574d764ef59569dc284545f805a295074'), mobilenetNote('0.25')),
  model('mobilenet_v1_0.50', 'mobilenet', 224, 1001, INCEPTION,
    mobilenetRelease('0.5', '0eb9be8d18dcf9466a2a2d2157e71c83cd70dc168255d76d72bfe965318db725'), mobilenetNote('0.50')),
  model('mobilenet_v1_1.0', 'mobilenet', 224, 1001, INCEPTION,
    mobilenetRelease('1.0', '1ccb74dbd9c5f7aea879120614e91617db9534bdfaa53dfea54b7c14162e126b'), mobilenetNote('1.0') +
    ' Replaces the ONNX Model Zoo MobileNet v2 that stood in for it.'),

  model('densenet121', 'densenet', 224, 1000, DENSENET, pudaeDenseNet(121, {
    url: googleDrive('0B_fUSpodN0t0eW1sVk1aeWREaDA'),
    sha256: 'b31ec840358f1d20e1c6364d05ce463cb0bc0480042e663ad54547189501852d',
    bytes: 30597420,
    record: `${OMZ}@c69dbb1ef7983fa7893919595031fe1926ab3eda:CONTRIBUTING.md`,
  }), densenetNote(121) + ' Replaces the ONNX Model Zoo\'s Caffe2 DenseNet-121 that stood in for it.'),
  model('densenet169', 'densenet', 224, 1000, DENSENET, pudaeDenseNet(169, {
    url: googleDrive('0B_fUSpodN0t0TDB5Ti1PeTZMM2c'),
    sha256: '6f20b51077c49cb87df11d181b055a0aec1d27f969b84b4ed8115dd4933fccd4',
    bytes: 54307314,
    record: `${OMZ}@35a4310a22ae3c11a74db6bbaad73bbb739bf868:models/public/densenet-169-tf/model.yml`,
  }), densenetNote(169)),
  model('densenet161', 'densenet', 224, 1000, DENSENET, pudaeDenseNet(161, {
    url: 'https://storage.openvinotoolkit.org/repositories/open_model_zoo/public/2021.4/densenet-161-tf/tf-densenet161.tar.gz',
    sha256: 'f4745258b9fe2f234711a70e4192368f169bf0c1956087a210b08270dbe96ca7',
    bytes: 110578586,
    record: `${OMZ}@13a67b6a25408aa98809de4bb97590efb897a74e:models/public/densenet-161-tf/model.yml`,
  }), densenetNote(161) + ' Open Model Zoo mirrors the archive (the same sha256 as pudae\'s Google Drive file ' +
    '0B_fUSpodN0t0NmZvTnZZa2plaHc, recorded at commit 74d4d885).'),
  model('nasnet_large', 'nasnet', 331, 1001, INCEPTION, timmRelease({
    repo: 'timm/nasnetalarge.tf_in1k',
    commit: '2188423afb58a54ecc6eb20e22179f24bfb92275',
    sha256: 'a9852852333c258f0d86b90185580de4bbad1265cb3a9eb1f13165b91bfe638d',
    architecture: 'nasnetalarge', preprocess: INCEPTION, inputSize: 331,
  }), 'The study\'s weights in PyTorch form: timm\'s nasnetalarge.tf_in1k, NASNet-A Large "trained on ImageNet-1k by ' +
    'paper authors, ported from Tensorflow via Cadene\'s pretrained-models.pytorch" (its model card), ' +
    'as a 356 MB safetensors file whose sha256 is the Git LFS oid the Hub shows (the size is not recorded). ' +
    'robustscope builds timm\'s nasnet.py around it (manifest architecture "nasnetalarge"): 331x331 input, (x - 0.5) / ' +
    '0.5 = 2x-1 as in the study, TensorFlow SAME padding, but 1000 classes (the port dropped TF-slim\'s ' +
    'background class; timm\'s config says num_classes 1000) and, as timm computes it, stride-2 average pools that ' +
    'count their zero padding. TF-slim\'s own frozen graph (' +
    `${TFLITE_ZOO}/nasnet_large_2018_04_27.tgz, nasnet_large.pb) has no sha256 in any record searched (ONNX Model ` +
    'Zoo, Open Model Zoo, MACE, Yocto recipes, TensorFlow\'s WORKSPACE, TF-Hub).'),
];

function resnetNote(depth: number, top1: string): string {
  return `CLOSEST, NOT THE SAME WEIGHTS: ONNX Model Zoo ResNet${depth}-v2 is MXNet Gluon's pre-activation ResNet-${depth} ` +
    `v2 (trained with Gluon, zoo top-1 ${top1}%), not TF-slim resnet_v2_${depth}: 224x224 input instead of 299, ` +
    '1000 classes (labelOffset 0), RGB ImageNet mean/std preprocessing instead of 2x-1.';
}

/** TF-slim's 2018_02_22 MobileNet v1 release at `width` (named '0.5', not '0.50'): checkpoint, .tflite and frozen graph. */
function mobilenetRelease(width: string, sha256: string) {
  return tfRelease({
    url: `${TF_MODELS}/mobilenet_v1_2018_02_22/mobilenet_v1_${width}_224.tgz`,
    sha256,
    record: RENESAS,
    member: `mobilenet_v1_${width}_224_frozen.pb`,
    output: 'MobilenetV1/Predictions/Reshape_1',
  });
}

function mobilenetNote(width: string): string {
  return `The study's network: TF-slim MobileNet v1 ${width} at 224, the frozen graph of TF-slim's 2018_02_22 release ` +
    '(the release the slim README links; the study does not say which release it used), with the study\'s ' +
    '1001 classes and 2x-1 preprocessing.';
}

/** pudae/tensorflow-densenet's checkpoint archive `tf-densenet<depth>.tar.gz` (index `tf-densenet<depth>.ckpt.index`). */
function pudaeDenseNet(depth: 121 | 161 | 169, r: { url: string; sha256: string; bytes: number; record: string }) {
  return checkpointRelease({ ...r, archive: `tf-densenet${depth}.tar.gz`, member: `tf-densenet${depth}.ckpt.index`, architecture: `densenet${depth}` });
}

function densenetNote(depth: number): string {
  return `The study's network: pudae/tensorflow-densenet's TF-slim DenseNet-${depth} checkpoint (weights converted from ` +
    'DenseNet-Keras, the (x*255 - mean) * 0.017 preprocessing), with the study\'s 224x224 input and 1000 classes. The ' +
    `archive holds tf-densenet${depth}.ckpt.{index,data-00000-of-00001,meta} (Open Model Zoo converts it from the .meta ` +
    'beside the index; the index and shard names follow TensorFlow\'s V2 checkpoint naming); robustscope builds the ' +
    `network of nets/densenet.py around the checkpoint's variables (manifest architecture "densenet${depth}").`;
}

/** A public file with a known hash, fetched beside the models. */
export interface PublicFile { file: string; url: string; sha256: string }

/**
 * The ImageNet class list every paper model's manifest points to: Caffe's synset_words.txt, 1000 lines
 * `n01440764 tench, Tinca tinca` in the standard (sorted WordNet id) order of 1000-class models; 1001-class
 * models see it through labelOffset 1. The url is pinned to the commit ../shared/fixtures/SOURCES.md names
 * for its copy `labels/imagenet-synset.txt`; the sha256 is that copy's (a test checks it).
 */
export const PAPER_LABELS: PublicFile = {
  file: 'imagenet-synsets.txt',
  url: 'https://raw.githubusercontent.com/onnx/models/b1eeaa1ac722dcc1cd1a8284bde34393dab61c3d/validated/vision/classification/synset.txt',
  sha256: 'acf75ef0abe89694b19056e0796401068b459c457baa30335f240c7692857355',
};

/** A paper model's manifest: preprocessing, input size, label offset, outputs, class list and its download. */
export function paperManifest(m: PaperModel): ManifestInput {
  return {
    name: m.name,
    family: m.family,
    inputSize: [m.inputSize, m.inputSize],
    preprocess: m.preprocess,
    labelOffset: m.classes === 1001 ? 1 : 0,
    outputs: m.outputs === 'softmax' ? 'auto' : 'logits',
    labels: PAPER_LABELS.file,
    ...(m.url ? { url: m.url } : {}),
    ...(m.sha256 ? { sha256: m.sha256 } : {}),
    ...(m.member ? { member: m.member } : {}),
    ...(m.tfOutput ? { tfOutput: m.tfOutput } : {}),
    ...(m.architecture ? { architecture: m.architecture } : {}),
  };
}

/** The paper model called `name`, or undefined. */
export function findPaperModel(name: string, table: readonly PaperModel[] = PAPER_MODELS): PaperModel | undefined {
  return table.find((m) => m.name === name);
}

export interface PaperPullOptions extends ModelPullOptions {
  /** The model table (tests substitute their own). */
  table?: readonly PaperModel[];
  /** The class list (tests substitute their own). */
  labels?: PublicFile;
}

/**
 * `robustscope models pull <name>`: downloads a paper model's public file into the model cache under the
 * name the paper preset expects, verifies its sha256 and writes its sidecar manifest; then the class list
 * the manifest names, beside it (the same mirror applies; a copy with the right hash is kept).
 */
export async function pullPaperModel(name: string, opts: PaperPullOptions = {}): Promise<ModelPullResult & { model: PaperModel; labels: PullResult }> {
  const table = opts.table ?? PAPER_MODELS;
  const m = findPaperModel(name, table);
  if (!m) throw new UserError(`unknown paper model '${name}'; known: ${table.map((t) => t.name).join(', ')}`);
  const r = await pullModel({ file: m.file, url: m.url, sha256: m.sha256, member: m.member, archive: m.archive, manifest: paperManifest(m) }, opts);
  const list = opts.labels ?? PAPER_LABELS;
  const labels = await pullFile(sourceUrl(list, opts.mirror), join(dirname(r.path), list.file), { sha256: list.sha256, idleTimeoutMs: opts.idleTimeoutMs });
  return { ...r, model: m, labels };
}
