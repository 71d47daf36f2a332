import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Builds the VOC tab harness (screenshots.ts beside it) into out/voc-harness. */
export default defineConfig({
  root: __dirname,
  plugins: [react()],
  build: { outDir: resolve(__dirname, '../../../out/voc-harness'), emptyOutDir: true, target: 'es2022' },
});
