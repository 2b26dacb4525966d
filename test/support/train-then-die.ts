// Child-process script for the training fault test: runs a real training job against the
// embedded cloud named by the environment and dies (SIGKILL) at the moment it would register the
// version, i.e. after every artefact was uploaded.
//   node bin/run-ts.js test/support/train-then-die.ts <dataset> <model>
import { loadConfig } from '../../config/config';
import { createPlatformStores } from '../../adapters/platform-stores';
import { runTrainingJob } from '../../core/pipeline';

async function main(): Promise<void> {
  const [dataset, model] = process.argv.slice(2);
  const stores = createPlatformStores(loadConfig(process.env));
  await runTrainingJob(
    {
      datasetsTable: stores.tables.datasets,
      datasetsBucket: stores.buckets.datasets,
      artefactsBucket: stores.buckets.artefacts,
      register: async () => {
        process.stdout.write('artefacts uploaded; dying before registration\n');
        process.kill(process.pid, 'SIGKILL');
        return new Promise<never>(() => undefined);
      },
    },
    { dataset, model, algorithm: 'gbdt', classes: 'taxonomy', seed: 3, author: 'fault-test', params: { nRounds: 10 } },
  );
}

void main();
