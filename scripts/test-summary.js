// The closing lines of scripts/test.sh: every failed test with the start of its message, then the
// one "N passed, N failed" line. Printed last because a CI log is read from its end: a failure
// found only in the middle of n8n's logs is a failure nobody can act on.
const fs = require('fs');
const path = require('path');

const MESSAGE_LINES = 60;
const dir = process.argv[2];
const plain = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');

let passed = 0;
let failed = 0;
const failures = [];
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
	const run = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
	passed += run.numPassedTests;
	failed += run.numFailedTests + run.numRuntimeErrorTestSuites;
	for (const suite of run.testResults) {
		const where = `${path.basename(file, '.json')} ${path.relative(process.cwd(), suite.name)}`;
		const failedTests = suite.assertionResults.filter((a) => a.status === 'failed');
		for (const test of failedTests) failures.push({ title: `${where} › ${test.fullName}`, message: test.failureMessages.join('\n') });
		// A suite that failed outside its tests (beforeAll, a compile error) has only a message.
		if (failedTests.length === 0 && suite.status === 'failed') failures.push({ title: where, message: suite.message });
	}
}
for (const { title, message } of failures) {
	const lines = plain(message ?? '').split('\n');
	console.log(`\nFAILED ${title}`);
	console.log(lines.slice(0, MESSAGE_LINES).map((l) => `    ${l}`).join('\n'));
	if (lines.length > MESSAGE_LINES) console.log(`    … ${lines.length - MESSAGE_LINES} more lines`);
}
console.log(`tests: ${passed} passed, ${failed} failed`);
