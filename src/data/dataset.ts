/** A labelled image source that can produce examples in canonical space at any size. */
export interface Dataset {
  readonly name: string;
  readonly size: number;
  /** Class identifiers (folder names, WordNet IDs, digits ...); an example's label indexes this list. */
  readonly classes: readonly string[];
  /** Label of example i (index into `classes`). */
  label(i: number): number;
  /** Stable identifier of example i (file path relative to the dataset root, or "split:index"). */
  id(i: number): string;
  /** Examples `indices` as float32 NCHW RGB in [0,1] at height x width (resized and centre-cropped). */
  load(indices: readonly number[], height: number, width: number): Promise<Float32Array>;
}
