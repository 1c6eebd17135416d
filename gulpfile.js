const { src, dest } = require('gulp');

// tsc compiles only TypeScript; n8n loads the icons (icons/) and the codex files (*.node.json,
// categories and documentation links) from the package, where the nodes' paths point.
function buildIcons() {
	return src(['icons/**/*.{png,svg}', 'nodes/**/*.node.json'], { base: '.', encoding: false }).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
