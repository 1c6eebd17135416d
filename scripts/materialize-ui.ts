/**
 * The package as n8n's lint rules can see it. The nodes' and the credential's UI is generated from
 * the API catalog, so a linter reading the source finds no literal property to check. This
 * writes what ships into a folder (package.json, the default eslint config of @n8n/node-cli,
 * tsconfig.json, api/, credentials/, nodes/, icons/) and, beside each node and the credential,
 * a `*.ui.ts` file holding its description as the literal the generators produce. `n8n-node
 * lint` run there checks both the real code and every text a user sees.
 *
 *   tsx scripts/materialize-ui.ts <folder>
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { dirname, join, resolve } from 'path';

import { SegwayFleetApi } from '../credentials/SegwayFleetApi.credentials.ts';
import { SegwayFleet } from '../nodes/SegwayFleet/SegwayFleet.node.ts';
import { SegwayFleetPollTrigger } from '../nodes/SegwayFleetPollTrigger/SegwayFleetPollTrigger.node.ts';
import { SegwayFleetTrigger } from '../nodes/SegwayFleetTrigger/SegwayFleetTrigger.node.ts';

const ROOT = resolve(__dirname, '..');
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A value as TypeScript source: identifier keys unquoted, connection types as n8n's constant. */
function literal(value: unknown, indent: string, key?: string): string {
	const inner = `${indent}\t`;
	if (Array.isArray(value)) {
		if (value.length === 0) return '[]';
		const connection = key === 'inputs' || key === 'outputs';
		const items = value.map((v) => (connection && v === 'main' ? 'NodeConnectionTypes.Main' : literal(v, inner)));
		return `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}]`;
	}
	if (value instanceof RegExp) return value.toString();
	if (typeof value === 'object' && value !== null) {
		const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
		if (entries.length === 0) return '{}';
		const lines = entries.map(([k, v]) => `${inner}${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${literal(v, inner, k)},`);
		return `{\n${lines.join('\n')}\n${indent}}`;
	}
	return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'` : JSON.stringify(value);
}

/**
 * A companion sits beside the real file: its file name, and for the trigger its webhook methods,
 * are the real file's to have, and the rules checking them run on that file.
 */
const companion = (rules: string[]) => (rules.length > 0 ? `/* eslint-disable ${rules.join(', ')} */\n` : '');

function nodeFile(className: string, description: object, disabled: string[] = []): string {
	return `${companion(disabled)}import { NodeConnectionTypes, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

export class ${className} implements INodeType {
	description: INodeTypeDescription = ${literal(description, '\t')};
}
`;
}

function credentialFile(credential: SegwayFleetApi): string {
	const fields = ['name', 'displayName', 'icon', 'documentationUrl', 'properties', 'test'] as const;
	const body = fields.map((field) => `\t${field} = ${literal(credential[field], '\t')};`).join('\n\n');
	return `${companion(['n8n-nodes-base/cred-filename-against-convention'])}import type { ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

export class ${credential.constructor.name} implements ICredentialType {
${body.replace('\tproperties =', '\tproperties: INodeProperties[] =').replace('\ticon =', '\ticon: Icon =').replace('\ttest =', '\ttest: ICredentialTestRequest =')}
}
`;
}

function main(): void {
	const target = resolve(process.argv[2] ?? join(ROOT, '.build/official'));
	rmSync(target, { recursive: true, force: true });
	mkdirSync(target, { recursive: true });
	for (const entry of ['package.json', 'tsconfig.json', 'api', 'credentials', 'nodes', 'icons', 'README.md', 'LICENSE', 'index.js', 'gulpfile.js']) {
		cpSync(join(ROOT, entry), join(target, entry), { recursive: true });
	}
	writeFileSync(join(target, 'eslint.config.mjs'), readFileSync(join(ROOT, 'node_modules/@n8n/node-cli/dist/template/templates/shared/default/eslint.config.mjs')));
	symlinkSync(join(ROOT, 'node_modules'), join(target, 'node_modules'), 'dir');
	const write = (path: string, text: string) => {
		mkdirSync(dirname(join(target, path)), { recursive: true });
		writeFileSync(join(target, path), text);
	};
	write('nodes/SegwayFleet/SegwayFleet.ui.ts', nodeFile('SegwayFleetUi', new SegwayFleet().description, ['n8n-nodes-base/node-filename-against-convention']));
	write(
		'nodes/SegwayFleetTrigger/SegwayFleetTrigger.ui.ts',
		nodeFile('SegwayFleetTriggerUi', new SegwayFleetTrigger().description, [
			'n8n-nodes-base/node-filename-against-convention',
			'@n8n/community-nodes/webhook-lifecycle-complete',
		]),
	);
	write(
		'nodes/SegwayFleetPollTrigger/SegwayFleetPollTrigger.ui.ts',
		nodeFile('SegwayFleetPollTriggerUi', new SegwayFleetPollTrigger().description, ['n8n-nodes-base/node-filename-against-convention']),
	);
	write('credentials/SegwayFleetApi.ui.ts', credentialFile(new SegwayFleetApi()));
	process.stdout.write(`${target}\n`);
}

main();
