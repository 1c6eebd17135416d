import tsParser from '@typescript-eslint/parser';
import jsonParser from 'jsonc-eslint-parser';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

// The shipped code (nodes/, credentials/, package.json) gets every rule n8n's verification
// applies. Tests, the simulator and benchmarks never ship, so Cloud's import and global
// restrictions do not apply to them.
const shipped = ['nodes/**/*.ts', 'credentials/**/*.ts'];

export default [
	{ ignores: ['dist/**', 'node_modules/**', '.cache/**', '.build/**', 'coverage/**'] },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tsParser, parserOptions: { sourceType: 'module' } },
	},
	{
		...n8nCommunityNodesPlugin.configs.recommended,
		files: [...shipped, 'package.json'],
	},
	{
		files: ['package.json'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		languageOptions: { parser: jsonParser },
		rules: { ...n8nNodesBase.configs.community.rules },
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Written for n8n's own docs slugs; community credentials link to a full URL, which
			// @n8n/community-nodes/credential-documentation-url checks (as n8n-nodes-starter does).
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// These two demand the string 'main', while n8n's scanner rule
			// @n8n/community-nodes/node-connection-type-literal demands NodeConnectionTypes.Main;
			// the scanner's rule is the one n8n verifies community packages with.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
];
