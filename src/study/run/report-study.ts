import { isPostgresUrl } from '../store/postgres-store.js';
import { openStudyStore } from '../store/open-store.js';
import { TOOL_VERSION } from '../../records/version.js';
import { writeReport } from '../../report/write-report.js';

/**
 * Writes the study's report into `out` (default: the store's folder; a database store needs one). A pure
 * function of the store: reading it twice gives the same report, and nothing is computed that the store
 * does not hold.
 */
export async function reportStudy(store: string, out?: string): Promise<{ html: string; files: string[] }> {
  const folder = out ?? (isPostgresUrl(store) ? undefined : store);
  if (folder === undefined) throw new Error('a report of a database store needs an output folder');
  const opened = await openStudyStore(store);
  let data;
  try {
    const config = await opened.meta('config');
    data = {
      title: 'Is robustness the cost of accuracy?',
      models: await opened.models(),
      clean: await opened.cleanRows(),
      accuracy: await opened.accuracyRows(),
      attacks: await opened.attackRows(),
      clever: await opened.cleverRows(),
      transfer: await opened.transferRows(),
      budget: await opened.budgetRows(),
      failedUnits: (await opened.units()).filter((u) => u.failure !== null),
      config: config ? JSON.parse(config) : undefined,
      toolVersion: TOOL_VERSION,
    };
  } finally {
    await opened.close();
  }
  return writeReport(folder, data);
}
