// npm run fuzz — the long fuzz run: the same property as the short run inside `npm test`
// (tests/fuzz/hooks.fuzz.test.ts), over FUZZ_RUNS cases (default 100 000). It prints the seed first
// and, on a failure, the shrunk counterexample and the FUZZ_SEED / FUZZ_PATH that replay it:
//
//   FUZZ_SEED=123 npm run fuzz                  the same run again
//   FUZZ_SEED=123 FUZZ_PATH=4:1:0 npm run fuzz  only the failing case
import { spawnSync } from 'node:child_process';

const env = { ...process.env, FUZZ_RUNS: process.env.FUZZ_RUNS ?? '100000' };
const { status } = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'fuzz', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(status ?? 1);
