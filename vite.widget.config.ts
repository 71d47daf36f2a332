import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The chat widget that any site embeds with one script tag: its own bundle, not the workbench's. One classic
// script (IIFE, no module loader, no chunks) so <script src async> works on any page; served by the central
// service at /widget.js (src/server/chat/chat-http.ts).
export default defineConfig({
  publicDir: false,
  build: {
    outDir: resolve(import.meta.dirname, 'out/widget'),
    emptyOutDir: true,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    lib: {
      entry: resolve(import.meta.dirname, 'src/widget/index.ts'),
      formats: ['iife'],
      name: 'SwitchboardChat',
      fileName: () => 'widget.js',
    },
  },
});
