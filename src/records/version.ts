import { createRequire } from 'node:module';

/** The package version, recorded with every row (this file sits at dist/src/records/ once built). */
export const TOOL_VERSION: string = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
