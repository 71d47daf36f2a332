// Resolves every relative import to the part of src/ it lands in and refuses crossings the architecture
// forbids (../shared/ARCHITECTURE.md): main, preload, renderer and server depend on shared and nothing else
// of ours; shared depends on nothing of ours. Resolving the path (rather than matching import text) keeps
// a part's own sub-folders that share a name with another part, e.g. src/main/host/server.ts, legal.
import { dirname, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// widget: the web chat widget (issue 13, chat area), which like the others imports only src/shared.
// wallboard: the TV page (issue 14), likewise.
const PARTS = ['shared', 'main', 'preload', 'renderer', 'server', 'widget', 'wallboard'];

function partOf(file) {
  const rel = relative(root, file).split(sep);
  return rel[0] === 'src' && PARTS.includes(rel[1]) ? rel[1] : null;
}

export default {
  meta: {
    type: 'problem',
    docs: {
      description:
        'Imports between src/main, src/preload, src/renderer and src/server go only through src/shared',
    },
    schema: [],
  },
  create(context) {
    const from = partOf(context.filename);
    if (!from) return {};
    function check(node, source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = partOf(resolve(dirname(context.filename), source));
      if (to === null || to === from || to === 'shared') return;
      context.report({
        node,
        message:
          from === 'shared'
            ? `src/shared imports nothing of ours (this import reaches src/${to}).`
            : `src/${from} may import only src/shared, not src/${to} (see ARCHITECTURE.md).`,
      });
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};
