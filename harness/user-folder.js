// One n8n user folder for the whole unit run (jest's globalSetup and globalTeardown): n8n-core's
// InstanceSettings writes its config there. Set here, before the workers start, it reaches every
// test file; set in a test file, jest would give each file its own copy of process.env, and so a
// folder of its own that nothing removes.
const { mkdtempSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');

const OURS = 'SEGWAY_TEST_USER_FOLDER';

module.exports = async function userFolder() {
	if (process.env[OURS] !== undefined) {
		rmSync(process.env[OURS], { recursive: true, force: true });
		delete process.env[OURS];
	} else if (process.env.N8N_USER_FOLDER === undefined) {
		process.env[OURS] = process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'segway-trigger-n8n-'));
	}
};
