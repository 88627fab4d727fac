#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { registerModels } from './models.js';
import { registerAttack } from './attack.js';
import { registerStudy } from './study.js';
import { registerZoo } from './zoo.js';
import { registerClever } from './clever.js';
import { registerTransfer } from './transfer.js';
import { UserError } from '../core/errors.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

const program = new Command('robustscope')
  .description('Measure how robust image classifiers are to adversarial examples.')
  .version(version)
  // A usage error is one line like every user error (the full usage is one --help away).
  .configureOutput({ outputError: (message, write) => write(`robustscope: ${message.replace(/^error: /, '').trimEnd()} (see --help)\n`) })
  .exitOverride();

// `robustscope ... | head` closes stdout early: stop quietly, as Unix tools do, not with an unhandled EPIPE.
// Whatever a study stored is committed already (every unit is one transaction).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

registerModels(program);
registerAttack(program);
registerStudy(program);
registerZoo(program);
registerClever(program);
registerTransfer(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof UserError) {
    process.stderr.write(`robustscope: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`robustscope: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  }
}
