import type { Setting } from './settings.js';

/** A stored row with the setting it belongs to. */
export interface Tagged<R> {
  row: R;
  setting: Setting;
}
