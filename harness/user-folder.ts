/**
 * n8n-core's InstanceSettings (read by every execution context) writes a config file to the n8n
 * user folder: tests and benches give it a temporary one, removed when the process exits.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** Points N8N_USER_FOLDER at a fresh temporary folder, unless it is set already. */
export function useTemporaryUserFolder(): void {
	if (process.env.N8N_USER_FOLDER !== undefined) return;
	const folder = mkdtempSync(join(tmpdir(), 'segway-n8n-user-'));
	process.env.N8N_USER_FOLDER = folder;
	process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
}

/**
 * jest's globalSetup for the unit run. Set here, before the workers start, the folder reaches every
 * test file; set in a test file, jest would give each file its own copy of process.env, and so a
 * folder of its own.
 */
export default async function globalSetup(): Promise<void> {
	useTemporaryUserFolder();
}
