import { openStudyStore } from '../store/store.js';
import { TOOL_VERSION } from '../../records/version.js';
import { writeReport } from '../../report/write-report.js';

/**
 * Writes the study's report into its output folder. A pure function of the store: reading it twice gives
 * the same report, and nothing is computed that the store does not hold.
 */
export async function reportStudy(out: string): Promise<{ html: string; files: string[] }> {
  const store = openStudyStore(out);
  let data;
  try {
    const config = store.meta('config');
    data = {
      title: 'Is robustness the cost of accuracy?',
      models: store.models(),
      clean: store.cleanRows(),
      accuracy: store.accuracyRows(),
      attacks: store.attackRows(),
      clever: store.cleverRows(),
      transfer: store.transferRows(),
      config: config ? JSON.parse(config) : undefined,
      toolVersion: TOOL_VERSION,
    };
  } finally {
    store.close();
  }
  return writeReport(out, data);
}
