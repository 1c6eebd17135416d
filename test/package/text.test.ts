/** Generated UI text follows n8n's lint rules: the same title case, sentences with the right periods. */
import { titleCase as referenceTitleCase } from 'title-case';

import { FAULT_CODES } from '../../api/catalog/codes';
import { OPERATIONS } from '../../api/catalog/operations';
import { subtitle } from '../../nodes/SegwayFleet/description';
import { sentences, titleCase } from '../../nodes/shared/text';

test('title case is the title-case package\'s, which n8n\'s lint rule compares with', () => {
	const samples = [
		...Object.entries(FAULT_CODES).map(([code, f]) => `${code}: ${f.system ? `${f.system}, ` : ''}${f.description}`),
		'vehicle fell down when unlocked (4)',
		'illegal moving (1)',
		'read the docs at https://example.com/a-b',
		'BSS display of the MaxPro — on or off',
	];
	for (const sample of samples) expect(titleCase(sample)).toBe(referenceTitleCase(sample));
});

test('one sentence has no final period; several each end with one; empty parts are left out', () => {
	expect(sentences('Turn the lights on.')).toBe('Turn the lights on');
	expect(sentences('Turn the lights on', undefined, false, 'Needs firmware 152')).toBe('Turn the lights on. Needs firmware 152.');
	expect(sentences()).toBe('');
});

test('the canvas subtitle names every operation by its display names, never its internal values', () => {
	const expression = /^=\{\{ (.*) \}\}$/s.exec(subtitle())?.[1];
	expect(expression).toBeDefined();
	// The editor evaluates it with $parameter bound to the node's parameters; so does this.
	const evaluate = new Function('$parameter', `return ${expression}`) as (p: Record<string, string>) => unknown;
	const shown = OPERATIONS.map((op) => evaluate({ resource: op.resource, operation: op.operation }));
	expect(shown).toContain('Query: Get Status');
	expect(shown).toContain('Control: Enter Transport Mode');
	const resourceNames: Record<string, string> = { query: 'Query', control: 'Control', setting: 'Setting' };
	expect(shown).toEqual(OPERATIONS.map((op) => `${resourceNames[op.resource]}: ${op.name}`));
});
