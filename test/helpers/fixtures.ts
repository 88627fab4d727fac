import { resolve } from 'node:path';

/** The shared fixtures folder beside the checkout (tests run from the repository root). */
export const FIXTURES = resolve(process.env.ROBUSTSCOPE_FIXTURES ?? resolve(process.cwd(), '../shared/fixtures'));

export const fixture = (...parts: string[]): string => resolve(FIXTURES, ...parts);
