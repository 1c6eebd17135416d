/**
 * What ships is only what runs in n8n: every TypeScript file the build compiles into dist/ is
 * reached by an import chain from the credential or a node that package.json lists, and none of
 * them imports the simulator, the harness or the tests. No node's folder imports another's.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../..');

function compiledSources(): string[] {
	const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, {
		...ts.sys,
		onUnRecoverableConfigFileDiagnostic: (d) => {
			throw new Error(String(d.messageText));
		},
	});
	return config!.fileNames.map((f) => relative(ROOT, f)).sort();
}

function localImports(file: string): string[] {
	const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
	return importedFiles
		.map((i) => i.fileName)
		.filter((name) => name.startsWith('.'))
		.map((name) => {
			const base = join(dirname(file), name);
			for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
				try {
					if (statSync(join(ROOT, candidate)).isFile()) return candidate;
				} catch {
					// try the next form
				}
			}
			return base;
		});
}

function entryPoints(): string[] {
	const { n8n } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
		n8n: { credentials: string[]; nodes: string[] };
	};
	return [...n8n.credentials, ...n8n.nodes].map((built) => built.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
}

test('every compiled file is reached from the credential or a node, and only from shipped folders', () => {
	const reached = new Set<string>();
	const edges: string[] = [];
	const queue = entryPoints();
	while (queue.length > 0) {
		const file = queue.pop()!;
		if (reached.has(file)) continue;
		reached.add(file);
		for (const imported of localImports(file)) {
			edges.push(`${file} -> ${imported}`);
			queue.push(imported);
		}
	}
	expect(edges.filter((edge) => /-> (simulator|harness|test|bench)\//.test(edge))).toEqual([]);
	expect(compiledSources()).toEqual([...reached].sort());
});

test('no node folder imports another node folder: what nodes share lives in nodes/shared/', () => {
	const nodeFolder = (file: string) => /^nodes\/([^/]+)\//.exec(file)?.[1];
	const crossing = compiledSources().flatMap((file) => {
		const own = nodeFolder(file);
		if (own === undefined || own === 'shared') return [];
		return localImports(file)
			.filter((imported) => {
				const other = nodeFolder(imported);
				return other !== undefined && other !== own && other !== 'shared';
			})
			.map((imported) => `${file} -> ${imported}`);
	});
	expect(crossing).toEqual([]);
	// nodes/shared/ serves the nodes and never reaches back into one.
	const upward = compiledSources()
		.filter((file) => nodeFolder(file) === 'shared')
		.flatMap((file) => localImports(file).filter((imported) => nodeFolder(imported) !== undefined && nodeFolder(imported) !== 'shared').map((imported) => `${file} -> ${imported}`));
	expect(upward).toEqual([]);
	// Every file of nodes/ is in a node's folder or in nodes/shared/.
	expect(compiledSources().filter((file) => file.startsWith('nodes/') && nodeFolder(file) === undefined)).toEqual([]);
});

test('the icons the nodes and the credential name are in the one icons folder', () => {
	expect(readdirSync(join(ROOT, 'icons')).sort()).toEqual(['segway.dark.svg', 'segway.svg']);
});

/** Names a file exports, and names each file imports from local modules, read from the AST. */
function exportsAndImports(files: string[]): { exported: Map<string, string[]>; imported: Set<string>; usedInside: Map<string, Set<string>> } {
	const exported = new Map<string, string[]>();
	const imported = new Set<string>();
	const usedInside = new Map<string, Set<string>>();
	for (const file of files) {
		const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
		const names: string[] = [];
		const identifiers = new Map<string, number>();
		const visit = (node: ts.Node): void => {
			if (ts.isIdentifier(node)) identifiers.set(node.text, (identifiers.get(node.text) ?? 0) + 1);
			ts.forEachChild(node, visit);
		};
		visit(source);
		for (const statement of source.statements) {
			const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
			const isExported = modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true;
			if (isExported) {
				if (ts.isVariableStatement(statement)) {
					for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
				} else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
					names.push(statement.name.text);
				}
			}
			if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && statement.moduleSpecifier.text.startsWith('.')) {
				const bindings = statement.importClause?.namedBindings;
				if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) imported.add((element.propertyName ?? element.name).text);
			}
		}
		exported.set(file, names);
		usedInside.set(file, new Set(names.filter((name) => (identifiers.get(name) ?? 0) > 1)));
	}
	return { exported, imported, usedInside };
}

test('every value a shipped file exports is used by shipped code (no test- or simulator-only code in dist/)', () => {
	const files = compiledSources();
	const { exported, imported, usedInside } = exportsAndImports(files);
	const entryClasses = new Set(['SegwayFleet', 'SegwayFleetTrigger', 'SegwayFleetPollTrigger', 'SegwayFleetApi']);
	const unused = files.flatMap((file) =>
		exported
			.get(file)!
			.filter((name) => !imported.has(name) && !usedInside.get(file)!.has(name) && !entryClasses.has(name))
			.map((name) => `${file}: ${name}`),
	);
	expect(unused).toEqual([]);
});

test("the README's retry table names exactly the operations the catalog does not repeat after an unknown outcome", () => {
	const { OPERATIONS } = require('../../api/catalog/operations') as typeof import('../../api/catalog/operations');
	const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
	const header = readme.split('\n').find((line) => line.startsWith('| Failure | What it says |'));
	expect(header).toBeDefined();
	const commands = header!.split('|')[4].trim();
	const names = OPERATIONS.filter((spec) => !spec.repeatable).map((spec) => spec.name);
	const said = ['Unlock', 'Lock', 'Play Sound', 'Power On or Off', 'Enter Transport Mode'];
	expect(names.sort()).toEqual([...said].sort());
	expect(commands).toBe('Unlock, lock, Play Sound, power, transport mode');
});

test('the README names the n8n versions the end-to-end suite runs, and peerDependencies stays "*" as n8n requires', () => {
	const lines = JSON.parse(readFileSync(join(ROOT, 'harness/n8n-lines.json'), 'utf8')) as Record<string, { version: string; node: number }>;
	const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
	const supported = readme.split('\n').find((line) => line.startsWith('**Supported n8n versions:'));
	const tested = readme.slice(readme.indexOf('## Tested with'), readme.indexOf('## Performance'));
	for (const { version, node } of Object.values(lines)) {
		expect(supported).toContain(version.split('.').slice(0, 2).join('.'));
		expect(tested).toContain(`n8n ${version} on Node.js ${node}`);
	}
	const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
	expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
});
