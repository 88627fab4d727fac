import { ZOO_ARCHITECTURES } from '../../../models/zoo/registry.js';
import { ZOO_PREFIX, type StudyConfigInput } from '../config-schema.js';

/**
 * The attack budgets of the mini study, in one place, each merged over the named preset's parameters: the
 * cheapest measured to keep per-example distortions within the budget rule of issue 17 (median within 1%,
 * p90 within 5% of the paper's budget or of 4x itself, no success missed), so that the mini study's
 * numbers are the paper's protocol's, not biased by a short budget. The study's budget check measures the
 * same again on every model (the report's budget-adequacy tables).
 */
export const MINI_BUDGETS = {
  fgsmSearch: { attempts: 9 },
  // The paper's 9 budgets tried, each of 60 steps instead of 50. I-FGSM gains from every added step (a
  // finer path), so this was measured as the study's budget check measures it, against 4x itself, 120 x 18.
  // Per-example smallest eps (64 examples each), median and p90, no success gained: zoo:resnet-20 +0.7% and
  // +5.4%, zoo:alexnet-mini +0.7% and +2.4%, zoo:inception-v1-mini +0.8% and +1.7%, at 540 gradient calls
  // per example; pooled over the three (192 examples), median +0.7% and p90 +2.4% (distribution-free 95%
  // interval +1.7% to +4.1%). Against the same references 30 x 9 gave +0.9/+6.3%, +1.1/+4.3% and
  // +1.6/+3.2%, and the paper's own 50 x 9 +0.7/+4.4%, +0.8/+2.3% and +1.0/+2.1%. The search's eps stops
  // at 1 (capEps): uncapped, the mini's own check found 2 successes gained, at eps 11.7 and 24.3, by the
  // longer steps of the 4x search; capped, both budgets fail there, and over the 19 models (76 examples)
  // the check finds median +0.9%, p90 +2.4% (95% interval +2.0% to +7.3%), none gained.
  ifgsmSearch: { iterations: 60, attempts: 9 },
  // Per-example L2 against the paper's 1000 x 9 (issue 17; 32 examples each, median and p90, no success
  // missed): zoo:resnet-20 +0.2% and +2.0% at 423 gradient calls per example (the paper's 4455),
  // zoo:alexnet-mini +0.7% and +1.6% at 340 (4899), zoo:inception-v1-mini +0.8% and +3.7% at 411 (5545),
  // and the untrained 224 x 224 ResNet-50 of bench/cw-budget +0.2% at 389 (2359; 4 examples). Adam at lr
  // 0.01, cosine-annealed and capped near the best distance (early abort then on each window's best loss),
  // converges in a fraction of the steps. The first c is twice the linearised crossing: with the hinge,
  // any c above the threshold has the same minimiser, the boundary point, and the further above, the
  // faster it gets there; at the crossing itself (linearStart 1) ResNet-50's first step crawled and the
  // median fell 3.4% short at 971 calls.
  cw: { iterations: 200, binarySteps: 5, lr: 0.01, lrDecay: 'cosine', lrPerDistance: 0.3, linearStart: 2, growth: 2, warmStart: true, minGain: 0.001 },
  // The paper's 9 constants of 400 steps each, from 10x the linearised crossing (the steps from c = 0.01
  // below the threshold are wasted). Measured as the budget check measures it, against 4x the paper's
  // budget (2000 x 18, about 8,100 gradient calls per example), per-example L1 over 32 examples each of
  // zoo:resnet-20 and zoo:alexnet-mini pooled: median +0.4%, p90 +3.8% (distribution-free 95% interval
  // +2.7% to +17%), no success gained, at 976 gradient calls per example; the paper's own 1000 x 9 gives
  // +0.9% and +3.4% at 1,968. EAD's L1 rule keeps the smallest of many noisy iterates, so it needs the
  // paper's number of constants: 300 x 6 (488 calls) gave +1.7% and +12% (interval +10% to +40%), and
  // longer steps with fewer constants (600 x 3, 1000 x 2) or shorter ones with more (150 x 12, 100 x 10)
  // were worse on zoo:resnet-20. The mini study's own check, against 800 x 18 on 4 examples of each of the
  // 19 models, found median +0.4% and p90 +6.4% (95% interval +4.1% to +27%): short of the p90 rule, and
  // on 32 examples each of zoo:inception-v3-mini and zoo:vgg-16-mini (attack --check-budget 32) median
  // +1.7% and +1.4%, p90 +43% and +13%. The early abort decides where a step ends (README, EAD), and the 4x
  // budget, checking every 80 iterations instead of 40, ends elsewhere; its window-best test instead
  // gave p90 +40% and +21%. No EAD budget measured meets the rule (nor without the abort: README, EAD),
  // the paper's own included: 1000 x 9 against 2000 x 18 on 32 examples each of zoo:resnet-20,
  // alexnet-mini, inception-v3-mini and vgg-16-mini, median +0.98% (95% interval +0.63% to +1.59%), p90
  // +7.9% (+4.1% to +12%), per model p90 +4.6%, +3.0%, +4.9% and +11%. So this budget is chosen against
  // the paper's: on the same 128 examples 400 x 9 over 1000 x 9 gave median -0.04% (-0.57% to +0.39%)
  // and p90 +6.7% (+3.0% to +9.5%), a spread the size of the paper's against its own 4x, at 998 gradient
  // calls per example against 2,010, no success missed. The mini keeps the protocol's abort, so its EAD
  // numbers are the protocol's; FMN-L1 shows how far they are from the smallest L1 found (the report's
  // reference minima).
  ead: { iterations: 400, binarySteps: 9, linearStart: 10, growth: 10 },
  // FMN-L1 (Pintor et al. 2021), a second L1 attack, so that the report's reference minima can show how far
  // EAD's L1 is from the smallest any attack found. 100 iterations fell short of the rule in the study's
  // check over the zoo's 19 models (76 examples: median +1.7%, p90 +11%, 95% interval +8.5% to +50%), and
  // 200 on 32 examples each of zoo:alexnet-mini and zoo:vgg-11-mini (p90 +7.8% and +12%). 300 against
  // 1200 on 32 examples each of zoo:resnet-20, alexnet-mini, vgg-11-mini and inception-v3-mini: median
  // +0.01% (95% interval 0.00% to +0.12%), p90 +4.5% (+3.3% to +10%); per model p90 +0.9%, +3.7%, +4.6%
  // and +11%. That tail is not a short budget: on inception-v3-mini's worst example (4.7x), at 300 the radius
  // settles at the boundary near L1 2.9 within 50 iterations and stays; at 1200, whose cosine schedule
  // anneals more slowly, the same start shrank on past it to 0.62 by iteration 90. The mini study's own
  // check (76 examples, against 1200): median +0.11%, p90 +2.8% (95% interval +0.9% to +11%), none gained.
  fmnL1: { norm: 'l1', iterations: 300 },
} as const;

