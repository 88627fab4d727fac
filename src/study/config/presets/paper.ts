import { dirname, join } from 'node:path';
import { TARGET_KINDS } from '../../../core/targets.js';
import { TRANSFER_PRESETS } from '../../../attacks/registry.js';
import { defaultModelDir } from '../../../models/pull.js';
import type { StudyConfigInput } from '../config-schema.js';
import { PAPER_MODELS, paperManifest } from '../../../models/catalog/paper-models.js';

/**
 * The reference study (STUDY.md): 18 ImageNet models, 1000 validation images drawn with seed 0 and
 * attacked where each model classifies them correctly; I-FGSM budget search, C&W-L2 and EAD as the study
 * ran them, untargeted and with the three target kinds; CLEVER L2 at the ImageNet setting (100 x 512,
 * R = 3); the transferability grids of FGSM, I-FGSM, C&W and EAD over every ordered pair of models.
 * The images are expected in `<cache>/imagenet/val` (one folder per WordNet id), the models in the model
 * cache (`robustscope models pull`).
 */
export function paperPreset(): StudyConfigInput {
  const models = defaultModelDir();
  return {
    seed: 0,
    models: PAPER_MODELS.map((m) => ({ name: join(models, m.file), manifest: paperManifest(m) })),
    dataset: { name: join(dirname(models), 'imagenet', 'val'), count: 1000, sampling: 'correct-for-each' },
    shardSize: 10,
    attacks: [
      { id: 'ifgsm', attack: 'paper-ifgsm-search', targets: [...TARGET_KINDS] },
      { id: 'cw', attack: 'paper-cw', targets: [...TARGET_KINDS] },
      { id: 'ead', attack: 'paper-ead', targets: [...TARGET_KINDS] },
      ...TRANSFER_PRESETS.map((name) => ({ id: name, attack: name, targets: ['untargeted' as const, 'random' as const] })),
    ],
    clever: { norm: 2, nb: 100, ns: 512, radius: 3, targets: [...TARGET_KINDS], count: 100 },
    transfer: { attacks: [...TRANSFER_PRESETS] },
  };
}
