import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The wallboard (issue 14): a page of its own for a TV on the floor, not the workbench. Built to out/wallboard
// and served by the central service at /wallboard (src/server/wallboard-page) under a strict CSP: every script
// and style is a file of this bundle, nothing inline.
export default defineConfig({
  root: resolve(import.meta.dirname, 'src/wallboard'),
  base: '/wallboard/',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/wallboard'),
    emptyOutDir: true,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    // Inline assets would be data: URLs the CSP does not allow; there are none, but keep it so.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