/**
 * The study in miniature: every built-in zoo model on the synthetic dataset. Each model's accuracy is
 * measured on the first 5,000 test images; each model is attacked on the first 100 of 1,000
 * drawn test images that it classifies correctly, by the study's minimal-distortion attacks (FGSM and
 * I-FGSM budget searches, C&W-L2, EAD) and FMN-L1 (a reference for EAD's L1) at the budgets above, and
 * by FGSM at eps 0.1 for the transfer matrix. The sizes are ordinary config fields: `robustscope study config --preset mini` prints them.
 */
export function miniPreset(): StudyConfigInput {
  return {
    seed: 0,
    models: ZOO_ARCHITECTURES.map((a) => ZOO_PREFIX + a.name),
    // 1,000 drawn: the least accurate zoo model (linear, about 18%) still classifies more than 100 of them correctly.
    // Held-out accuracy on the first 5,000 test images: Wilson intervals of +-1.2 points at most.
    dataset: { name: 'synthetic', count: 1000, sampling: 'correct-for-each', attacked: 100, heldOut: 5000 },
    // One attack unit per model and setting: continuous batching then keeps its 32 slots full until the last examples.
    shardSize: 100,
    attacks: [
      { id: 'fgsm', attack: 'fgsm', set: { eps: 0.1 } },
      { id: 'fgsm-search', attack: 'paper-fgsm-search', set: { ...MINI_BUDGETS.fgsmSearch } },
      { id: 'ifgsm', attack: 'paper-ifgsm-search', set: { ...MINI_BUDGETS.ifgsmSearch } },
      { id: 'cw', attack: 'paper-cw', set: { ...MINI_BUDGETS.cw } },
      { id: 'ead', attack: 'paper-ead', set: { ...MINI_BUDGETS.ead } },
      { id: 'fmn-l1', attack: 'fmn', set: { ...MINI_BUDGETS.fmnL1 } },
    ],
    clever: { norm: 2, nb: 10, ns: 16, targets: ['untargeted'], count: 4 },
    transfer: { attacks: ['fgsm'] },
    // 4 examples per model and setting re-run at 4x the budget (76 per setting over the zoo): the report's
    // budget-adequacy table, at a sixth of the attacks' cost.
    budgetCheck: { count: 4 },
  };
}
