// Merges the JSON reports of vitest runs made side by side (dev/test.sh's lanes) into one report of
// the same shape: counts added up, test files concatenated, the earliest start. A lane that wrote no
// report (it crashed before the end) counts as one failed test suite, and the exit code is 1.
// Usage: node scripts/merge-test-results.mjs OUT LANE.json...
import fs from 'node:fs';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: node scripts/merge-test-results.mjs OUT LANE.json...');
  process.exit(2);
}

const COUNTS = [
  'numTotalTestSuites',
  'numPassedTestSuites',
  'numFailedTestSuites',
  'numPendingTestSuites',
  'numTotalTests',
  'numPassedTests',
  'numFailedTests',
  'numPendingTests',
  'numTodoTests',
];

const merged = {
  ...Object.fromEntries(COUNTS.map((k) => [k, 0])),
  startTime: Infinity,
  success: true,
  testResults: [],
};
let missing = 0;
for (const file of inputs) {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`no report from ${file}: ${err.message}`);
    missing++;
    continue;
  }
  for (const k of COUNTS) merged[k] += report[k] ?? 0;
  merged.startTime = Math.min(merged.startTime, report.startTime ?? Infinity);
  merged.success &&= report.success === true;
  merged.testResults.push(...(report.testResults ?? []));
}
if (missing > 0) {
  merged.numTotalTestSuites += missing;
  merged.numFailedTestSuites += missing;
  merged.numFailedTests += missing;
  merged.success = false;
}
if (merged.startTime === Infinity) merged.startTime = Date.now();
// The totals line is .ci/run's to print, from this file; each lane printed its own.
fs.writeFileSync(out, JSON.stringify(merged));
process.exit(missing > 0 ? 1 : 0);
