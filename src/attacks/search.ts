/**
 * Per-example search for the smallest value of a knob (I-FGSM's eps, C&W's and EAD's constant c) at which
 * an attack succeeds: grow by `growth` on failure and halve on success until a failure and a success
 * bracket the threshold, then bisect. This is the schedule of Carlini & Wagner's binary search (growth 10,
 * with "halve" being the midpoint of [0, upper]) and of the study's I-FGSM budget search (growth 2).
 * Growth stops at `max`: a value that failed there is the end of the search (`exhausted`).
 */
export class BracketSearch {
  /** Largest value that failed (0 before any failure). */
  lower = 0;
  /** Smallest value that succeeded (Infinity before any success). */
  upper = Infinity;
  value: number;

  constructor(
    start: number,
    private readonly growth: number,
    private readonly max = Infinity,
  ) {
    this.value = Math.min(start, max);
  }

  /** Whether the attack failed at `max`, so no value left to try can succeed where it did not. */
  get exhausted(): boolean {
    return this.lower >= this.max;
  }

  /** Records whether the attack succeeded at `value` and moves to the next value to try. */
  update(success: boolean): void {
    if (success) this.upper = Math.min(this.upper, this.value);
    else this.lower = Math.max(this.lower, this.value);
    this.value = Number.isFinite(this.upper) ? (this.lower + this.upper) / 2 : Math.min(this.value * this.growth, this.max);
  }
}
