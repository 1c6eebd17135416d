const { src, dest } = require('gulp');

// tsc compiles only TypeScript; n8n loads icons and the codex files (*.node.json, categories and
// documentation links) from beside the compiled nodes.
function buildIcons() {
	return src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
